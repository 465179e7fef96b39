// One case's life cycle, wherever its apps run and however they are laid out (topology.ts): open
// the hosts → build each host's part of the network → start receivers (forwarders) → start
// senders (testers) → run → stop → collect → tear down. A local case has
// one host holding both sides, a remote case two (src/runner/remote-host.ts); the steps, the
// apps' argv (app-argv.ts), the watch loop and the record are the same for both. Teardown always
// runs, on success, failure and interruption alike.
import { latencyFigures } from '../analysis/latency.js';
import { runExpandedSearch, type SearchResult, type TrialResult } from '../search/search.js';
import { trialResult, type OriginCounts } from '../search/trial.js';
import { isSteady, throughputFigures } from '../analysis/steady.js';
import { backendInfo } from '../apps/backends.js';
import { measuresTraffic, offersTraffic, type IntervalLine } from '../apps/protocol.js';
import { InterruptedError, TestbedError } from '../common/errors.js';
import { trafficSeconds, type Case } from '../plan/expand.js';
import {
  sampleHistograms,
  type CaseRecord,
  type LatencyRecord,
  type LatencyRunRecord,
  type StoredCpuSample,
  type StoredSample,
} from '../store/db.js';
import { driverFor } from '../switches/index.js';
import { REFUSED_FRAMES_COUNT_AS } from '../switches/types.js';
import { assignCpus } from '../testbed/cpus.js';
import { appArgs, appLaunches, type AppLaunch } from './app-argv.js';
import type { AppHandle, CaseHost, HostCpus } from './case-host.js';
import type { CpuSampler } from './cpu-sampler.js';
import type { Endpoint } from './network.js';
import { appOfPort, caseTopology, type PortRef, type Topology } from './topology.js';

export { ROLES } from './app-argv.js';

export interface CaseContext {
  /** Aborted on SIGINT/SIGTERM: the case stops its apps and tears down at once. */
  signal: AbortSignal;
  /** The case's hosts: one holding both sides, or a sender host and a receiver host. */
  hosts: CaseHost[];
  /** Progress lines (remote cases: the per-host set-up times). */
  log?: (line: string) => void;
  /** The run's start margins, learned case by case (absent: the cautious defaults every time). */
  startMargins?: StartMargins;
  /** The network of consecutive cases of one shape, built by the first and kept up for the next. */
  lease?: NetworkLease;
}

/**
 * A network shared by consecutive cases of the same shape (a sweep of rates, sizes or bursts over
 * one switch): the first case builds it, each case leaves it up for the next when `keepUp` says
 * one follows and the case ended without an error, and the last one tears it down. Building and
 * tearing down a namespace pair and its switch ports costs ~200 ms here, more than the rest of a
 * short case's overhead. Only for backends without an EAL: a DPDK app's port, file prefix and
 * hugepages belong to one app, and its start-up (seconds) dwarfs the build anyway.
 */
export class NetworkLease {
  /** `oneMachine`: its hosts are one machine (namespace hosts), so they are built and torn down in turn. */
  built?: { endpoints: Endpoint[]; cpus: CaseCpus; oneMachine: boolean };
  /** Another case of this shape comes next. */
  keepUp = false;

  constructor(
    readonly key: string,
    readonly hosts: CaseHost[],
  ) {}

  /** What makes two cases' networks interchangeable; undefined: never shared. */
  static keyOf(c: Case): string | undefined {
    if (backendInfo(c.backend).eal || c.search) return undefined;
    return [c.locality, c.containers, c.switch, c.pairs, c.layout, c.chainLength, c.backend, c.clientThreads].join('/');
  }

