// One case's life cycle: build → start receivers → start senders → run → stop → collect → tear
// down. Teardown is registered before each piece is built and always runs, on success, failure
// and interruption alike.
import { AppProcess } from '../apps/app.js';
import type { AppRole, IntervalLine, SummaryLine } from '../apps/protocol.js';
import { latencyFigures } from '../analysis/latency.js';
import { runExpandedSearch, type SearchResult, type TrialResult } from '../search/search.js';
import { isSteady, throughputFigures } from '../analysis/steady.js';
import { InterruptedError, TestbedError } from '../common/errors.js';
import { trafficSeconds, type Case } from '../plan/expand.js';
import type { CaseRecord, LatencyRecord, StoredCpuSample, StoredSample } from '../store/db.js';
import { driverFor } from '../switches/index.js';
import { dpdkAppArgs, joinsPeerDirectly } from '../switches/dpdk-port.js';
import { connectPair, type PortSpec, type SwitchInstance } from '../switches/types.js';
import { CpuSampler } from './cpu-sampler.js';
import { assignCpus, type CpuTopology } from '../testbed/cpus.js';
import type { Ledger } from '../testbed/ledger.js';
import type { RunNames } from '../testbed/names.js';
import type { Containers } from '../testbed/containers.js';
import { addNeighbor, type Container } from '../testbed/netns.js';
import { Resources } from '../testbed/resources.js';

export interface CaseContext {
  names: RunNames;
  ledger: Ledger;
  topology: CpuTopology;
  /** Aborted on SIGINT/SIGTERM: the case stops its apps and tears down at once. */
  signal: AbortSignal;
  /** The run's container runtime, prepared (`containers` of the plan). */
  containers: Containers;
}

const RECEIVER_PORT = 7001;
const SENDER_PORT = 7000;
/** Time allowed for receivers to start before the senders' epoch. */
const START_MARGIN_MS = 250;
/**
 * A dpdk app is ready only after EAL start-up and link-up, which take seconds here: the epoch is
 * set that much later, so that senders start on it rather than into their own warm-up.
 */
const DPDK_START_MARGIN_MS = 3000;

function startMarginMs(c: Case): number {
  return (c.backend === 'dpdk' ? DPDK_START_MARGIN_MS : START_MARGIN_MS) + 20 * c.pairs;
}
const READY_TIMEOUT_MS = 5000;
/** DPDK receivers: EAL start-up of several apps at once, and a memif link up only once its sender runs too. */
const DPDK_READY_TIMEOUT_MS = 15_000;
/** After the senders stop, packets still in flight get this long to arrive. */
const DRAIN_MS = 200;
/** A sender that gave its summary gets this long to close its port and exit once its receiver left. */
const SENDER_EXIT_MS = 5000;

