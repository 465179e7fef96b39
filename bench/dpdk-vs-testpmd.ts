// Benchmark: nfvperf-app's dpdk backend (send → recv) against dpdk-testpmd (txonly → rxonly) on the
// same link, interleaved rounds, receiver on CPU 1, sender on CPU 0, 64-byte frames, bursts of 32,
// hugepages for both. The link: vhost-user (net_vhost on the receiver, virtio_user on the sender;
// --in-memory --single-file-segments), or with --vdev net_memif a memif pair (the receiver the
// server; EAL keeps shared files for it, in a hugetlbfs of the run's). Target (issue #21): our sender
// ≥ 0.95× testpmd's pair, our validating pair ≥ 0.9×.
//
// Both sides count the same thing: packets received per second at the receiver, over its
// one-second windows while traffic flowed, the first and last such window dropped (start-up and
// the partial end); the figure is the mean of those steady windows. nfvperf: its `interval` lines
// (--interval-ms 1000); testpmd: its `Rx-pps` line per `--stats-period 1`.
//
// Cycles per frame, each end: TSC Hz × the core time the process ran (all its threads, from
// /proc/PID/task/*/schedstat) over the steady seconds ÷ the frames received in them. It does not
// depend on how much of its core a process got (this host's CPUs are shared and its speed
// swings), so hosts and runs compare; a polling end that waits for the other counts its waiting
// too, so only the limiting end's figure is its cost.
//
// Every process runs at nice -20 (common.ts, topPriority): on a host whose two CPUs others share
// (compiles), a time slice taken from one end also stalls the other polling end, which neither
// rates nor cycles per frame would then describe.
//
// With --baseline-app PATH, that build of nfvperf-app runs as another contender, interleaved.
// With --split, nfvperf's sender also runs into testpmd's rxonly: which end limits the pair.
//
//   npm run build && node dist/bench/dpdk-vs-testpmd.js [--rounds 5] [--seconds 6] [--vdev net_memif] [--baseline-app PATH] [--split]
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { AppProcess } from '../src/apps/app.js';
import { readTscHz } from '../src/testbed/environment.js';
import { ensureHugetlbfs, reserveHugepages } from '../src/testbed/hugepages.js';
import { Ledger } from '../src/testbed/ledger.js';
import { newRunToken, runNames } from '../src/testbed/names.js';
import { Resources } from '../src/testbed/resources.js';
import { ensureRunDir, runPath } from '../src/testbed/rundir.js';
import { Testpmd } from './testpmd.js';
import {
  BASELINE_APP,
  interleave,
  median,
  numberOption,
  report,
  stringOption,
  summaryGiven,
  topPriority,
  withAppBinary,
} from './common.js';

const ROUNDS = numberOption('--rounds', 5);
const SECONDS = numberOption('--seconds', 6);
const LINK = stringOption('--vdev') ?? 'net_vhost';
if (LINK !== 'net_vhost' && LINK !== 'net_memif')
  throw new Error(`--vdev ${LINK}: net_vhost (vhost-user, the default) or net_memif`);
const MEMIF = LINK === 'net_memif';
if (SECONDS < 4) throw new Error('--seconds: at least 4 (the first and last second are not steady)');
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
  if (MEMIF) {
    const link = `id=0,socket=${socket},socket-abstract=no`;
    return { rx: `net_memif0,role=server,${link}`, tx: `net_memif0,role=client,${link}` };
  }
  return { rx: `net_vhost0,iface=${socket},queues=1`, tx: `virtio_user0,path=${socket},queues=1` };
}

/** testpmd's EAL: vhost-user runs --in-memory; net_memif needs EAL's shared files (dpdk.c, needs_ipc). */
const TESTPMD_EAL = MEMIF ? [] : ['--in-memory'];

/** What a testpmd leaves in /var/run/dpdk/PREFIX (its shared files with memif; an empty directory even
 * --in-memory). The prefix is this run's. */
function removeEalDir(filePrefix: string): void {
  rmSync(`/var/run/dpdk/${filePrefix}`, { recursive: true, force: true });
}

const COMMON = ['--backend', 'dpdk', '--size', '64', '--burst', '32'];

/** Nanoseconds a process has run on a CPU, all its threads together. */
function coreNs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      /* the thread ended */
    }
  }
  return ns;
}

/** Core seconds per second each end ran from `fromMs` to `toMs` (Date.now() times): ≤ 1 for a pinned poller. */
interface CoreShare {
  sender: number;
  receiver: number;
}