  /** `oneMachine`: as found by the case tearing it down (its own `built` may be unset yet). */
  async tearDown(oneMachine = this.built?.oneMachine ?? false): Promise<string[]> {
    this.built = undefined;
    return tearDownHosts(this.hosts, oneMachine);
  }
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
/**
 * After the senders stop, packets still in flight get this long to arrive. A receiver drains its
 * own queue when it is stopped; this covers the switch: a kernel path hands a frame on at once
 * (in the sender's softirq), a polling switch's thread may be off its core for a time slice.
 */
const DRAIN_MS = { kernel: 50, polling: 200 };
/**
 * How often the watch loop looks at the apps when no app exits: a sender that gave its summary
 * (over a direct link) is noticed within the short one; an exit wakes the loop at once, so
 * otherwise it only checks the hosts and the deadline.
 */
const WATCH_POLL_MS = { summary: 10, exit: 100 };
/** A sender that gave its summary gets this long to close its port and exit once its receiver left. */
const SENDER_EXIT_MS = 5000;

/** Each busy thread's CPU: each app's (in the topology's order), a two-thread client's receive thread, the switch's. */
interface CaseCpus {
  /** Per app of the case's topology, by its index there. */
  apps: number[];
  /** Per pair: a two-thread client's receive thread. */
  clientRx?: number[];
  /** Per host, the CPUs of its switch's busy threads. */
  switchByHost: number[][];
  shared: boolean;
}

export async function runCase(c: Case, ctx: CaseContext): Promise<CaseRecord> {
  const startedAt = new Date().toISOString();
  const topology = caseTopology(c);
  const apps: AppHandle[] = [];
  let cpus: CaseCpus | undefined;
  let sampler: CpuSampler | undefined;
  let cpuSamples: StoredCpuSample[] = [];
  let failure: Error | undefined;
  let search: SearchResult | undefined;
  let latencyRuns: LatencyRunRecord[] | undefined;
  const kept = ctx.lease?.built;
  let endpoints: Endpoint[] | undefined;
  let sameMachine = kept?.oneMachine ?? false;
  try {
    if (kept) {
      ({ endpoints, cpus } = kept);
    } else {
      // Both hosts are opened and built side by side; a failure on one waits for the other to
      // settle, so that teardown finds everything that was made.
      const topologies = await settleAll(ctx.hosts.map((h) => h.open(ctx.signal)));
      sameMachine = oneMachine(topologies);
      const plan = planCpus(c, ctx.hosts, topologies, topology);
      cpus = plan;
      const build = (h: CaseHost, i: number) =>
        h.build(
          {
            switch: c.switch,
            backend: c.backend,
            ...(c.switchOptions ? { switchOptions: c.switchOptions } : {}),
            ...(c.queues ? { queues: c.queues } : {}),
            links: topology.links,
            switchCpus: plan.switchByHost[i]!,
            appCpu: (side, link) => plan.apps[appOfPort(topology, { side, link })]!,
          },
          ctx.signal,
        );
      // Two "hosts" that are one machine (namespace hosts) build one after the other: their
      // hugepage reservations read and write one kernel counter, and would race.
      const built = sameMachine ? await inTurn(ctx.hosts, build) : await settleAll(ctx.hosts.map(build));
      endpoints = built.flat();
    }
    const plan = cpus;
    throwIfAborted(ctx.signal);
    const timed = ctx.hosts.filter((h) => h.timing);
    if (timed.length > 0 && !kept) {
      ctx.log?.(
        `remote set-up: ${timed
          .map(
            (h) =>
              `${h.name} ${h.timing!.connectMs + h.timing!.buildMs} ms ` +
              `(agent ${h.timing!.connectMs} ms, build ${h.timing!.buildMs} ms)`,
          )
          .join(', ')}`,
      );
    }
    const run: CaseRun = { c, ctx, topology, endpoints: endpoints!, cpus: plan!, apps };
    if (c.search) {
      search = await runSearchTrials(run);
      if (c.search.latency) latencyRuns = await runLatencyRuns(run, search);
    } else {
      // Switch threads and the kernel's time on the case's CPUs, on the apps' epoch (where the host can sample).
      const local = ctx.hosts.length === 1 ? ctx.hosts[0]!.cpuSampler : undefined;
      sampler = local?.call(ctx.hosts[0], [
        ...new Set([...plan.apps, ...(plan.clientRx ?? []), ...plan.switchByHost.flat()]),
      ]);
      await runTraffic(run, {
        rate: c.rate as number | 'max',
        trafficS: trafficSeconds(c),
        onEpoch: (e) => sampler?.start(e),
      });
    }
  } catch (e: unknown) {
    failure = e instanceof Error ? e : new Error(String(e));
    // An app that failed because the switch under it died (a port that could not connect, a link
    // that went away) names the switch's death as the cause.
    if (!(failure instanceof InterruptedError)) {
      try {
        for (const h of ctx.hosts) h.assertAlive();
      } catch (dead: unknown) {
        failure = new TestbedError(`${dead instanceof Error ? dead.message : String(dead)} (then: ${failure.message})`);
      }
    }
  } finally {
    cpuSamples = sampler?.stop({ warmupS: c.warmupS, durationS: c.durationS }) ?? [];
    await Promise.all(apps.map((a) => a.stop(ctx.signal.aborted ? 300 : 2000).catch(() => undefined)));
    const keepUp = ctx.lease?.keepUp === true && !failure && !ctx.signal.aborted;
    let teardownErrors: string[] = [];
    if (keepUp && endpoints) ctx.lease!.built = { endpoints, cpus: cpus!, oneMachine: sameMachine };
    else if (ctx.lease) teardownErrors = await ctx.lease.tearDown(sameMachine);
    else teardownErrors = await tearDownHosts(ctx.hosts, sameMachine);
    if (teardownErrors.length > 0) {
      failure = new TestbedError(
        `${failure ? `${failure.message}; ` : ''}teardown failed: ${teardownErrors.join('; ')}`,
      );
    }
  }
  if (failure instanceof InterruptedError || ctx.signal.aborted) {
    throw failure instanceof InterruptedError
      ? failure
      : new InterruptedError((ctx.signal.reason as NodeJS.Signals | undefined) ?? 'SIGINT');
  }
  const base = {
    case: c,
    cpuShared: cpus?.shared ?? false,
    startedAt,
    finishedAt: new Date().toISOString(),
    ...(cpuSamples.length > 0 ? { cpuSamples } : {}),
    cpus: cpus ? recordedCpus(topology, cpus, ctx.hosts.length) : { send: [], recv: [] },
  };
  if (c.search) {
    if (failure || !search)
      return {
        ...base,
        status: 'failed',
        error: failure?.message ?? 'the search gave no result',
        samples: [],
        summaries: [],
        throughput: null,
      };
    return {
      ...base,
      status: 'ok',
      samples: [],
      summaries: [],
      throughput: null,
      search,
      ...(latencyRuns ? { latencyRuns } : {}),
    };
  }
  const samples = collectSamples(apps, c);
  const summaries = apps
    .filter((a) => a.summary)
    .map((a) => ({ pair: a.options.pair, role: a.options.role, json: JSON.stringify(a.summary) }));
  const record = { ...base, samples, summaries };
  if (failure) return { ...record, status: 'failed', error: failure.message, throughput: null };
  if (c.dimension === 'latency') {
    const latency = latencyRecord(samples);
    if (!latency)
      return { ...record, status: 'failed', error: 'no echo measured in the steady window', throughput: null };
    return { ...record, status: 'ok', throughput: null, latency };
  }
  const throughput = throughputFigures(samples, { warmupS: c.warmupS, durationS: c.durationS });
  if (!throughput)
    return {
      ...record,
      status: 'failed',
      error: `no complete steady-state sample from a ${c.layout ? "tester's two sides" : 'sender and a receiver'}`,
      throughput,
    };
  return { ...record, status: 'ok', throughput };
}

/**
 * The CPUs as stored with the case, per role and app number: `send`/`recv` for each pair's apps
 * (the client's and server's too), `tester`/`forwarder` for two-port apps; the switch's only where
 * there is one host (a remote case has two switches).
 */
function recordedCpus(topology: Topology, cpus: CaseCpus, hosts: number): NonNullable<CaseRecord['cpus']> {
  const byRole: Record<string, number[]> = {};
  topology.apps.forEach((a, i) => {
    const key = a.role === 'client' ? 'send' : a.role === 'server' ? 'recv' : a.role;
    (byRole[key] ??= [])[a.pair] = cpus.apps[i]!;
  });
  const sw = hosts === 1 ? cpus.switchByHost[0]! : [];
  return {
    ...(topology.apps.some((a) => !a.rxPort) ? { send: byRole.send ?? [], recv: byRole.recv ?? [] } : {}),
    ...(byRole.tester ? { tester: byRole.tester } : {}),
    ...(byRole.forwarder ? { forwarder: byRole.forwarder } : {}),
    ...(cpus.clientRx ? { clientRx: cpus.clientRx } : {}),
    ...(sw.length > 0 ? { switch: sw } : {}),
  };
}

/**
 * One busy thread per physical core of each host, in this order: its apps in the topology's order
 * (each pair's sender, then receiver, where the host holds them; each chain's tester, then its
 * forwarders), two-thread clients' receive threads, then the switch's busy threads (PMDs). An app
 * runs on the host holding its (transmit) port. Two "hosts" with the same kernel boot id are one
 * machine (namespace hosts): the second then takes the cores the first left free, as one host
 * would. Shared when a host (or the one machine) runs out of cores.
 */
export function planCpus(
  c: Case,
  hosts: readonly Pick<CaseHost, 'sides'>[],
  topologies: readonly HostCpus[],
  topology: Topology = caseTopology(c),
): CaseCpus {
  const switchThreads = driverFor(c.switch)?.busyThreads ?? 0;
  const twoThreads = c.clientThreads > 1;
  const cpus: CaseCpus = { apps: [], ...(twoThreads ? { clientRx: [] } : {}), switchByHost: [], shared: false };
  const sameMachine = oneMachine(topologies);
  const taken = new Set<number>();
  hosts.forEach((h, i) => {
    const here = topology.apps.flatMap((a, index) => (h.sides.includes(a.port.side) ? [{ ...a, index }] : []));
    const clients = twoThreads ? here.filter((a) => a.origin) : [];
    const threads = here.length + clients.length + switchThreads;
    const cores = topologies[i]!.cores;
    const free = sameMachine ? cores.filter((core) => !taken.has(core)) : cores;
    const plan = assignCpus({ ...topologies[i]!, cores: free.length >= threads ? free : cores }, threads);
    cpus.shared ||= plan.shared || (sameMachine && free.length < threads);
    plan.cpus.forEach((cpu) => taken.add(cpu));
    let next = 0;
    for (const a of here) cpus.apps[a.index] = plan.cpus[next++]!;
    for (const a of clients) cpus.clientRx![a.pair] = plan.cpus[next++]!;
    cpus.switchByHost.push(plan.cpus.slice(next));
  });
  return cpus;
}

/**
 * How far ahead of now a case sets its apps' epoch: long enough for the receivers to start and
 * report ready and the senders to start after them, or a sender starts late and its first second
 * is partial (not steady). The first case of a run takes the cautious default (an EAL start-up
 * takes seconds); each later one 1.5× the slowest start-up of the run's last few cases of its
 * kind, plus 20 ms per pair — on a loaded machine start-ups slow down and the margin follows.
 */
export class StartMargins {
  private readonly recent = new Map<string, number[]>();