export async function runCase(c: Case, ctx: CaseContext): Promise<CaseRecord> {
  const startedAt = new Date().toISOString();
  const resources = new Resources(ctx.ledger);
  const apps: AppProcess[] = [];
  // The switch's busy threads (PMDs) get the CPUs after the apps' (shared when there are too few).
  const switchThreads = driverFor(c.switch)?.busyThreads ?? 0;
  // A two-thread client's receive thread is one more busy thread per pair, after the pairs'.
  const appThreads = 2 * c.pairs + (c.clientThreads > 1 ? c.pairs : 0);
  const cpuPlan = assignCpus(ctx.topology, appThreads + switchThreads);
  const switchCpus = cpuPlan.cpus.slice(appThreads);
  const cpus: Cpus = {
    send: Array.from({ length: c.pairs }, (_, p) => cpuPlan.cpus[2 * p]!),
    recv: Array.from({ length: c.pairs }, (_, p) => cpuPlan.cpus[2 * p + 1]!),
    ...(c.clientThreads > 1 ? { clientRx: Array.from({ length: c.pairs }, (_, p) => cpuPlan.cpus[2 * c.pairs + p]!) } : {}),
  };
  const base = { case: c, cpuShared: cpuPlan.shared, cpus: { ...cpus, ...(switchCpus.length > 0 ? { switch: switchCpus } : {}) }, startedAt };
  let epochNs = 0n;
  let sampler: CpuSampler | undefined;
  let cpuSamples: StoredCpuSample[] = [];
  let failure: Error | undefined;
  let search: SearchResult | undefined;
  try {
    const net = await buildNetwork(c, ctx, resources, switchCpus, cpus);
    if (c.search) {
      search = await runSearchTrials(c, ctx, net, cpus, resources, apps);
    } else {
      // Switch threads and the kernel's time on the case's CPUs, on the apps' epoch.
      sampler = new CpuSampler(() => net.sw.cpuThreads(), [...new Set(cpuPlan.cpus)]);
      const traffic = await runTraffic(c, ctx, net, cpus, resources, apps, { rate: c.rate as number | 'max', trafficS: trafficSeconds(c), onEpoch: (e) => sampler!.start(e) });
      epochNs = traffic.epochNs;
    }
  } catch (e: unknown) {
    failure = e instanceof Error ? e : new Error(String(e));
  } finally {
    cpuSamples = sampler?.stop({ warmupS: c.warmupS, durationS: c.durationS }) ?? [];
    await Promise.all(apps.map((a) => a.stop(ctx.signal.aborted ? 300 : 2000)));
    const teardownErrors = await resources.releaseAll();
    if (teardownErrors.length > 0 && !failure) {
      failure = new TestbedError(`teardown failed: ${teardownErrors.map((e) => e.message).join('; ')}`);
    }
  }
  if (failure instanceof InterruptedError) throw failure;
  const finishedAt = new Date().toISOString();
  if (c.search) {
    if (failure || !search) {
      return { ...base, cpuSamples, status: 'failed', error: failure?.message ?? 'the search gave no result', finishedAt, samples: [], summaries: [], throughput: null };
    }
    return { ...base, status: 'ok', finishedAt, samples: [], summaries: [], throughput: null, search };
  }

  const samples = collectSamples(apps, c, epochNs);
  const summaries = apps.filter((a) => a.summary).map((a) => ({
    pair: a.options.pair, role: a.options.role, json: JSON.stringify(a.summary as SummaryLine),
  }));
  if (failure) {
    return { ...base, cpuSamples, status: 'failed', error: failure.message, finishedAt, samples, summaries, throughput: null };
  }
  if (c.dimension === 'latency') {
    const latency = latencyRecord(samples);
    if (!latency) {
      return { ...base, cpuSamples, status: 'failed', error: 'no echo measured in the steady window', finishedAt, samples, summaries, throughput: null };
    }
    return { ...base, cpuSamples, status: 'ok', finishedAt, samples, summaries, throughput: null, latency };
  }
  const throughput = throughputFigures(samples, { warmupS: c.warmupS, durationS: c.durationS });
  if (!throughput) {
    return { ...base, cpuSamples, status: 'failed', error: 'no complete steady-state sample from a sender and a receiver', finishedAt, samples, summaries, throughput };
  }
  return { ...base, cpuSamples, status: 'ok', finishedAt, samples, summaries, throughput };
}

interface Network {
  sw: SwitchInstance;
  senders: Container[];
  receivers: Container[];
  /** Each pair's ports, sender first, as the switch returned them. */
  ports: [PortSpec, PortSpec][];
}

/** clientRx: a two-thread client's receive thread, per pair. */
type Cpus = { send: number[]; recv: number[]; clientRx?: number[] };

/** Containers for every pair, joined through the case's switch, with static neighbours. */
async function buildNetwork(c: Case, ctx: CaseContext, resources: Resources, switchCpus: number[], cpus: Cpus): Promise<Network> {
  throwIfAborted(ctx.signal);
  const driver = driverFor(c.switch);
  if (!driver) throw new TestbedError(`no driver for switch ${c.switch}`);
  const sw = await driver.start({ names: ctx.names, resources, cpus: switchCpus });
  const senders: Container[] = [];
  const receivers: Container[] = [];
  const ports: [PortSpec, PortSpec][] = [];
  for (let p = 0; p < c.pairs; p++) {
    // Each container is made for its app's CPU (an LXC container's cpuset is exactly that CPU).
    senders.push(await ctx.containers.create(resources, 's', p, { cpu: cpus.send[p]! }));
    receivers.push(await ctx.containers.create(resources, 'r', p, { cpu: cpus.recv[p]! }));
    const pairPorts = await connectPair(sw, senders[p]!, receivers[p]!);
    ports.push(pairPorts);
    // DPDK ports have no kernel interface, so no neighbour table: the app gets the peer's MAC.
    if (pairPorts[0].kind === 'kernel') await addNeighbor(senders[p]!, receivers[p]!);
    if (pairPorts[1].kind === 'kernel') await addNeighbor(receivers[p]!, senders[p]!);
    throwIfAborted(ctx.signal);
  }
  return { sw, senders, receivers, ports };
}

