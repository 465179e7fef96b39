// Benchmark: nfvperf-app's dpdk backend (send → recv) against dpdk-testpmd (txonly → rxonly) on the
// same vhost-user socket (net_vhost on the receiver, virtio_user on the sender), interleaved rounds,
// receiver on CPU 1, sender on CPU 0, 64-byte frames, bursts of 32, hugepages (--in-memory
// --single-file-segments) for both. Target (issue #3): nfvperf ≥ 0.95× testpmd.
//
// Both sides count the same thing: packets received per second at the receiver, over its
// one-second windows while traffic flowed, the first and last such window dropped (start-up and
// the partial end); the figure is the mean of those steady windows. nfvperf: its `interval` lines
// (--interval-ms 1000); testpmd: its `Rx-pps` line per `--stats-period 1`.
//
// With --baseline-app PATH, that build of nfvperf-app runs as a third contender, interleaved.
// With --split, nfvperf's sender also runs into testpmd's rxonly: which end limits the pair.
//
//   npm run build && node dist/bench/dpdk-vs-testpmd.js [--rounds 5] [--seconds 6] [--baseline-app PATH] [--split]
import { AppProcess } from '../src/apps/app.js';
import { reserveHugepages } from '../src/testbed/hugepages.js';
import { Ledger } from '../src/testbed/ledger.js';
import { newRunToken, runNames } from '../src/testbed/names.js';
import { Resources } from '../src/testbed/resources.js';
import { ensureRunDir, runPath } from '../src/testbed/rundir.js';
import { Testpmd } from './testpmd.js';
import { BASELINE_APP, interleave, numberOption, report, withAppBinary } from './common.js';

const ROUNDS = numberOption('--rounds', 5);
const SECONDS = numberOption('--seconds', 6);
const SENDER_CPU = 0;
const RECEIVER_CPU = 1;
const RECEIVER_MAC = '02:00:00:00:00:02';
const SENDER_MAC = '02:00:00:00:00:01';
/** Hugepage memory for the run: two testpmds at 256 MB each, or two apps (whichever runs). */
const HUGEPAGES_MB = 1024;

/** Mean of the per-second rates while traffic flowed, without the first and last such window. */
function steadyRate(perSecond: readonly number[]): number {
  const flowing = perSecond.filter((v) => v > 0).slice(1, -1);
  if (flowing.length === 0) throw new Error(`too few windows with traffic: ${perSecond.join(' ')}`);
  return flowing.reduce((a, b) => a + b, 0) / flowing.length;
}

function vdevs(socket: string) {
  return { rx: `net_vhost0,iface=${socket},queues=1`, tx: `virtio_user0,path=${socket},queues=1` };
}

const COMMON = ['--backend', 'dpdk', '--size', '64', '--burst', '32'];

/** nfvperf's unpaced sender on the virtio_user end, for SECONDS. */
function nfvperfSender(tx: string, filePrefix: string, extra: string[] = []): AppProcess {
  return new AppProcess({ role: 'send', label: 'nfvperf send', pair: 0, args: [...COMMON, ...extra, '--vdev', tx, '--file-prefix', filePrefix,
    '--local', '198.18.0.1:7000', '--remote', '198.18.0.2:7001', '--local-mac', SENDER_MAC, '--remote-mac', RECEIVER_MAC,
    '--rate', 'max', '--duration', String(SECONDS), '--cpu', String(SENDER_CPU)] });
}

/** What a testpmd receiver counted: its `Rx-pps` lines (--stats-period 1), steady seconds. */
function testpmdRate(receiver: Testpmd): number {
  return steadyRate([...receiver.output.matchAll(/Rx-pps:\s+(\d+)/g)].map((m) => Number(m[1])));
}

