// Benchmark: what touching the data costs (the paper's "realistic application": the sender
// writes every payload byte, the receiver checksums every byte), udp-mmsg unpaced over the
// namespaces + linux-bridge topology, at 64 and 1500 bytes, touch off/on interleaved.
// Figure: received packets/s over the sending time.
//
//   npm run build && node dist/bench/touch-cost.js [--rounds 5] [--seconds 3]
import { AppProcess } from '../src/apps/app.js';
import { bridgeTopology, interleave, numberOption, report, type Topology } from './common.js';

const ROUNDS = numberOption('--rounds', 5);
const SECONDS = numberOption('--seconds', 3);

async function run(t: Topology, size: number, touch: boolean): Promise<number> {
  const extra = touch ? ['--touch'] : [];
  const recv = new AppProcess({ role: 'recv', netns: t.receiver.netns, label: 'receiver', pair: 0,
    args: ['--backend', 'udp-mmsg', '--local', `${t.receiver.ip}:7001`, '--size', String(size), '--cpu', '1', ...extra] });
  await recv.waitReady(5000);
  const send = new AppProcess({ role: 'send', netns: t.sender.netns, label: 'sender', pair: 0,
    args: ['--backend', 'udp-mmsg', '--local', `${t.sender.ip}:7000`, '--remote', `${t.receiver.ip}:7001`, '--size', String(size),
      '--rate', 'max', '--duration', String(SECONDS), '--cpu', '0', ...extra] });
  await send.waitExit((SECONDS + 10) * 1000);
  await new Promise((r) => setTimeout(r, 200));
  await recv.stop();
  if (!recv.summary || !send.summary) throw recv.failure('gave no summary');
  if ((recv.summary.corrupt ?? 0) > 0) throw new Error(`${recv.summary.corrupt} corrupt frames`);
  return recv.summary.rxPackets! / (Number(BigInt(send.summary.durationNs)) / 1e9);
}

const topology = await bridgeTopology();
try {
  const results = await interleave(ROUNDS, {
    '64 B touch off': () => run(topology, 64, false),
    '64 B touch on': () => run(topology, 64, true),
    '1500 B touch off': () => run(topology, 1500, false),
    '1500 B touch on': () => run(topology, 1500, true),
  });
  process.stdout.write(`${report(`udp-mmsg unpaced, netns + linux-bridge, ${SECONDS} s runs: received packets/s`, 'pps', results, '64 B touch off')}\n`);
} finally {
  await topology.teardown();
}