/**
 * One stretch of traffic: receivers (or servers) first, then senders (or clients) at `rate` per
 * sender for `trafficS` seconds; returns once the senders stopped, the receivers drained and
 * stopped, and every app gave its summary.
 */
async function runTraffic(c: Case, ctx: CaseContext, net: Network, cpus: Cpus, resources: Resources, apps: AppProcess[],
  run: { rate: number | 'max'; trafficS: number; onEpoch?: (epochNs: bigint) => void }): Promise<{ epochNs: bigint; senders: AppProcess[]; receivers: AppProcess[] }> {
  // Every app aligns its one-second intervals to the same epoch, so second k means the same
  // wall-clock second for all of them (CLOCK_MONOTONIC is shared by all namespaces of a host).
  const epochNs = process.hrtime.bigint() + BigInt(startMarginMs(c) * 1e6);
  run.onEpoch?.(epochNs);
  const common = (p: number) => ['--backend', c.backend, '--size', String(c.packetSize), '--burst', String(c.burst),
    '--epoch-ns', String(epochNs), '--flow', String(p), ...(c.touchData ? ['--touch'] : []), ...(c.mode === 'blocking' ? ['--blocking'] : [])];
  // Raw backends build their own frames: they need the interface, and the sender the peer's MAC.
  const raw = c.backend === 'raw' || c.backend === 'raw-mmsg' || c.backend === 'af-xdp'; // af-xdp builds frames as raw does
  const rawArgs = (self: Container, peer?: Container) =>
    raw ? ['--ifname', self.ifname!, ...(peer ? ['--remote-mac', peer.mac] : [])] : [];
  // The dpdk backend builds frames like the raw ones, on the EAL device its port spec names, with
  // its own EAL file prefix and hugepage memory (which the switch reserved when it attached it).
  const dpdkArgs = (self: Container, port: PortSpec, peer: Container) =>
    c.backend === 'dpdk' ? dpdkAppArgs(ctx.names, self, port, peer.mac, c.switch) : [];
  const roles = ROLES[c.dimension];
  const receivers = net.receivers.map((r, p) => launch(resources, apps, {
    role: roles.receiver, netns: r.netns, exec: r.exec, label: `${roles.receiver === 'recv' ? 'receiver' : 'server'} ${p}`, pair: p,
    args: [...common(p), ...rawArgs(r), ...dpdkArgs(r, net.ports[p]![1], net.senders[p]!), '--local', `${r.ip}:${RECEIVER_PORT}`, '--cpu', String(cpus.recv[p])],
  }));
  const receiversReady = Promise.all(receivers.map((a) => a.waitReady(c.backend === 'dpdk' ? DPDK_READY_TIMEOUT_MS : READY_TIMEOUT_MS)));
  // A receiver whose port is its sender's peer (memif) is ready only once the sender opened the
  // other end: start both, the shared epoch still lines them up.
  receiversReady.catch(() => undefined); // awaited below; this keeps an abort in between from leaving it unhandled
  if (!net.ports.some(([sp]) => joinsPeerDirectly(sp))) await receiversReady;
  throwIfAborted(ctx.signal);
  const senders = net.senders.map((s, p) => launch(resources, apps, {
    role: roles.sender, netns: s.netns, exec: s.exec, label: `${roles.sender === 'send' ? 'sender' : 'client'} ${p}`, pair: p,
    args: [...common(p), ...rawArgs(s, net.receivers[p]), ...dpdkArgs(s, net.ports[p]![0], net.receivers[p]!), '--local', `${s.ip}:${SENDER_PORT}`,
      '--remote', `${net.receivers[p]!.ip}:${RECEIVER_PORT}`,
      '--rate', String(run.rate), '--duration', String(run.trafficS), '--cpu', String(cpus.send[p]),
      ...(c.senderScheduling ? ['--sched', c.senderScheduling] : []),
      ...(cpus.clientRx ? ['--rx-cpu', String(cpus.clientRx[p])] : []),
      ...(c.inflight !== undefined ? ['--inflight', String(c.inflight)] : [])],
  }));

  await receiversReady;
  // Senders (and clients, after draining their echoes) stop by themselves; a receiver that dies
  // first, or a sender that overruns, fails the case. Over a link that joins the apps directly
  // (memif), a sender stays up until its receiver has left (dpdk.c explains why): there the
  // receivers stop once the senders have given their summaries, and the senders exit after.
  const direct = net.ports.some(([sp]) => joinsPeerDirectly(sp));
  const deadlineMs = startMarginMs(c) + run.trafficS * 1000 + 10_000;
  await watch(senders, receivers, resources, deadlineMs, ctx.signal, direct ? 'summary' : 'exit');
  await delay(DRAIN_MS);
  await Promise.all(receivers.map((a) => a.stop()));
  if (direct) await Promise.all(senders.map(async (a) => { if (!await a.waitExit(SENDER_EXIT_MS)) await a.stop(); }));
  for (const a of [...senders, ...receivers]) {
    if (a.exitCode !== 0 || !a.summary) throw a.failure('failed');
  }
  return { epochNs, senders, receivers };
}

