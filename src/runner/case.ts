// One case's life cycle, wherever its apps run: open the hosts → build each host's part of the
// network → start receivers → start senders → run → stop → collect → tear down. A local case has
// one host holding both sides, a remote case two (src/runner/remote-host.ts); the steps, the
// apps' argv (app-argv.ts), the watch loop and the record are the same for both. Teardown always
// runs, on success, failure and interruption alike.
import { latencyFigures } from '../analysis/latency.js';
import { runExpandedSearch, type SearchResult, type TrialResult } from '../analysis/search.js';
import { isSteady, throughputFigures } from '../analysis/steady.js';
import type { IntervalLine } from '../apps/protocol.js';
import { InterruptedError, TestbedError } from '../common/errors.js';
import { trafficSeconds, type Case } from '../plan/expand.js';
import type { CaseRecord, LatencyRecord, StoredCpuSample, StoredSample } from '../store/db.js';
import { driverFor } from '../switches/index.js';
import { assignCpus } from '../testbed/cpus.js';
import type { AppSide } from '../testbed/names.js';
import { appArgs, pairLaunches, type AppLaunch } from './app-argv.js';
import type { AppHandle, CaseHost, HostCpus } from './case-host.js';
import type { CpuSampler } from './cpu-sampler.js';
import type { Endpoint } from './network.js';

export { ROLES } from './app-argv.js';

export interface CaseContext {
  /** Aborted on SIGINT/SIGTERM: the case stops its apps and tears down at once. */
  signal: AbortSignal;
  /** The case's hosts: one holding both sides, or a sender host and a receiver host. */
  hosts: CaseHost[];
  /** Progress lines (remote cases: the per-host set-up times). */
  log?: (line: string) => void;
}

/** Time allowed for receivers to start before the senders' epoch. */
const START_MARGIN_MS = 250;
/**
 * A dpdk app is ready only after EAL start-up and link-up, which take seconds here: the epoch is
 * set that much later, so that senders start on it rather than into their own warm-up.
 */
const DPDK_START_MARGIN_MS = 3000;
const READY_TIMEOUT_MS = 5000;
/** DPDK receivers: EAL start-up of several apps at once, and a memif link up only once its sender runs too. */
const DPDK_READY_TIMEOUT_MS = 15_000;
/** After the senders stop, packets still in flight get this long to arrive. */
const DRAIN_MS = 200;
/** A sender that gave its summary gets this long to close its port and exit once its receiver left. */
const SENDER_EXIT_MS = 5000;

/** Each busy thread's CPU: the apps of each pair, a two-thread client's receive thread, the switch's. */
interface CaseCpus {
  send: number[];
  recv: number[];
  clientRx?: number[];
  /** Per host, the CPUs of its switch's busy threads. */
  switchByHost: number[][];
  shared: boolean;
}

