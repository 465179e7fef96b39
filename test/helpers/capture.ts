// tshark captures for the on-the-wire tests: start one in a namespace and wait until it listens,
// then read the frames back as fields.
import { spawn, spawnSync } from 'node:child_process';
import type { Variant } from './app-pair.js';

/**
 * The sending variant, and the receiver's: an af-xdp receiver's XDP program (and a dpdk port's)
 * would take the frames before tshark's socket sees them, so app-built frames from those go to a
 * kernel receiver, which must accept them too.
 */
export const CAPTURED_VARIANTS: [Variant, Variant][] = [
  ['udp', 'udp'],
  ['udp-mmsg', 'udp-mmsg'],
  ['raw', 'raw'],
  ['raw-mmsg', 'raw-mmsg'],
  ['af-xdp', 'udp-mmsg'],
  ['dpdk/af-packet', 'udp-mmsg'],
  ['dpdk/af-xdp', 'udp-mmsg'],
];

export const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

/**
 * Captures the first `count` frames matching `filter` on `iface` of `netns` into `file` (giving
 * up after 20 s). Resolves once tshark listens, so traffic started after it is seen from its
 * first frame; `done` settles when the capture ends.
 */
export async function startCapture(
  netns: string,
  iface: string,
  filter: string,
  count: number,
  file: string,
): Promise<{ done: Promise<number | null> }> {
  const capture = spawn(
    'ip',
    // -B: a buffer for bursts of tens of thousands of frames, so the kernel drops none.
    [
      'netns',
      'exec',
      netns,
      'tshark',
      '-q',
      '-i',
      iface,
      '-B',
      '64',
      '-c',
      String(count),
      '-w',
      file,
      '-f',
      filter,
    ].concat(['-a', 'duration:20']),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const done = new Promise<number | null>((resolve) => capture.on('close', resolve));
  // tshark says "Capturing on 'eth0'" once it listens; only then may traffic start.
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const waited = setTimeout(() => reject(new Error(`tshark did not start: ${text}`)), 15_000);
    capture.stderr!.on('data', (d) => {
      text += d;
      if (/Capturing on/.test(text)) {
        clearTimeout(waited);
        resolve();
      }
    });
  });
  return { done };
}

/** The captured frames of `file`, one row of `fields` each (tshark -T fields), with tshark's `options`. */
export function captureFields(file: string, fields: readonly string[], options: readonly string[] = []): string[][] {
  const decoded = spawnSync(
    'tshark',
    ['-r', file, ...options, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  const text = decoded.stdout.trim();
  return text === '' ? [] : text.split('\n').map((line) => line.split('|'));
}