  marginMs(c: Case): number {
    const seen = this.recent.get(kindOf(c));
    const learned = seen ? Math.max(MIN_START_MARGIN_MS, 1.5 * Math.max(...seen)) : undefined;
    const initial = backendInfo(c.backend).eal ? DPDK_START_MARGIN_MS : START_MARGIN_MS;
    return Math.round(learned ?? initial) + 20 * c.pairs;
  }

  /** A case's apps were all up `ms` after the first launch. */
  observe(c: Case, ms: number): void {
    const seen = this.recent.get(kindOf(c)) ?? [];
    seen.push(Math.max(0, ms - 20 * c.pairs));
    this.recent.set(kindOf(c), seen.slice(-STARTS_KEPT));
  }
}

/** Start-ups alike: the same backend family, switch and container runtime. */
function kindOf(c: Case): string {
  return `${backendInfo(c.backend).eal ? 'eal' : 'kernel'}/${c.switch}/${c.containers}/${c.locality}`;
}
const MIN_START_MARGIN_MS = 40;
const STARTS_KEPT = 5;

interface CaseRun {
  c: Case;
  ctx: CaseContext;
  topology: Topology;
  endpoints: Endpoint[];
  cpus: CaseCpus;
  /** Every app the case started, for the final stop and the record. */
  apps: AppHandle[];
}

/**
 * One stretch of traffic: the apps that do not originate traffic first (receivers, servers,
 * forwarders), then those that do (senders, clients, testers) at `rate` each for `trafficS`
 * seconds; returns once the origins stopped sending, the path drained, everything stopped, and
 * every app gave its summary.
 */
async function runTraffic(
  run: CaseRun,
  traffic: {
    rate: number | 'max';
    trafficS: number;
    onEpoch?: (epochNs: bigint) => void;
    oneWay?: boolean;
    /** Origins' bursts, when not the case's (the probe alone: single frames). */
    burst?: number;
    /** Probes beside the load, the frames the receivers time (a latency run under load). */
    probeRatePps?: number;
    /** false: receivers up before any sender starts, whatever the path (the retry after a late start). */
    eager?: boolean;
  },
): Promise<{ origins: AppHandle[]; others: AppHandle[] }> {
  const { c, ctx, cpus, topology } = run;
  const hostOf = (a: AppLaunch) => ctx.hosts.find((h) => h.sides.includes(a.self.side))!;
  const endpoint = (p: PortRef) => run.endpoints.find((e) => e.side === p.side && e.pair === p.link)!;
  const dpdk = backendInfo(c.backend).eal;
  const launchDelayMs = Math.max(...ctx.hosts.map((h) => h.launchDelayMs));
  const margins = ctx.startMargins ?? new StartMargins();
  const marginMs = margins.marginMs(c) + launchDelayMs;
  const readyMs = (dpdk ? DPDK_READY_TIMEOUT_MS : READY_TIMEOUT_MS) + launchDelayMs * 4;
  const launchedAt = Date.now();
  // Every app aligns its one-second intervals to the same epoch, so second k means the same
  // wall-clock second for all of them (CLOCK_MONOTONIC is shared by all namespaces of a host;
  // a remote host gets it as a delay, RemoteHost.launch).
  const epochNs = process.hrtime.bigint() + BigInt(marginMs * 1e6);
  traffic.onEpoch?.(epochNs);
  const launches = appLaunches(
    topology,
    endpoint,
    cpus,
    { rate: traffic.rate, seconds: traffic.trafficS, ...(traffic.burst ? { burst: traffic.burst } : {}) },
    { oneWay: traffic.oneWay === true, ...(traffic.probeRatePps ? { probeRatePps: traffic.probeRatePps } : {}) },
  );
  const start = async (a: AppLaunch): Promise<AppHandle> => {
    // A two-port app starts on the host and enters each port's namespace itself (--netns).
    const inContainer = a.rx === undefined;
    const app = await hostOf(a).launch({
      role: a.role,
      pair: a.pair,
      label: a.label,
      ...(inContainer ? { netns: a.self.netns } : {}),
      ...(inContainer && a.self.exec ? { exec: a.self.exec } : {}),
      args: appArgs(c, a),
      epochNs,
    });
    run.apps.push(app);
    return app;
  };
  const isOrigin = topology.apps.map((a) => a.origin);
  const others = await Promise.all(launches.filter((_, i) => !isOrigin[i]).map(start));
  // When each receiver was up, on the epoch's clock (read after its start line: never early).
  const othersReady = Promise.all(others.map((a) => a.waitReady(readyMs).then(() => process.hrtime.bigint())));
  othersReady.catch(() => undefined); // awaited below; this keeps an abort in between from leaving it unhandled
  // Over a link that joins the apps directly (memif), a receiver is ready only once its sender
  // opened the other end: start both, the shared epoch still lines them up. On a kernel path of
  // one host the senders start beside the receivers too (their start-ups overlap, the margin
  // shrinks), checked below: a receiver up after the epoch may have missed the first frames.
  const direct = driverFor(c.switch)?.appsLinkedDirectly === true;
  const eager = !direct && traffic.eager !== false && !dpdk && launchDelayMs === 0;
  if (!direct && !eager) await othersReady;
  throwIfAborted(ctx.signal);
  const origins = await Promise.all(launches.filter((_, i) => isOrigin[i]).map(start));
  if (eager && (await othersReady).some((t) => t > epochNs)) {
    // Too late for the epoch: this stretch is dropped unmeasured and run again the careful way,
    // receivers first; the slow start-up raises the next cases' margin.
    margins.observe(c, Date.now() - launchedAt);
    const started = new Set<AppHandle>([...origins, ...others]);
    await Promise.all([...started].map((a) => a.stop(300)));
    run.apps.splice(0, run.apps.length, ...run.apps.filter((a) => !started.has(a)));
    ctx.log?.(`${c.id}: a receiver started after the epoch; its traffic runs again, receivers first`);
    return runTraffic(run, { ...traffic, eager: false });
  }
  await othersReady;
  // When every app is up, how long that took since the first launch sets the next case's margin
  // (observed, not awaited: a slow sender is the watch loop's business, as before).
  void Promise.all(origins.map((a) => a.waitReady(readyMs))).then(
    () => margins.observe(c, Date.now() - launchedAt - launchDelayMs),
    () => undefined,
  );
  // Senders (and clients, after draining their echoes) stop by themselves; a tester too, once what
  // it sent has come back or the path stayed quiet for 100 ms after its traffic (app-protocol.md).
  // A receiver or forwarder that dies first, or an origin that overruns, fails the case. Over a direct link, a sender stays
  // up until its receiver has left (dpdk.c explains why): there the receivers stop once the
  // senders have given their summaries, and the senders exit after.
  await watch(origins, others, ctx, marginMs + traffic.trafficS * 1000 + 10_000, direct ? 'summary' : 'exit');
  await delay((driverFor(c.switch)?.busyThreads ?? 0) > 0 ? DRAIN_MS.polling : DRAIN_MS.kernel);
  // The path has drained: the receivers and forwarders stop.
  await Promise.all(others.map((a) => a.stop()));
  if (direct)
    await Promise.all(
      origins.map(async (a) => {
        if (!(await a.waitExit(SENDER_EXIT_MS))) await a.stop();
      }),
    );
  for (const a of [...origins, ...others]) {
    if (a.exitCode !== 0 || !a.summary) throw a.failure('failed');
  }
  return { origins, others };
}

/**
 * A throughput search on one network: each trial is one stretch of traffic at the rate the
 * search asks for (per sender). A trial's figures are whole-trial totals from the apps'
 * summaries, so nothing is lost or double-counted at window edges (search/trial.ts says what
 * they mean; each origin's refused frames are charged by its tx port's kind).
 */
async function runSearchTrials(run: CaseRun): Promise<SearchResult> {
  const { c, ctx, topology } = run;
  const txPortKind = (a: AppHandle) => {
    const plan = topology.apps.find((p) => p.role === a.options.role && p.pair === a.options.pair)!;
    return run.endpoints.find((e) => e.side === plan.port.side && e.pair === plan.port.link)!.port.kind;
  };
  const measure = async (ratePps: number, durationS: number): Promise<TrialResult> => {
    throwIfAborted(ctx.signal);
    const { origins, others } = await runTraffic(run, { rate: ratePps, trafficS: durationS });
    const received = [...origins, ...others]
      .filter((a) => measuresTraffic(a.options.role))
      .reduce((n, a) => n + (a.summary!.rxPackets ?? 0), 0);
    const counts = origins
      .filter((a) => offersTraffic(a.options.role))
      .map(
        (a): OriginCounts => ({
          txPackets: a.summary!.txPackets ?? 0,
          unsent: a.summary!.unsent ?? 0,
          stalls: a.summary!.stalls ?? 0,
          // Its schedule, [epoch, epoch + durationS): what it was asked to send there is the intended
          // load; a late start or a stall is the generator's shortfall. Not its summary's duration:
          // a sender descheduled after its last frame, or a tester still receiving, ends later, and
          // rate × that later end counted frames nobody asked for (a failed trial from 1 ms on).
          sendingS: durationS,
          unsentCountsAs: REFUSED_FRAMES_COUNT_AS[txPortKind(a)],
        }),
      );
    return trialResult(ratePps, c.pairs, counts, received);
  };
  return runExpandedSearch(c.search!, measure);
}

/**
 * Latency under load after a search (CSIT's latency at 0/10/50/90 % of PDR): the probe alone at
 * its low fixed rate, then each fraction of each goal's conditional throughput (per sender), each
 * a whole case's traffic (warm-up, steady window, cool-down). What is timed is always the probe:
 * single frames evenly spaced at `probeRatePps`, each alone in its own send call and stamped just
 * before it — alone, the origins send nothing else (their load is the probe stream, in bursts of
 * 1); under load, the origins add the probes beside the load (in the case's bursts) and the
 * receivers time only the probes (app-protocol.md, `--probe-rate`). Timing the load's own frames
 * instead would time its bursts: frames of one send call share its stamp and wait behind each
 * other (through OVS-DPDK at 10 kpps, p50 1.6 µs single, 22 µs in bursts of 32). A run that fails
 * is recorded as failed and the next one runs; an interruption ends them all.
 */
async function runLatencyRuns(run: CaseRun, search: SearchResult): Promise<LatencyRunRecord[]> {
  const { c, ctx } = run;
  const cfg = c.search!.latency!;
  const loads: Omit<LatencyRunRecord, 'txPackets' | 'rxPackets' | 'status' | 'histograms'>[] = [
    { run: 'probe', goal: null, fraction: 0, ratePps: cfg.probeRatePps },
    ...search.goals.flatMap((g) =>
      cfg.fractions.map((f) => ({
        run: `${g.name}@${f}`,
        goal: g.name,
        fraction: f,
        ratePps: g.conditionalThroughputPps === null ? 0 : Math.max(1, Math.round(f * g.conditionalThroughputPps)),
      })),
    ),
  ];
  const records: LatencyRunRecord[] = [];
  for (const load of loads) {
    throwIfAborted(ctx.signal);
    if (load.ratePps === 0) {
      records.push({
        ...load,
        txPackets: null,
        rxPackets: null,
        status: 'failed',
        error: `goal ${load.goal} found no conditional throughput`,
        histograms: [],
      });
      continue;
    }
    try {
      const { origins, others } = await runTraffic(run, {
        rate: load.ratePps,
        trafficS: trafficSeconds(c),
        oneWay: true,
        ...(load.goal === null ? { burst: 1 } : { probeRatePps: cfg.probeRatePps }),
      });
      const samples = collectSamples([...origins, ...others], c);
      ctx.log?.(`${c.id}: latency run ${load.run} at ${load.ratePps} pps: ${wholeRunCounts(origins, others)}`);
      const steadySum = (counts: (role: string) => boolean, f: (s: StoredSample) => number | null) =>
        samples.filter((s) => counts(s.role) && s.steady).reduce((n, s) => n + (f(s) ?? 0), 0);
      records.push({
        ...load,
        txPackets: steadySum(offersTraffic, (s) => s.txPackets),
        rxPackets: steadySum(measuresTraffic, (s) => s.rxPackets),
        status: 'ok',
        histograms: sampleHistograms(samples, load.run),
      });
    } catch (e: unknown) {
      if (e instanceof InterruptedError || ctx.signal.aborted) throw e;
      // The failed run's apps leave the ports to the next run.
      await Promise.all(run.apps.map((a) => a.stop().catch(() => undefined)));
      records.push({
        ...load,
        txPackets: null,
        rxPackets: null,
        status: 'failed',
        error: e instanceof Error ? e.message : String(e),
        histograms: [],
      });
    }
  }
  return records;
}

/**
 * A latency run's whole-run counts in words, for the run's log: what the origins sent, what their
 * ports refused (unsent) and their schedules dropped (stalls), what arrived and was lost — so a
 * stretch that received little says whether the sender or the path fell short.
 */
function wholeRunCounts(origins: AppHandle[], others: AppHandle[]): string {
  const sum = (apps: AppHandle[], f: (s: NonNullable<AppHandle['summary']>) => number | undefined) =>
    apps.reduce((n, a) => n + (f(a.summary!) ?? 0), 0);
  const receivers = [...origins, ...others].filter((a) => measuresTraffic(a.options.role));
  return (
    `sent ${sum(origins, (s) => s.txPackets)} (unsent ${sum(origins, (s) => s.unsent)}, stalls ${sum(origins, (s) => s.stalls)}), ` +
    `received ${sum(receivers, (s) => s.rxPackets)}, lost ${sum(receivers, (s) => s.lost)}`
  );
}

/** Until every origin (sender, client, tester) has exited (`exit`), or given its summary (`summary`: it may still be closing its port). */
async function watch(
  origins: AppHandle[],
  others: AppHandle[],
  ctx: CaseContext,
  deadlineMs: number,
  until: 'exit' | 'summary',
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    throwIfAborted(ctx.signal);
    for (const h of ctx.hosts) h.assertAlive();
    const deadOther = others.find((a) => !a.running);
    if (deadOther) throw deadOther.failure('exited during the case');
    const failedOrigin = origins.find((a) => !a.running && a.exitCode !== 0);
    if (failedOrigin) throw failedOrigin.failure('failed');
    if (origins.every((a) => !a.running || (until === 'summary' && a.summary))) return;
    if (Date.now() > deadline) throw origins.find((a) => a.running)!.failure('did not stop on time');
    const running = [...origins, ...others].filter((a) => a.running);
    const pollMs = WATCH_POLL_MS[until];
    await Promise.race([delay(pollMs, ctx.signal), ...running.map((a) => a.waitExit(pollMs))]);
  }
}

