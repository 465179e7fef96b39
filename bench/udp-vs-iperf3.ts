// Benchmark: nfvperf-app udp-mmsg (64-byte frames, unpaced) against iperf3 UDP with the same
// 64-byte frames (`-u -l 22 -b 0`: 22 bytes of payload + 42 bytes of headers) and against the bare
// C loop of bench/baseline/mmsg-loop.c (sendmmsg(32) → recvmmsg(32), nothing else), tuned as
// nfvperf-app is (8 MiB socket buffers, a polling receiver: the ceiling of the kernel UDP path
// here) and plain (default buffers, a sleeping receiver: what a first program gets), over the same
// namespaces + linux-bridge topology, sender on CPU 0 and
// receiver on CPU 1, interleaved rounds. Figure: packets received per second of sending (iperf3:
// packets sent minus lost, as its server counts them). Targets (issue #3): nfvperf ≥ 3× iperf3 and
// ≥ 0.9× the bare loop.
//
//   npm run build && node dist/bench/udp-vs-iperf3.js [--rounds 5] [--seconds 5]
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/apps/app.js';
import { exec } from '../src/common/exec.js';
import { bridgeTopology, interleave, median, numberOption, report, sendRecv, type Topology } from './common.js';

const ROUNDS = numberOption('--rounds', 5);
const SECONDS = numberOption('--seconds', 5);
const SENDER_CPU = 0;
const RECEIVER_CPU = 1;

async function nfvperfApp(t: Topology, backend: string): Promise<number> {
  return (await sendRecv(t, SECONDS, { both: ['--backend', backend, '--size', '64', '--burst', '32'] })).rxPps;
}

async function iperf3(t: Topology): Promise<number> {
  // The server serves one test and exits (-1).
  const server = exec(
    ['ip', 'netns', 'exec', t.receiver.netns, 'iperf3', '-s', '-1', '-A', String(RECEIVER_CPU), '-B', t.receiver.ip],
    { timeoutMs: (SECONDS + 30) * 1000, check: false },
  );
  await new Promise((r) => setTimeout(r, 300));
  const client = await exec(
    [
      'ip',
      'netns',
      'exec',
      t.sender.netns,
      'iperf3',
      '-c',
      t.receiver.ip,
      '-u',
      '-l',
      '22',
      '-b',
      '0',
      '-t',
      String(SECONDS),
      '-A',
      String(SENDER_CPU),
      '-J',
    ],
    { timeoutMs: (SECONDS + 20) * 1000 },
  );
  await server;
  const end = (
    JSON.parse(client.stdout) as { end: { sum: { packets: number; lost_packets: number; seconds: number } } }
  ).end.sum;
  return (end.packets - end.lost_packets) / end.seconds;
}

/** Compiles the bare loop with the host's `cc` into a fresh temporary directory. */
async function buildBareLoop(): Promise<string> {
  const binary = join(mkdtempSync(join(tmpdir(), 'nfvperf-bench-')), 'mmsg-loop');
  await exec(['cc', '-O2', '-Wall', '-o', binary, join(PACKAGE_ROOT, 'bench', 'baseline', 'mmsg-loop.c')]);
  return binary;
}

async function bareLoop(t: Topology, binary: string, tuned: boolean): Promise<number> {
  const variant = tuned ? ['tuned'] : [];
  const recv = spawn(
    'ip',
    ['netns', 'exec', t.receiver.netns, binary, 'recv', t.receiver.ip, '7001', String(RECEIVER_CPU), ...variant],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  recv.stdout.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => recv.on('close', resolve));
  try {
    while (!out.includes('ready')) {
      if (recv.exitCode !== null) throw new Error('mmsg-loop recv exited before it was ready');
      await new Promise((r) => setTimeout(r, 10));
    }
    const send = await exec(
      [
        'ip',
        'netns',
        'exec',
        t.sender.netns,
        binary,
        'send',
        t.sender.ip,
        t.receiver.ip,
        '7001',
        String(SECONDS),
        String(SENDER_CPU),
        ...variant,
      ],
      { timeoutMs: (SECONDS + 10) * 1000 },
    );
    await new Promise((r) => setTimeout(r, 200));
    const ns = Number(/ns (\d+)/.exec(send.stdout)![1]);
    recv.kill('SIGTERM');
    await exited;
    return Number(/received (\d+)/.exec(out)![1]) / (ns / 1e9);
  } finally {
    if (recv.exitCode === null) recv.kill('SIGKILL');
  }
}

const bare = await buildBareLoop();
const topology = await bridgeTopology();
try {
  const results = await interleave(ROUNDS, {
    'nfvperf udp-mmsg': () => nfvperfApp(topology, 'udp-mmsg'),
    'bare loop, tuned': () => bareLoop(topology, bare, true),
    'bare loop, plain': () => bareLoop(topology, bare, false),
    'iperf3 -u -l 22 -b 0': () => iperf3(topology),
  });
  process.stdout.write(
    `${report(`64-byte frames, netns + linux-bridge, ${SECONDS} s runs: received packets/s`, 'pps', results, 'iperf3 -u -l 22 -b 0')}\n`,
  );
  const ratio = median(results['nfvperf udp-mmsg']) / median(results['bare loop, tuned']);
  process.stdout.write(`  nfvperf udp-mmsg ÷ bare loop, tuned (medians): ${ratio.toFixed(2)}\n`);
} finally {
  await topology.teardown();
}
