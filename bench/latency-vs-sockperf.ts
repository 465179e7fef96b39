// Benchmark: round-trip latency of nfvperf-app client/server (64-byte frames, one packet per
// burst, polling) against sockperf ping-pong `--nonblocked --full-rtt` (22-byte messages = the
// same 64-byte frames; without --full-rtt sockperf prints half the round trip), over the same
// namespaces + linux-bridge topology, client on CPU 0 and server on CPU 1, interleaved rounds.
// Two like-for-like pairs: closed loop (nfvperf --inflight 1 --rate max against sockperf's
// default ping-pong: the next ping leaves when the pong is back) and open loop at RATE (nfvperf
// --rate RATE against sockperf --mps RATE). Figure: median RTT (p50) in µs.
//
//   npm run build && node dist/bench/latency-vs-sockperf.js [--rounds 5] [--seconds 3] [--rate 5000]
import { AppProcess } from '../src/apps/app.js';
import { backendInfo } from '../src/apps/backends.js';
import { exec } from '../src/common/exec.js';
import { bridgeTopology, interleave, numberOption, report, type Topology } from './common.js';

const ROUNDS = numberOption('--rounds', 5);
const SECONDS = numberOption('--seconds', 3);
const RATE = numberOption('--rate', 5000);

/** The nfvperf client: closed loop (one frame in flight, unpaced) or open loop at RATE. */
async function nfvperfApp(t: Topology, backend: string, closedLoop: boolean): Promise<number> {
  const onInterface = backendInfo(backend).needsInterface;
  const server = new AppProcess({
    role: 'server',
    netns: t.receiver.netns,
    label: 'server',
    pair: 0,
    args: [
      '--backend',
      backend,
      '--local',
      `${t.receiver.ip}:7001`,
      '--size',
      '64',
      '--burst',
      '32',
      '--cpu',
      '1',
      ...(onInterface ? ['--ifname', t.receiver.ifname!] : []),
    ],
  });
  await server.waitReady(5000);
  const client = new AppProcess({
    role: 'client',
    netns: t.sender.netns,
    label: 'client',
    pair: 0,
    args: [
      '--backend',
      backend,
      '--local',
      `${t.sender.ip}:7000`,
      '--remote',
      `${t.receiver.ip}:7001`,
      '--size',
      '64',
      '--burst',
      '1',
      ...(closedLoop ? ['--rate', 'max', '--inflight', '1'] : ['--rate', String(RATE)]),
      '--duration',
      String(SECONDS),
      '--cpu',
      '0',
      ...(onInterface ? ['--ifname', t.sender.ifname!, '--remote-mac', t.receiver.mac] : []),
    ],
  });
  await client.waitExit((SECONDS + 10) * 1000);
  await server.stop();
  const p50 = client.summary?.rtt?.p50Ns;
  if (p50 === undefined || p50 === null) throw client.failure('gave no RTT');
  return p50 / 1000;
}

/**
 * sockperf ping-pong: by default closed-loop (the next ping leaves when the pong is back, ~70k
 * round trips/s here), which keeps both CPUs and caches hot; with `mps` it paces its pings as the
 * nfvperf client does (open loop at RATE), so that pair compares like with like.
 */
async function sockperf(t: Topology, mps?: number): Promise<number> {
  const server = exec(
    [
      'ip',
      'netns',
      'exec',
      t.receiver.netns,
      'timeout',
      String(SECONDS + 5),
      'taskset',
      '-c',
      '1',
      'sockperf',
      'server',
      '-i',
      t.receiver.ip,
      '-p',
      '7002',
      '--nonblocked',
    ],
    { check: false, timeoutMs: (SECONDS + 10) * 1000 },
  );
  await new Promise((r) => setTimeout(r, 300));
  const client = await exec(
    [
      'ip',
      'netns',
      'exec',
      t.sender.netns,
      'taskset',
      '-c',
      '0',
      'sockperf',
      'ping-pong',
      '-i',
      t.receiver.ip,
      '-p',
      '7002',
      '-m',
      '22',
      '-t',
      String(SECONDS),
      '--nonblocked',
      '--full-rtt',
      ...(mps ? ['--mps', String(mps)] : []),
    ],
    { timeoutMs: (SECONDS + 10) * 1000 },
  );
  await server;
  const m = /percentile 50\.000 =\s+([\d.]+)/.exec(client.stdout + client.stderr);
  if (!m) throw new Error(`sockperf printed no p50: ${client.stdout}`);
  return Number(m[1]);
}

const topology = await bridgeTopology();
try {
  const results = await interleave(
    ROUNDS,
    {
      'nfvperf udp-mmsg --inflight 1': () => nfvperfApp(topology, 'udp-mmsg', true),
      'nfvperf raw-mmsg --inflight 1': () => nfvperfApp(topology, 'raw-mmsg', true),
      'sockperf --full-rtt': () => sockperf(topology),
      [`nfvperf udp-mmsg --rate ${RATE}`]: () => nfvperfApp(topology, 'udp-mmsg', false),
      [`nfvperf raw-mmsg --rate ${RATE}`]: () => nfvperfApp(topology, 'raw-mmsg', false),
      [`sockperf --full-rtt --mps ${RATE}`]: () => sockperf(topology, RATE),
    },
    (l) => process.stderr.write(`${l}\n`),
    2,
  );
  const closed: Record<string, number[]> = Object.fromEntries(
    Object.entries(results).filter(([k]) => k.includes('--inflight') || k === 'sockperf --full-rtt'),
  );
  const open: Record<string, number[]> = Object.fromEntries(
    Object.entries(results).filter(([k]) => k.includes(String(RATE))),
  );
  const title = `64-byte frames, netns + linux-bridge, ${SECONDS} s runs: RTT p50`;
  process.stdout.write(`${report(`${title}, closed loop`, 'µs', closed, 'sockperf --full-rtt', 2)}\n`);
  process.stdout.write(
    `${report(`${title}, open loop at ${RATE}/s`, 'µs', open, `sockperf --full-rtt --mps ${RATE}`, 2)}\n`,
  );
} finally {
  await topology.teardown();
}