/**
 * Tears every host down, never throwing: side by side, or one after the other when they are one
 * machine (their hugepage releases read and write one kernel counter, as their reservations do).
 */
async function tearDownHosts(hosts: readonly CaseHost[], oneMachine: boolean): Promise<string[]> {
  const tearDown = (h: CaseHost) =>
    h.tearDown().catch((e: unknown) => [`host ${h.name}: ${e instanceof Error ? e.message : String(e)}`]);
  if (oneMachine) return (await inTurn(hosts, tearDown)).flat();
  return (await Promise.all(hosts.map(tearDown))).flat();
}

/** Whether several hosts are one machine: the same kernel boot id (namespace hosts). */
function oneMachine(topologies: readonly HostCpus[]): boolean {
  const boot = topologies[0]?.bootId;
  return (
    topologies.length > 1 && boot !== undefined && boot !== 'unknown' && topologies.every((t) => t.bootId === boot)
  );
}

/** `f` over `items` one at a time; throws the first failure once every item has had its turn (so teardown finds all). */
async function inTurn<T, R>(items: readonly T[], f: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let failure: unknown;
  for (const [i, item] of items.entries()) {
    try {
      results.push(await f(item, i));
    } catch (e: unknown) {
      failure ??= e;
    }
  }
  if (failure !== undefined) throw failure;
  return results;
}

