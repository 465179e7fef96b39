// Benchmark: one queue or two per port (the plan's `queues`) for af-xdp, send → recv over a veth
// cable made with two queues on each end (the same cable for both contenders), 64 B, unpaced, two
// flows (so with --queues 2 the sender uses both transmit queues and the receiver gets half the
// frames on each receive queue). Interleaved rounds, medians. Each app is still one thread on one
// core: two queues spread the kernel's per-queue work (the veth's NAPI instances), not the apps'.
// Figure: received packets/s over the sending time.
//
//   npm run build && node dist/bench/queues.js [--rounds 5] [--seconds 3] [--switch veth|linux-bridge]
import { linuxBridge } from '../src/switches/linux-bridge.js';
import { veth } from '../src/switches/veth.js';
import { interleave, numberOption, pairTopology, report, sendRecv, stringOption, type Topology } from './common.js';

const ROUNDS = numberOption('--rounds', 5);
const SECONDS = numberOption('--seconds', 3);
const SWITCH = stringOption('--switch') ?? 'veth';

async function run(t: Topology, queues: number): Promise<number> {
  const { send, recv, rxPps } = await sendRecv(t, SECONDS, {
    both: ['--backend', 'af-xdp', '--ifname', 'eth0', '--queues', String(queues)],
    sender: ['--flows', '2', '--remote-mac', t.receiver.mac],
  });
  const perQueue = recv.rxQueuePackets ? ` per queue ${recv.rxQueuePackets.join('/')}` : '';
  process.stderr.write(`  queues ${queues}: tx ${send.txPackets} rx ${recv.rxPackets}${perQueue}\n`);
  return rxPps;
}

const topology = await pairTopology(SWITCH === 'linux-bridge' ? linuxBridge : veth, 2);
try {
  const results = await interleave(ROUNDS, {
    'queues 1': () => run(topology, 1),
    'queues 2': () => run(topology, 2),
  });
  process.stdout.write(
    `${report(`af-xdp unpaced, 64 B, 2 flows, netns + ${SWITCH} (2-queue veths), ${SECONDS} s runs: received packets/s`, 'pps', results, 'queues 1')}\n`,
  );
} finally {
  await topology.teardown();
}