export async function runCase(c: Case, ctx: CaseContext): Promise<CaseRecord> {
  const startedAt = new Date().toISOString();
  const apps: AppHandle[] = [];
  let cpus: CaseCpus | undefined;
  let sampler: CpuSampler | undefined;
  let cpuSamples: StoredCpuSample[] = [];
  let failure: Error | undefined;
  let search: SearchResult | undefined;
  try {
    // Both hosts are opened and built side by side; a failure on one waits for the other to
    // settle, so that teardown finds everything that was made.
    const topologies = await settleAll(ctx.hosts.map((h) => h.open(ctx.signal)));
    cpus = planCpus(c, ctx.hosts, topologies);
    const plan = cpus;
    const built = await settleAll(ctx.hosts.map((h, i) => h.build({
      switch: c.switch, pairs: c.pairs, switchCpus: plan.switchByHost[i]!,
      appCpu: (side, pair) => (side === 's' ? plan.send : plan.recv)[pair]!,
    }, ctx.signal)));
    throwIfAborted(ctx.signal);
    const endpoints = built.flat();
    const timed = ctx.hosts.filter((h) => h.timing);
    if (timed.length > 0) {
      ctx.log?.(`remote set-up: ${timed.map((h) => `${h.name} ${h.timing!.connectMs + h.timing!.buildMs} ms ` +
        `(agent ${h.timing!.connectMs} ms, build ${h.timing!.buildMs} ms)`).join(', ')}`);
    }
    const run: CaseRun = { c, ctx, endpoints, cpus: plan, apps };
    if (c.search) {
      search = await runSearchTrials(run);
    } else {
      // Switch threads and the kernel's time on the case's CPUs, on the apps' epoch (where the host can sample).
      const local = ctx.hosts.length === 1 ? ctx.hosts[0]!.cpuSampler : undefined;
      sampler = local?.call(ctx.hosts[0], [...new Set([...plan.send, ...plan.recv, ...(plan.clientRx ?? []), ...plan.switchByHost.flat()])]);
      await runTraffic(run, { rate: c.rate as number | 'max', trafficS: trafficSeconds(c), onEpoch: (e) => sampler?.start(e) });
    }
  } catch (e: unknown) {
    failure = e instanceof Error ? e : new Error(String(e));
  } finally {
    cpuSamples = sampler?.stop({ warmupS: c.warmupS, durationS: c.durationS }) ?? [];
    await Promise.all(apps.map((a) => a.stop(ctx.signal.aborted ? 300 : 2000).catch(() => undefined)));
    const teardownErrors = (await Promise.all(ctx.hosts.map((h) => h.tearDown()))).flat();
    if (teardownErrors.length > 0) {
      failure = new TestbedError(`${failure ? `${failure.message}; ` : ''}teardown failed: ${teardownErrors.join('; ')}`);
    }
  }
  if (failure instanceof InterruptedError || ctx.signal.aborted) {
    throw failure instanceof InterruptedError ? failure : new InterruptedError((ctx.signal.reason as NodeJS.Signals | undefined) ?? 'SIGINT');
  }
  const base = {
    case: c, cpuShared: cpus?.shared ?? false, startedAt, finishedAt: new Date().toISOString(), ...(cpuSamples.length > 0 ? { cpuSamples } : {}),
    cpus: cpus ? recordedCpus(cpus, ctx.hosts.length) : { send: [], recv: [] },
  };
  if (c.search) {
    if (failure || !search) return { ...base, status: 'failed', error: failure?.message ?? 'the search gave no result', samples: [], summaries: [], throughput: null };
    return { ...base, status: 'ok', samples: [], summaries: [], throughput: null, search };
  }
  const samples = collectSamples(apps, c);
  const summaries = apps.filter((a) => a.summary).map((a) => ({ pair: a.options.pair, role: a.options.role, json: JSON.stringify(a.summary) }));
  const record = { ...base, samples, summaries };
  if (failure) return { ...record, status: 'failed', error: failure.message, throughput: null };
  if (c.dimension === 'latency') {
    const latency = latencyRecord(samples);
    if (!latency) return { ...record, status: 'failed', error: 'no echo measured in the steady window', throughput: null };
    return { ...record, status: 'ok', throughput: null, latency };
  }
  const throughput = throughputFigures(samples, { warmupS: c.warmupS, durationS: c.durationS });
  if (!throughput) return { ...record, status: 'failed', error: 'no complete steady-state sample from a sender and a receiver', throughput };
  return { ...record, status: 'ok', throughput };
}

/** The CPUs as stored with the case: the switch's only where there is one host (a remote case has two switches). */
function recordedCpus(cpus: CaseCpus, hosts: number): NonNullable<CaseRecord['cpus']> {
  const sw = hosts === 1 ? cpus.switchByHost[0]! : [];
  return { send: cpus.send, recv: cpus.recv, ...(cpus.clientRx ? { clientRx: cpus.clientRx } : {}), ...(sw.length > 0 ? { switch: sw } : {}) };
}

/**
 * One busy thread per physical core of each host, in this order: each pair's apps (sender, then
 * receiver, where the host holds them), two-thread clients' receive threads, then the switch's busy
 * threads (PMDs). Shared when a host runs out of cores, or when two "hosts" are one machine (the
 * same kernel boot id: namespace hosts) and together need more cores than it has.
 */
export function planCpus(c: Case, hosts: readonly Pick<CaseHost, 'sides'>[], topologies: readonly HostCpus[]): CaseCpus {
  const switchThreads = driverFor(c.switch)?.busyThreads ?? 0;
  const twoThreads = c.clientThreads > 1;
  const cpus: CaseCpus = { send: [], recv: [], ...(twoThreads ? { clientRx: [] } : {}), switchByHost: [], shared: false };
  let threads = 0;
  hosts.forEach((h, i) => {
    const holds = (side: AppSide) => h.sides.includes(side);
    const appThreads = c.pairs * h.sides.length + (twoThreads && holds('s') ? c.pairs : 0);
    const plan = assignCpus(topologies[i]!, appThreads + switchThreads);
    let next = 0;
    for (let p = 0; p < c.pairs; p++) {
      if (holds('s')) cpus.send[p] = plan.cpus[next++]!;
      if (holds('r')) cpus.recv[p] = plan.cpus[next++]!;
    }
    if (twoThreads && holds('s')) for (let p = 0; p < c.pairs; p++) cpus.clientRx![p] = plan.cpus[next++]!;
    cpus.switchByHost.push(plan.cpus.slice(next));
    cpus.shared ||= plan.shared;
    threads += plan.cpus.length;
  });
  const boots = topologies.map((t) => t.bootId);
  if (hosts.length > 1 && boots[0] !== undefined && boots[0] !== 'unknown' && boots.every((b) => b === boots[0])) {
    cpus.shared ||= threads > new Set(topologies.flatMap((t) => t.cores)).size;
  }
  return cpus;
}