async function coreShare(
  pids: () => { sender?: number; receiver?: number },
  fromMs: number,
  toMs: number,
): Promise<CoreShare> {
  const sleepUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));
  await sleepUntil(fromMs);
  const a = pids(),
    t0 = process.hrtime.bigint();
  const before = { sender: coreNs(a.sender), receiver: coreNs(a.receiver) };
  await sleepUntil(toMs);
  const after = { sender: coreNs(a.sender), receiver: coreNs(a.receiver) };
  const ns = Number(process.hrtime.bigint() - t0);
  return { sender: (after.sender - before.sender) / ns, receiver: (after.receiver - before.receiver) / ns };
}

/** The steady seconds of a run whose traffic starts at `startMs`: the second after the first to the one before the last. */
function steadyWindow(startMs: number): [number, number] {
  return [startMs + 1000, startMs + (SECONDS - 1) * 1000];
}

interface Round {
  pps: number;
  core: CoreShare;
}

/** nfvperf's unpaced sender on the client end, for SECONDS. */
function nfvperfSender(tx: string, filePrefix: string, extra: string[] = []): AppProcess {
  return new AppProcess({
    role: 'send',
    label: 'nfvperf send',
    pair: 0,
    args: [
      ...COMMON,
      ...extra,
      '--vdev',
      tx,
      '--file-prefix',
      filePrefix,
      '--local',
      '198.18.0.1:7000',
      '--remote',
      '198.18.0.2:7001',
      '--local-mac',
      SENDER_MAC,
      '--remote-mac',
      RECEIVER_MAC,
      '--rate',
      'max',
      '--duration',
      String(SECONDS),
      '--cpu',
      String(SENDER_CPU),
    ],
  });
}

/**
 * Stops a pair once the sender is done: over vhost-user the sender first, then (after one more,
 * empty, receiver interval) the receiver; over memif the receiver, the server, first: a memif
 * server whose client leaves while it polls can crash (dpdk.c, dpdk_close), and our sender, the
 * client, waits for its server to leave before it exits.
 */
async function stopPair(
  senderDone: () => Promise<void>,
  sender: { stop(): Promise<void> },
  receiver: { stop(): Promise<void> },
): Promise<void> {
  await senderDone();
  if (MEMIF) {
    await receiver.stop();
    await sender.stop();
  } else {
    await sender.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await receiver.stop();
  }
}

/** Resolves once an nfvperf sender has printed its summary (it sent for --duration). */
const sent = (send: AppProcess): Promise<void> => summaryGiven(send, (SECONDS + 30) * 1000);

/** What a testpmd receiver counted: its `Rx-pps` lines (--stats-period 1), steady seconds. */
function testpmdRate(receiver: Testpmd): number {
  return steadyRate([...receiver.output.matchAll(/Rx-pps:\s+(\d+)/g)].map((m) => Number(m[1])));
}

async function nfvperf(socket: string, prefix: string): Promise<Round> {
  const { rx, tx } = vdevs(socket);
  // One epoch for both: the receiver's interval k and the sender's second k are the same second.
  const startMs = Date.now() + 3000;
  const timing = ['--interval-ms', '1000', '--epoch-ns', String(process.hrtime.bigint() + 3_000_000_000n)];
  const recv = new AppProcess({
    role: 'recv',
    label: 'nfvperf recv',
    pair: 0,
    args: [
      ...COMMON,
      ...timing,
      '--vdev',
      rx,
      '--file-prefix',
      `${prefix}r`,
      '--local',
      '198.18.0.2:7001',
      '--local-mac',
      RECEIVER_MAC,
      '--cpu',
      String(RECEIVER_CPU),
    ],
  });
  const send = nfvperfSender(tx, `${prefix}s`, timing);
  let core: CoreShare;
  try {
    core = await coreShare(() => ({ sender: send.pid, receiver: recv.pid }), ...steadyWindow(startMs));
    await stopPair(() => sent(send), send, recv);
  } finally {
    await recv.stop();
    await send.stop();
  }
  if (!recv.summary) throw recv.failure('gave no summary');
  return { pps: steadyRate(recv.intervals.filter((i) => !i.partial).map((i) => i.rxPackets ?? 0)), core };
}

async function testpmd(socket: string, prefix: string): Promise<Round> {
  const { rx, tx } = vdevs(socket);
  const receiver = new Testpmd(undefined, {
    cpu: RECEIVER_CPU,
    filePrefix: `${prefix}r`,
    vdev: rx,
    mode: 'rxonly',
    extraEal: TESTPMD_EAL,
  });
  let sender: Testpmd | undefined;
  let core: CoreShare;
  try {
    await receiver.ready();
    sender = new Testpmd(undefined, {
      cpu: SENDER_CPU,
      filePrefix: `${prefix}s`,
      vdev: tx,
      mode: 'txonly',
      ethPeer: RECEIVER_MAC,
      extraEal: TESTPMD_EAL,
    });
    await sender.ready();
    const startMs = Date.now();
    core = await coreShare(() => ({ sender: sender!.pid, receiver: receiver.pid }), ...steadyWindow(startMs));
    await stopPair(() => new Promise((r) => setTimeout(r, startMs + SECONDS * 1000 - Date.now())), sender, receiver);
  } finally {
    await receiver.stop();
    await sender?.stop();
    removeEalDir(`${prefix}r`);
    removeEalDir(`${prefix}s`);
  }
  return { pps: testpmdRate(receiver), core };
}