/**
 * A throughput search on one network: each trial is one stretch of traffic at the rate the
 * search asks for (per sender). A trial's figures are whole-trial totals from the apps'
 * summaries, so nothing is lost or double-counted at window edges: path loss = 1 − rx ÷ tx.
 */
async function runSearchTrials(c: Case, ctx: CaseContext, net: Network, cpus: Cpus, resources: Resources, apps: AppProcess[]): Promise<SearchResult> {
  const measure = async (ratePps: number, durationS: number): Promise<TrialResult> => {
    throwIfAborted(ctx.signal);
    const trialApps: AppProcess[] = [];
    const { senders, receivers } = await runTraffic(c, ctx, net, cpus, resources, trialApps, { rate: ratePps, trafficS: durationS });
    apps.push(...trialApps);
    // sent: frames the senders' ports accepted; what a sender's schedule dropped or its port
    // refused is in intended − sent, the generator's shortfall, never in the path's loss.
    const sent = senders.reduce((n, a) => n + (a.summary!.txPackets ?? 0), 0);
    const received = receivers.reduce((n, a) => n + (a.summary!.rxPackets ?? 0), 0);
    const runS = senders.map((a) => Number(BigInt(a.summary!.durationNs)) / 1e9);
    const measuredS = Math.max(...runS);
    const intended = Math.round(runS.reduce((n, d) => n + ratePps * d, 0));
    return {
      intendedPps: ratePps,
      offeredPps: sent / c.pairs / measuredS,
      receivedPps: received / c.pairs / measuredS,
      lossRatio: sent > 0 ? Math.max(0, 1 - received / sent) : 1,
      durationS: measuredS,
      packets: { intended, sent, received },
    };
  };
  return runExpandedSearch(c.search!, measure);
}

function launch(resources: Resources, apps: AppProcess[], options: ConstructorParameters<typeof AppProcess>[0]): AppProcess {
  const app = new AppProcess(options);
  apps.push(app);
  if (app.pid !== undefined) resources.adoptProcess(options.label, app.pid, () => app.stop());
  return app;
}

/** Until every sender has exited (`exit`), or given its summary (`summary`: it may still be closing its port). */
async function watch(senders: AppProcess[], receivers: AppProcess[], resources: Resources, deadlineMs: number, signal: AbortSignal,
  until: 'exit' | 'summary'): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    throwIfAborted(signal);
    // A switch daemon that died takes the path with it: the figures would describe nothing.
    const deadSwitch = resources.deadVitals();
    if (deadSwitch.length > 0) throw new TestbedError(`switch process ${deadSwitch.join(', ')} died during the case`);
    const deadReceiver = receivers.find((a) => !a.running);
    if (deadReceiver) throw deadReceiver.failure('exited during the case');
    const failedSender = senders.find((a) => !a.running && a.exitCode !== 0);
    if (failedSender) throw failedSender.failure('failed');
    if (senders.every((a) => !a.running || (until === 'summary' && a.summary))) return;
    if (Date.now() > deadline) throw senders.find((a) => a.running)!.failure('did not stop on time');
    await delay(50, signal);
  }
}

/** Every app's intervals as stored samples (`epochNs`: the apps' epoch; remote cases pass each app's own host epoch). */
export function collectSamples(apps: readonly Pick<AppProcess, 'intervals' | 'options'>[], c: Case, epochNs: bigint): StoredSample[] {
  const window = { warmupS: c.warmupS, durationS: c.durationS };
  return apps.flatMap((a) => a.intervals.map((i: IntervalLine): StoredSample => {
    const start = BigInt(i.startNs);
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

/** Which app plays which side in each dimension: the paper's sender/receiver and client/server. */
export const ROLES: Record<Case['dimension'], { sender: AppRole; receiver: AppRole }> = {
  throughput: { sender: 'send', receiver: 'recv' },
  latency: { sender: 'client', receiver: 'server' },
};


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