interface CaseRun {
  c: Case;
  ctx: CaseContext;
  endpoints: Endpoint[];
  cpus: CaseCpus;
  /** Every app the case started, for the final stop and the record. */
  apps: AppHandle[];
}

/**
 * One stretch of traffic: receivers (or servers) first, then senders (or clients) at `rate` per
 * sender for `trafficS` seconds; returns once the senders stopped, the receivers drained and
 * stopped, and every app gave its summary.
 */
async function runTraffic(run: CaseRun, traffic: { rate: number | 'max'; trafficS: number; onEpoch?: (epochNs: bigint) => void }):
  Promise<{ senders: AppHandle[]; receivers: AppHandle[] }> {
  const { c, ctx, cpus } = run;
  const hostOf = (side: AppSide) => ctx.hosts.find((h) => h.sides.includes(side))!;
  const endpoint = (side: AppSide, pair: number) => run.endpoints.find((e) => e.side === side && e.pair === pair)!;
  const dpdk = c.backend === 'dpdk';
  const marginMs = (dpdk ? DPDK_START_MARGIN_MS : START_MARGIN_MS) + 20 * c.pairs + Math.max(...ctx.hosts.map((h) => h.launchDelayMs));
  const readyMs = (dpdk ? DPDK_READY_TIMEOUT_MS : READY_TIMEOUT_MS) + Math.max(...ctx.hosts.map((h) => h.launchDelayMs)) * 4;
  // Every app aligns its one-second intervals to the same epoch, so second k means the same
  // wall-clock second for all of them (CLOCK_MONOTONIC is shared by all namespaces of a host;
  // a remote host gets it as a delay, RemoteHost.launch).
  const epochNs = process.hrtime.bigint() + BigInt(marginMs * 1e6);
  traffic.onEpoch?.(epochNs);
  const launches = Array.from({ length: c.pairs }, (_, p) => pairLaunches(c, { sender: endpoint('s', p), receiver: endpoint('r', p) },
    { send: cpus.send[p]!, recv: cpus.recv[p]!, ...(cpus.clientRx ? { clientRx: cpus.clientRx[p]! } : {}) },
    { rate: traffic.rate, seconds: traffic.trafficS }));
  const start = async (side: AppSide, a: AppLaunch): Promise<AppHandle> => {
    const app = await hostOf(side).launch({ role: a.role, pair: a.pair, label: a.label, netns: a.self.netns,
      ...(a.self.exec ? { exec: a.self.exec } : {}), args: appArgs(c, a), epochNs });
    run.apps.push(app);
    return app;
  };
  const receivers = await Promise.all(launches.map((l) => start('r', l.receiver)));
  const receiversReady = Promise.all(receivers.map((a) => a.waitReady(readyMs)));
  receiversReady.catch(() => undefined); // awaited below; this keeps an abort in between from leaving it unhandled
  // Over a link that joins the apps directly (memif), a receiver is ready only once its sender
  // opened the other end: start both, the shared epoch still lines them up.
  const direct = driverFor(c.switch)?.appsLinkedDirectly === true;
  if (!direct) await receiversReady;
  throwIfAborted(ctx.signal);
  const senders = await Promise.all(launches.map((l) => start('s', l.sender)));
  await receiversReady;
  // Senders (and clients, after draining their echoes) stop by themselves; a receiver that dies
  // first, or a sender that overruns, fails the case. Over a direct link, a sender stays up until
  // its receiver has left (dpdk.c explains why): there the receivers stop once the senders have
  // given their summaries, and the senders exit after.
  await watch(senders, receivers, ctx, marginMs + traffic.trafficS * 1000 + 10_000, direct ? 'summary' : 'exit');
  await delay(DRAIN_MS);
  await Promise.all(receivers.map((a) => a.stop()));
  if (direct) await Promise.all(senders.map(async (a) => { if (!await a.waitExit(SENDER_EXIT_MS)) await a.stop(); }));
  for (const a of [...senders, ...receivers]) {
    if (a.exitCode !== 0 || !a.summary) throw a.failure('failed');
  }
  return { senders, receivers };
}