/** nfvperf's sender into testpmd's rxonly: the sender's rate alone. */
async function nfvperfSenderOnly(socket: string, prefix: string): Promise<Round> {
  const { rx, tx } = vdevs(socket);
  const receiver = new Testpmd(undefined, {
    cpu: RECEIVER_CPU,
    filePrefix: `${prefix}r`,
    vdev: rx,
    mode: 'rxonly',
    extraEal: TESTPMD_EAL,
  });
  let send: AppProcess | undefined;
  let core: CoreShare;
  try {
    await receiver.ready();
    send = nfvperfSender(tx, `${prefix}s`);
    await send.waitReady(60_000); // it sends from its start line on
    core = await coreShare(() => ({ sender: send!.pid, receiver: receiver.pid }), ...steadyWindow(Date.now()));
    await stopPair(() => sent(send!), send, receiver);
  } finally {
    await receiver.stop();
    await send?.stop();
    removeEalDir(`${prefix}r`);
  }
  return { pps: testpmdRate(receiver), core };
}

const restorePriority = topPriority(); // (see the top)
const names = runNames(newRunToken());
const ledger = Ledger.open(names.token);
const resources = new Resources(ledger);
try {
  const tscHz = await readTscHz();
  await reserveHugepages(resources, HUGEPAGES_MB);
  await ensureRunDir(resources, runPath(names.fileToken));
  // EAL with shared files (memif) keeps its page files in a hugetlbfs; they go with the run.
  if (MEMIF) await ensureHugetlbfs(resources, runPath(names.fileToken, 'hugepages'), `nfp${names.fileToken}`);
  const socket = runPath(names.fileToken, MEMIF ? 'memif.sock' : 'vhost.sock');
  let round = 0;
  const prefix = (who: string) => `nfp${names.fileToken}${who}${round}`;
  const runs: Record<string, () => Promise<Round>> = { 'nfvperf dpdk send → recv': () => nfvperf(socket, prefix('n')) };
  const baseline = BASELINE_APP;
  if (baseline) runs['baseline build, send → recv'] = () => withAppBinary(baseline, () => nfvperf(socket, prefix('b')));
  if (process.argv.includes('--split'))
    runs['nfvperf send → testpmd rxonly'] = () => nfvperfSenderOnly(socket, prefix('x'));
  runs['testpmd txonly → rxonly'] = async () => {
    const r = await testpmd(socket, prefix('t'));
    round++;
    return r;
  };
  // Rates go through interleave (its order, log and table); each round's core shares are kept aside.
  const cycles: Record<string, { sender: number[]; receiver: number[] }> = {};
  const contenders = Object.fromEntries(
    Object.entries(runs).map(([name, run]) => [
      name,
      async () => {
        const r = await run();
        const c = (cycles[name] ??= { sender: [], receiver: [] });
        c.sender.push(((tscHz ?? NaN) * r.core.sender) / r.pps);
        c.receiver.push(((tscHz ?? NaN) * r.core.receiver) / r.pps);
        return r.pps;
      },
    ]),
  );
  const results = await interleave(ROUNDS, contenders);
  const link = MEMIF ? 'memif (net_memif client → server)' : 'vhost-user (virtio_user → net_vhost)';
  process.stdout.write(
    `${report(
      `64-byte frames, ${link}, ${SECONDS} s runs: rx packets/s at the receiver, steady seconds`,
      'pps',
      results,
      'testpmd txonly → rxonly',
    )}\n`,
  );
  process.stdout.write(
    tscHz === undefined
      ? 'cycles per frame: no TSC frequency on this host\n'
      : `cycles per frame (TSC ${(tscHz / 1e9).toFixed(3)} GHz × core time ÷ frames received, steady seconds, medians; the limiting end's is its cost):\n${Object.entries(
          cycles,
        )
          .map(
            ([name, c]) =>
              `  ${name.padEnd(28)} sender ${median(c.sender).toFixed(0).padStart(5)}  receiver ${median(c.receiver).toFixed(0).padStart(5)}  all sender: ${c.sender.map((v) => v.toFixed(0)).join(' ')}  receiver: ${c.receiver.map((v) => v.toFixed(0)).join(' ')}`,
          )
          .join('\n')}\n`,
  );
} finally {
  restorePriority();
  const errors = await resources.releaseAll();
  ledger.close();
  if (errors.length) process.stderr.write(`teardown: ${errors.map((e) => e.message).join('; ')}\n`);
}