async function nfvperf(socket: string, round: number): Promise<number> {
  const { rx, tx } = vdevs(socket);
  // One epoch for both: the receiver's interval k and the sender's second k are the same second.
  const timing = ['--interval-ms', '1000', '--epoch-ns', String(process.hrtime.bigint() + 3_000_000_000n)];
  const recv = new AppProcess({ role: 'recv', label: 'nfvperf recv', pair: 0, args: [...COMMON, ...timing, '--vdev', rx, '--file-prefix', `nfpbr${round}`,
    '--local', '198.18.0.2:7001', '--local-mac', RECEIVER_MAC, '--cpu', String(RECEIVER_CPU)] });
  const send = nfvperfSender(tx, `nfpbs${round}`, timing);
  try {
    if (!await send.waitExit((SECONDS + 30) * 1000)) throw send.failure('did not stop after --duration');
    await new Promise((r) => setTimeout(r, 1500)); // one more (empty) receiver interval
  } finally {
    await send.stop();
    await recv.stop();
  }
  if (!recv.summary) throw recv.failure('gave no summary');
  return steadyRate(recv.intervals.filter((i) => !i.partial).map((i) => i.rxPackets ?? 0));
}

async function testpmd(socket: string, round: number): Promise<number> {
  const { rx, tx } = vdevs(socket);
  const eal = ['--in-memory'];
  const receiver = new Testpmd(undefined, { cpu: RECEIVER_CPU, filePrefix: `nfptr${round}`, vdev: rx, mode: 'rxonly', extraEal: eal });
  let sender: Testpmd | undefined;
  try {
    await receiver.ready();
    sender = new Testpmd(undefined, { cpu: SENDER_CPU, filePrefix: `nfpts${round}`, vdev: tx, mode: 'txonly', ethPeer: RECEIVER_MAC, extraEal: eal });
    await sender.ready();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    await sender.stop();
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    await sender?.stop();
    await receiver.stop();
  }
  return testpmdRate(receiver);
}

/** nfvperf's sender into testpmd's rxonly: the sender's rate alone. */
async function nfvperfSenderOnly(socket: string, round: number): Promise<number> {
  const { rx, tx } = vdevs(socket);
  const receiver = new Testpmd(undefined, { cpu: RECEIVER_CPU, filePrefix: `nfptx${round}`, vdev: rx, mode: 'rxonly', extraEal: ['--in-memory'] });
  let send: AppProcess | undefined;
  try {
    await receiver.ready();
    send = nfvperfSender(tx, `nfpxs${round}`);
    if (!await send.waitExit((SECONDS + 30) * 1000)) throw send.failure('did not stop after --duration');
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    await send?.stop();
    await receiver.stop();
  }
  return testpmdRate(receiver);
}

const names = runNames(newRunToken());
const ledger = Ledger.open(names.token);
const resources = new Resources(ledger);
try {
  await reserveHugepages(resources, HUGEPAGES_MB);
  const socket = runPath(names.token, 'vhost.sock');
  await ensureRunDir(resources, runPath(names.token));
  let round = 0;
  const contenders: Record<string, () => Promise<number>> = { 'nfvperf dpdk send → recv': () => nfvperf(socket, round) };
  const baseline = BASELINE_APP;
  if (baseline) contenders['baseline build, send → recv'] = () => withAppBinary(baseline, () => nfvperf(socket, round));
  if (process.argv.includes('--split')) contenders['nfvperf send → testpmd rxonly'] = () => nfvperfSenderOnly(socket, round);
  contenders['testpmd txonly → rxonly'] = () => testpmd(socket, round++);
  const results = await interleave(ROUNDS, contenders);
  process.stdout.write(`${report(`64-byte frames, vhost-user (virtio_user → net_vhost), ${SECONDS} s runs: rx packets/s at the receiver, steady seconds`,
    'pps', results, 'testpmd txonly → rxonly')}\n`);
} finally {
  const errors = await resources.releaseAll();
  ledger.close();
  if (errors.length) process.stderr.write(`teardown: ${errors.map((e) => e.message).join('; ')}\n`);
}