/**
 * A throughput search on one network: each trial is one stretch of traffic at the rate the
 * search asks for (per sender). A trial's figures are whole-trial totals from the apps'
 * summaries, so nothing is lost or double-counted at window edges: path loss = 1 − rx ÷ tx.
 */
async function runSearchTrials(run: CaseRun): Promise<SearchResult> {
  const { c, ctx } = run;
  const measure = async (ratePps: number, durationS: number): Promise<TrialResult> => {
    throwIfAborted(ctx.signal);
    const { senders, receivers } = await runTraffic(run, { rate: ratePps, trafficS: durationS });
    const sent = senders.reduce((n, a) => n + (a.summary!.txPackets ?? 0), 0);
    const received = receivers.reduce((n, a) => n + (a.summary!.rxPackets ?? 0), 0);
    const measuredS = Math.max(...senders.map((a) => Number(BigInt(a.summary!.durationNs)) / 1e9));
    return {
      intendedPps: ratePps,
      offeredPps: sent / c.pairs / measuredS,
      receivedPps: received / c.pairs / measuredS,
      lossRatio: sent > 0 ? Math.max(0, 1 - received / sent) : 1,
      durationS: measuredS,
    };
  };
  return runExpandedSearch(c.search!, measure);
}

/** Until every sender has exited (`exit`), or given its summary (`summary`: it may still be closing its port). */
async function watch(senders: AppHandle[], receivers: AppHandle[], ctx: CaseContext, deadlineMs: number, until: 'exit' | 'summary'): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    throwIfAborted(ctx.signal);
    for (const h of ctx.hosts) h.assertAlive();
    const deadReceiver = receivers.find((a) => !a.running);
    if (deadReceiver) throw deadReceiver.failure('exited during the case');
    const failedSender = senders.find((a) => !a.running && a.exitCode !== 0);
    if (failedSender) throw failedSender.failure('failed');
    if (senders.every((a) => !a.running || (until === 'summary' && a.summary))) return;
    if (Date.now() > deadline) throw senders.find((a) => a.running)!.failure('did not stop on time');
    await delay(50, ctx.signal);
  }
}

/** Waits for every promise; throws the first rejection only once all have settled. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Every app's intervals as stored samples, their offsets from the epoch of the app's own host. */
export function collectSamples(apps: readonly Pick<AppHandle, 'intervals' | 'options' | 'epochNs'>[], c: Case): StoredSample[] {
  const window = { warmupS: c.warmupS, durationS: c.durationS };
  return apps.flatMap((a) => a.intervals.map((i: IntervalLine): StoredSample => {
    const start = BigInt(i.startNs);
    const epochNs = a.epochNs;
    const partial = i.partial === true;
    const durationNs = Number(BigInt(i.endNs) - start);
    return {
      pair: a.options.pair, role: a.options.role, second: i.index,
      startOffsetNs: Number(start - epochNs), durationNs, partial,
      steady: !partial && isSteady(i.index, window, durationNs),
      txPackets: i.txPackets ?? null, txBytes: i.txBytes ?? null, unsent: i.unsent ?? null, stalls: i.stalls ?? null,
      rxPackets: i.rxPackets ?? null, rxBytes: i.rxBytes ?? null, lost: i.lost ?? null, reordered: i.reordered ?? null,
      duplicates: i.duplicates ?? null, corrupt: i.corrupt ?? null, foreign: i.foreign ?? null,
      late: i.late ?? null, unmatched: i.unmatched ?? null, rtt: i.rtt ?? null,
      cpuUserUs: i.cpuUserUs, cpuSysUs: i.cpuSysUs,
    };
  }));
}

/**
 * The clients' steady-window RTTs merged over pairs, with the packet accounting of that window:
 * sent, echoes late (> 1 s) or unmatched, and lost (sent − echoed − late, from the window's
 * counters; echoes of the window's last packets that arrive in cool-down count as received).
 */
export function latencyRecord(samples: readonly StoredSample[]): LatencyRecord | null {
  const steady = samples.filter((s) => s.role === 'client' && s.steady);
  const figures = latencyFigures(steady.flatMap((s) => (s.rtt ? [s.rtt] : [])));
  if (!figures) return null;
  const sum = (f: (s: StoredSample) => number | null | undefined) => steady.reduce((n, s) => n + (f(s) ?? 0), 0);
  return {
    ...figures,
    txPackets: sum((s) => s.txPackets),
    lostPackets: Math.max(0, sum((s) => s.lost)),
    latePackets: sum((s) => s.late),
    unmatchedPackets: sum((s) => s.unmatched),
  };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError((signal.reason as NodeJS.Signals | undefined) ?? 'SIGINT');
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => { clearTimeout(timer); resolve(); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