/** Waits for every promise; throws the first rejection only once all have settled. */
async function settleAll<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Every app's intervals as stored samples, their offsets from the epoch of the app's own host. */
export function collectSamples(
  apps: readonly Pick<AppHandle, 'intervals' | 'options' | 'epochNs'>[],
  c: Case,
): StoredSample[] {
  const window = { warmupS: c.warmupS, durationS: c.durationS };
  return apps.flatMap((a) =>
    a.intervals.map((i: IntervalLine): StoredSample => {
      const start = BigInt(i.startNs);
      const epochNs = a.epochNs;
      const partial = i.partial === true;
      const durationNs = Number(BigInt(i.endNs) - start);
      return {
        pair: a.options.pair,
        role: a.options.role,
        second: i.index,
        startOffsetNs: Number(start - epochNs),
        durationNs,
        partial,
        steady: !partial && isSteady(i.index, window, durationNs),
        txPackets: i.txPackets ?? null,
        txBytes: i.txBytes ?? null,
        unsent: i.unsent ?? null,
        stalls: i.stalls ?? null,
        rxPackets: i.rxPackets ?? null,
        rxBytes: i.rxBytes ?? null,
        lost: i.lost ?? null,
        reordered: i.reordered ?? null,
        duplicates: i.duplicates ?? null,
        corrupt: i.corrupt ?? null,
        foreign: i.foreign ?? null,
        late: i.late ?? null,
        unmatched: i.unmatched ?? null,
        rtt: i.rtt ?? null,
        oneWay: i.oneWay ?? null,
        cpuUserUs: i.cpuUserUs,
        cpuSysUs: i.cpuSysUs,
      };
    }),
  );
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
    lostPackets: Math.max(
      0,
      sum((s) => s.lost),
    ),
    latePackets: sum((s) => s.late),
    unmatchedPackets: sum((s) => s.unmatched),
  };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError((signal.reason as NodeJS.Signals | undefined) ?? 'SIGINT');
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
