// Benchmark: what touching the data costs (the paper's "realistic application": the sender
// writes every payload byte, the receiver checksums every byte), udp-mmsg unpaced over the
// namespaces + linux-bridge topology, at 64 and 1500 bytes, touch off/on interleaved.
// Figure: received packets/s over the sending time.
//
//   npm run build && node dist/bench/touch-cost.js [--rounds 5] [--seconds 3]
import { bridgeTopology, interleave, numberOption, report, sendRecv, type Topology } from './common.js';

const ROUNDS = numberOption('--rounds', 5);
const SECONDS = numberOption('--seconds', 3);

async function run(t: Topology, size: number, touch: boolean): Promise<number> {
  const { recv, rxPps } = await sendRecv(t, SECONDS, {
    both: ['--backend', 'udp-mmsg', '--size', String(size), ...(touch ? ['--touch'] : [])],
  });
  if ((recv.corrupt ?? 0) > 0) throw new Error(`${recv.corrupt} corrupt frames`);
  return rxPps;
}

const topology = await bridgeTopology();
try {
  const results = await interleave(ROUNDS, {
    '64 B touch off': () => run(topology, 64, false),
    '64 B touch on': () => run(topology, 64, true),
    '1500 B touch off': () => run(topology, 1500, false),
    '1500 B touch on': () => run(topology, 1500, true),
  });
  process.stdout.write(
    `${report(`udp-mmsg unpaced, netns + linux-bridge, ${SECONDS} s runs: received packets/s`, 'pps', results, '64 B touch off')}\n`,
  );
} finally {
  await topology.teardown();
}
