// How long `nfvperf run FILE --dry-run` takes to refuse the worst plan files up to the 1 MiB
// bound (issue #20: "any input up to 1 MiB is judged in under 2 s"): each class of hostile input
// filled to just under 1 MiB, the wall time of the whole executable (start-up included), medians.
// With `--baseline-cli PATH` another checkout's bin/nfvperf.js runs the same files in interleaved
// rounds (A B A B …). Touches nothing on the host, but is a benchmark: run it on a quiet machine.
//   node dist/bench/hostile-input.js [--rounds 5] [--baseline-cli PATH] [--only NAME]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/apps/app.js';
import { MAX_FILE_BYTES } from '../src/plan/yaml-data.js';
import { median, numberOption, stringOption } from './common.js';

const ROUNDS = numberOption('--rounds', 5);
const BASELINE_CLI = stringOption('--baseline-cli');
const ONLY = stringOption('--only');
const OURS = join(PACKAGE_ROOT, 'bin', 'nfvperf.js');

/** `head`, then `line(i)` for i = 0, 1, … while the file stays under the bound, then `tail`. */
function filled(head: string, line: (i: number) => string, tail = ''): string {
  const parts = [head];
  let length = head.length + tail.length;
  for (let i = 0; ; i++) {
    const next = line(i);
    if (length + next.length > MAX_FILE_BYTES - 64) break;
    parts.push(next);
    length += next.length;
  }
  return parts.join('') + tail;
}

/** The classes of hostile input, each as large as the bound allows; `k…` keys are base-36 counters. */
const INPUTS: Record<string, () => string> = {
  // ~157,000 unknown top-level keys without values: the most lines (and diagnostics) per MiB.
  'unknown-keys': () => filled('name: a\n', (i) => `k${i.toString(36)}:\n`),
  // ~122,000 unknown keys with a value each (the case measured at 3.5 s in the #20 note).
  'unknown-keys-valued': () => filled('name: a\n', (i) => `k${i.toString(36)}: 1\n`),
  // ~150,000 rates in one flow list (its last repeats the first: refused as a duplicate).
  'rates-flow': () => filled('name: a\nrates: [', (i) => `${i + 1}, `, '1]\n'),
  // ~105,000 rates, one per line: refused for the number of cases.
  'rates-lines': () => filled('name: a\nrates:\n', (i) => `  - ${i + 1}\n`),
  // ~150,000 aliases of one anchor: refused past the alias bound.
  aliases: () => filled('name: a\nx: &a 1\nl:\n', () => '  - *a\n'),
  // One comment of 1 MiB: the lexer's longest token.
  comment: () => `name: a\nfoo: 1\n# ${'x'.repeat(MAX_FILE_BYTES - 32)}\n`,
};

/** Wall milliseconds of one `run FILE --dry-run`; throws unless it exited 2 with a located first line. */
async function judge(cli: string, file: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'run', file, '--dry-run'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let head = '';
  child.stderr.on('data', (d: Buffer) => {
    if (head.length < 400) head += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const ms = performance.now() - t0;
  if (code !== 2 || !/^\S+:\d+:\d+[ :]/.test(head)) throw new Error(`${cli} on ${file}: exit ${code}: ${head}`);
  return ms;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nfp-hostile-'));
  try {
    const names = Object.keys(INPUTS).filter((name) => ONLY === undefined || name === ONLY);
    for (const name of names) writeFileSync(join(dir, `${name}.yaml`), INPUTS[name]!());
    const contenders: [string, string][] = [
      ['nfvperf', OURS],
      ...(BASELINE_CLI ? [['baseline', BASELINE_CLI] as [string, string]] : []),
    ];
    console.log(
      `load average at start: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    for (const name of names) {
      const file = join(dir, `${name}.yaml`);
      const times = new Map<string, number[]>(contenders.map(([n]) => [n, []]));
      for (let round = 0; round < ROUNDS; round++)
        for (const [contender, cli] of contenders) times.get(contender)!.push(await judge(cli, file));
      const medians = contenders.map(([contender]) => median(times.get(contender)!));
      console.log(
        `${name.padEnd(20)} ` +
          contenders
            .map(
              ([contender], i) =>
                `${contender} ${(medians[i]! / 1000).toFixed(2)} s [${times
                  .get(contender)!
                  .map((ms) => (ms / 1000).toFixed(2))
                  .join(' ')}]`,
            )
            .join('  ') +
          (medians.length === 2 ? `  ratio ${(medians[0]! / medians[1]!).toFixed(2)}` : ''),
      );
    }
    console.log(
      `load average at end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
