// Benchmark: nfvperf-app udp-mmsg (64-byte frames, unpaced) against iperf3 UDP with the same
// 64-byte frames (`-u -l 22 -b 0`: 22 bytes of payload + 42 bytes of headers), over the same
// namespaces + linux-bridge topology, sender on CPU 0 and receiver on CPU 1, interleaved rounds.
// Figure: packets received per second over the run (iperf3: packets sent minus lost, as its
// server counts them).
//
//   npm run build && node dist/bench/udp-vs-iperf3.js [--rounds 5] [--seconds 5]
import { AppProcess } from '../src/apps/app.js';
import { exec } from '../src/common/exec.js';
import { bridgeTopology, interleave, report, type Topology } from './common.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROUNDS = option('--rounds', 5);
const SECONDS = option('--seconds', 5);
const SENDER_CPU = 0;
const RECEIVER_CPU = 1;

async function nfvperfApp(t: Topology, backend: string): Promise<number> {
  const recv = new AppProcess({ role: 'recv', netns: t.receiver.netns, label: 'receiver', pair: 0,
    args: ['--backend', backend, '--local', `${t.receiver.ip}:7001`, '--size', '64', '--burst', '32', '--cpu', String(RECEIVER_CPU)] });
  await recv.waitReady(5000);
  const send = new AppProcess({ role: 'send', netns: t.sender.netns, label: 'sender', pair: 0,
    args: ['--backend', backend, '--local', `${t.sender.ip}:7000`, '--remote', `${t.receiver.ip}:7001`, '--size', '64',
      '--burst', '32', '--rate', 'max', '--duration', String(SECONDS), '--cpu', String(SENDER_CPU)] });
  await send.waitExit((SECONDS + 10) * 1000);
  await new Promise((r) => setTimeout(r, 200));
  await recv.stop();
  if (!recv.summary) throw recv.failure('gave no summary');
  // Received packets over the sender's sending time (the receiver also idled before and after).
  return recv.summary.rxPackets! / (Number(BigInt(send.summary!.durationNs)) / 1e9);
}

async function iperf3(t: Topology): Promise<number> {
  // The server serves one test and exits (-1).
  const server = exec(['ip', 'netns', 'exec', t.receiver.netns, 'iperf3', '-s', '-1', '-A', String(RECEIVER_CPU), '-B', t.receiver.ip],
    { timeoutMs: (SECONDS + 30) * 1000, check: false });
  await new Promise((r) => setTimeout(r, 300));
  const client = await exec(['ip', 'netns', 'exec', t.sender.netns, 'iperf3', '-c', t.receiver.ip, '-u', '-l', '22', '-b', '0',
    '-t', String(SECONDS), '-A', String(SENDER_CPU), '-J'], { timeoutMs: (SECONDS + 20) * 1000 });
  await server;
  const end = (JSON.parse(client.stdout) as { end: { sum: { packets: number; lost_packets: number; seconds: number } } }).end.sum;
  return (end.packets - end.lost_packets) / end.seconds;
}

const topology = await bridgeTopology();
try {
  const results = await interleave(ROUNDS, {
    'nfvperf udp-mmsg': () => nfvperfApp(topology, 'udp-mmsg'),
    'nfvperf udp': () => nfvperfApp(topology, 'udp'),
    'iperf3 -u -l 22 -b 0': () => iperf3(topology),
  });
  process.stdout.write(`${report(`64-byte frames, netns + linux-bridge, ${SECONDS} s runs: received packets/s`, 'pps', results, 'iperf3 -u -l 22 -b 0')}\n`);
} finally {
  await topology.teardown();
}
