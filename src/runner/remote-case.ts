// A remote case: senders (clients) on the testbed's first host, receivers (servers) on the second,
// each host driven by its own `nfvperf agent` (docs/agent-protocol.md). The life cycle is the
// local one's — build, receivers, senders, run, stop, collect, always tear down — with each step
// a request to the agent of the host it concerns. Every failure names its host; a host whose
// agent died is cleaned up by a fresh agent afterwards, and the other host is always torn down.
import type { AppOptions } from '../apps/app.js';
import { parseAppLine, type IntervalLine, type StartLine, type SummaryLine } from '../apps/protocol.js';
import { throughputFigures } from '../analysis/steady.js';
import type { AgentEvent, HelloResult, LaunchResult, SetupResult } from '../agent/protocol.js';
import { AgentSession } from '../agent/session.js';
import { InterruptedError, TestbedError } from '../common/errors.js';
import { dpdkAppArgs } from '../switches/dpdk-port.js';
import { driverFor } from '../switches/index.js';
import { assignCpus } from '../testbed/cpus.js';
import { describeAccess, type HostSpec, type Testbed } from '../hosts/types.js';
import { trafficSeconds, type Case } from '../plan/expand.js';
import type { CaseRecord, StoredSample } from '../store/db.js';
import type { AppSide, RunNames } from '../testbed/names.js';
import { collectSamples, latencyRecord, ROLES } from './case.js';
import type { RemoteHosts } from './remote-hosts.js';

export interface RemoteCaseContext {
  names: RunNames;
  testbed: Testbed;
  /** The run's agents, one per host, kept from case to case. */
  hosts: RemoteHosts;
  signal: AbortSignal;
  /** Progress lines (the per-host set-up times). */
  log?: (line: string) => void;
}

/**
 * Per-host set-up time of a case: connecting and starting the agent (0 when the run's agent was
 * reused), then building the network.
 */
export interface RemoteSetupTiming {
  host: string;
  connectMs: number;
  buildMs: number;
}

const RECEIVER_PORT = 7001;
const SENDER_PORT = 7000;
/** Receivers' start plus the requests' trip to the agents, before the senders' epoch. */
const START_MARGIN_MS = 1000;
const READY_TIMEOUT_MS = 10_000;
const DRAIN_MS = 200;

/** An app on a remote host, seen through its agent's events (the shape collectSamples reads). */
class RemoteApp {
  readonly intervals: IntervalLine[] = [];
  start?: StartLine;
  summary?: SummaryLine;
  exitCode: number | null = null;
  exitSignal: string | null = null;
  stderr = '';
  epochNs = 0n;

  constructor(readonly session: AgentSession, readonly options: AppOptions) {}

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null && this.session.alive;
  }

  onEvent(e: AgentEvent): void {
    if (e.label !== this.options.label) return;
    if (e.event === 'app-exit') {
      this.exitCode = e.exitCode;
      this.exitSignal = e.exitSignal;
      this.stderr = e.stderr;
      return;
    }
    const line = parseAppLine(e.line);
    if (!line) return;
    if (line.type === 'start') this.start = line;
    else if (line.type === 'interval') this.intervals.push(line);
    else this.summary = line;
  }

  async waitReady(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.start && this.running && Date.now() < deadline && !signal.aborted) await delay(20);
    if (!this.session.alive) throw this.session.error(`connection to the agent lost (${this.session.lostReason})`);
    if (!this.start) throw this.failure(this.running ? `not ready after ${timeoutMs} ms` : 'exited before it was ready');
  }

  async stop(graceMs = 2000): Promise<void> {
    if (!this.running) return;
    const r = await this.session.request<{ exitCode: number | null; exitSignal: string | null }>({ op: 'stop', label: this.options.label, graceMs }, graceMs * 2 + 5000);
    this.exitCode = r.exitCode;
    this.exitSignal = r.exitSignal;
  }

  failure(what: string): TestbedError {
    if (!this.session.alive) return this.session.error(`connection to the agent lost while ${this.options.label} ran (${this.session.lostReason})`);
    const status = this.exitSignal ? `killed by ${this.exitSignal}` : this.exitCode !== null ? `exit code ${this.exitCode}` : 'still running';
    const tail = this.stderr.split('\n').filter(Boolean).slice(-3).join(' | ');
    return new TestbedError(`${this.options.label} on ${this.session.host.name} ${what} (${status})${tail ? `: ${tail}` : ''}`);
  }
}

interface HostState {
  spec: HostSpec;
  side: AppSide;
  session?: AgentSession;
  hello?: HelloResult;
  /** Removes this case's event listener from the run's session. */
  unlisten?: () => void;
  switchCpus: number[];
  setup?: SetupResult;
  apps: RemoteApp[];
  timing?: RemoteSetupTiming;
}

export async function runRemoteCase(c: Case, ctx: RemoteCaseContext): Promise<CaseRecord & { setupTimings: RemoteSetupTiming[] }> {
  const startedAt = new Date().toISOString();
  const hosts: [HostState, HostState] = [
    { spec: ctx.testbed.hosts[0], side: 's', apps: [], switchCpus: [] },
    { spec: ctx.testbed.hosts[1], side: 'r', apps: [], switchCpus: [] },
  ];
  let failure: Error | undefined;
  let cpus = { send: [] as number[], recv: [] as number[] };
  let cpuShared = false;
  ctx.log?.(`remote case, run ${ctx.names.token}: senders on ${hosts[0].spec.name} (${describeAccess(hosts[0].spec)}), ` +
    `receivers on ${hosts[1].spec.name} (${describeAccess(hosts[1].spec)})`);
  try {
    // Both hosts are set up side by side; a failure on one waits for the other to settle, so that
    // teardown finds every session that was opened.
    const settled = await Promise.allSettled(hosts.map((h) => setUpHost(h, c, ctx)));
    const firstFailure = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (firstFailure) throw firstFailure.reason;
    const [send, recv] = hosts.map((h) => appCpus(h, c.pairs)) as [number[], number[]];
    cpus = { send, recv };
    cpuShared = cpusShared(hosts, c.pairs);
    ctx.log?.(`remote set-up: ${hosts.map((h) => `${h.spec.name} ${h.timing!.connectMs + h.timing!.buildMs} ms ` +
      `(agent ${h.timing!.connectMs} ms, build ${h.timing!.buildMs} ms)`).join(', ')}`);
    await runRemoteTraffic(c, ctx, hosts, cpus);
  } catch (e: unknown) {
    failure = e instanceof Error ? e : new Error(String(e));
  } finally {
    const teardownErrors = await tearDown(hosts, ctx.hosts);
    if (teardownErrors.length > 0 && !failure) failure = new TestbedError(`teardown failed: ${teardownErrors.join('; ')}`);
    else if (teardownErrors.length > 0) failure = new TestbedError(`${failure!.message}; ${teardownErrors.join('; ')}`);
  }
  if (ctx.signal.aborted) throw new InterruptedError((ctx.signal.reason as NodeJS.Signals | undefined) ?? 'SIGINT');
  const setupTimings = hosts.flatMap((h) => (h.timing ? [h.timing] : []));
  const base = { case: c, cpuShared, cpus, startedAt, finishedAt: new Date().toISOString(), setupTimings };
  // Each host's apps count their intervals from that host's epoch.
  const samples: StoredSample[] = hosts.flatMap((h) => h.apps.flatMap((a) => collectSamples([a], c, a.epochNs)));
  const summaries = hosts.flatMap((h) => h.apps).filter((a) => a.summary).map((a) => ({
    pair: a.options.pair, role: a.options.role, json: JSON.stringify(a.summary),
  }));
  if (failure) return { ...base, status: 'failed', error: failure.message, samples, summaries, throughput: null };
  if (c.dimension === 'latency') {
    const latency = latencyRecord(samples);
    if (!latency) return { ...base, status: 'failed', error: 'no echo measured in the steady window', samples, summaries, throughput: null };
    return { ...base, status: 'ok', samples, summaries, throughput: null, latency };
  }
  const throughput = throughputFigures(samples, { warmupS: c.warmupS, durationS: c.durationS });
  if (!throughput) {
    return { ...base, status: 'failed', error: 'no complete steady-state sample from a sender and a receiver', samples, summaries, throughput };
  }
  return { ...base, status: 'ok', samples, summaries, throughput };
}

async function setUpHost(h: HostState, c: Case, ctx: RemoteCaseContext): Promise<void> {
  throwIfAborted(ctx.signal);
  const connected = await ctx.hosts.connect(h.spec, ctx.signal);
  h.session = connected.session;
  h.hello = connected.hello;
  h.unlisten = h.session.onEvent((e) => h.apps.forEach((a) => a.onEvent(e)));
  if (!h.hello.app.backends.includes(c.backend)) {
    throw h.session.error(`nfvperf-app there lacks backend ${c.backend}${h.hello.app.error ? ` (${h.hello.app.error})` : ''}`);
  }
  throwIfAborted(ctx.signal);
  // The switch's busy threads (PMDs) get this host's CPUs after its apps', as in a local case.
  const busy = driverFor(c.switch)?.busyThreads ?? 0;
  h.switchCpus = assignCpus({ cores: hostCpus(h), online: h.hello.online }, c.pairs + busy).cpus.slice(c.pairs);
  const t1 = Date.now();
  h.setup = await h.session.request<SetupResult>({
    op: 'setup', host: h.spec.name, token: ctx.names.token, switch: c.switch, side: h.side, pairs: c.pairs, uplink: h.spec.uplink,
    switchCpus: h.switchCpus,
  });
  h.timing = { host: h.spec.name, connectMs: connected.connectMs, buildMs: Date.now() - t1 };
}

/** The CPUs a host's apps may use: the testbed's list, or one per physical core. */
function hostCpus(h: HostState): number[] {
  return h.spec.cpus ?? h.hello!.cores;
}

function appCpus(h: HostState, pairs: number): number[] {
  const list = hostCpus(h);
  return Array.from({ length: pairs }, (_, p) => list[p % list.length]!);
}

/**
 * Whether two busy threads share a core: on one host (apps plus the switch's PMDs outnumber its
 * CPUs), or across both when they are one machine (namespace hosts: the same kernel boot id).
 */
function cpusShared(hosts: HostState[], pairs: number): boolean {
  const threads = (h: HostState) => pairs + h.switchCpus.length;
  if (hosts.some((h) => threads(h) > hostCpus(h).length)) return true;
  const [a, b] = hosts.map((h) => h.hello!.environment.bootId);
  if (a === undefined || a === 'unknown' || a !== b) return false;
  return hosts.reduce((n, h) => n + threads(h), 0) > new Set(hosts.flatMap(hostCpus)).size;
}

async function runRemoteTraffic(c: Case, ctx: RemoteCaseContext, hosts: [HostState, HostState], cpus: { send: number[]; recv: number[] }): Promise<void> {
  const [senderHost, receiverHost] = hosts;
  const trafficS = trafficSeconds(c);
  // One epoch for every app, on the orchestrator's clock; each launch request carries how far
  // ahead it is, and each agent turns that into its own CLOCK_MONOTONIC epoch. Hosts agree on it
  // to within the requests' one-way delay (docs/agent-protocol.md).
  const epoch = process.hrtime.bigint() + BigInt((START_MARGIN_MS + 20 * c.pairs) * 1e6);
  const epochInMs = () => Number(epoch - process.hrtime.bigint()) / 1e6;
  const rate = typeof c.rate === 'number' ? c.rate : 'max';
  const raw = c.backend === 'raw' || c.backend === 'raw-mmsg' || c.backend === 'af-xdp'; // frames built by the app
  // The dpdk backend opens the port its host's switch gave it (a vhost-user socket of OVS-DPDK).
  type End = SetupResult['containers'][number];
  const dpdkArgs = (h: HostState, self: End, peer: End) =>
    c.backend === 'dpdk' ? dpdkAppArgs(ctx.names, { ...self, side: h.side }, self.port, peer.mac, c.switch) : [];
  const common = (p: number) => ['--backend', c.backend, '--size', String(c.packetSize), '--burst', String(c.burst),
    '--flow', String(p), ...(c.touchData ? ['--touch'] : []), ...(c.mode === 'blocking' ? ['--blocking'] : [])];
  const roles = ROLES[c.dimension];
  const launch = async (h: HostState, options: AppOptions): Promise<RemoteApp> => {
    const app = new RemoteApp(h.session!, options);
    h.apps.push(app);
    const r = await h.session!.request<LaunchResult>({ op: 'launch', label: options.label, role: options.role, pair: options.pair,
      netns: options.netns!, args: options.args, epochInMs: epochInMs() });
    app.epochNs = BigInt(r.epochNs);
    return app;
  };
  const receivers = await Promise.all(receiverHost.setup!.containers.map((r) => {
    const label = `${roles.receiver === 'recv' ? 'receiver' : 'server'} ${r.pair}`;
    return launch(receiverHost, { role: roles.receiver, netns: r.netns, label, pair: r.pair,
      args: [...common(r.pair), ...(raw ? ['--ifname', r.ifname] : []), ...dpdkArgs(receiverHost, r, senderHost.setup!.containers[r.pair]!), '--local', `${r.ip}:${RECEIVER_PORT}`, '--cpu', String(cpus.recv[r.pair])] });
  }));
  await Promise.all(receivers.map((a) => a.waitReady(READY_TIMEOUT_MS, ctx.signal)));
  throwIfAborted(ctx.signal);
  const senders = await Promise.all(senderHost.setup!.containers.map((s) => {
    const peer = receiverHost.setup!.containers[s.pair]!;
    const label = `${roles.sender === 'send' ? 'sender' : 'client'} ${s.pair}`;
    return launch(senderHost, { role: roles.sender, netns: s.netns, label, pair: s.pair,
      args: [...common(s.pair), ...(raw ? ['--ifname', s.ifname, '--remote-mac', peer.mac] : []), ...dpdkArgs(senderHost, s, peer), '--local', `${s.ip}:${SENDER_PORT}`,
        '--remote', `${peer.ip}:${RECEIVER_PORT}`, '--rate', String(rate), '--duration', String(trafficS), '--cpu', String(cpus.send[s.pair]),
        ...(c.senderScheduling ? ['--sched', c.senderScheduling] : [])] });
  }));

  const deadline = Date.now() + START_MARGIN_MS + 20 * c.pairs + trafficS * 1000 + 10_000;
  for (;;) {
    throwIfAborted(ctx.signal);
    const lost = hosts.find((h) => !h.session!.alive);
    if (lost) throw lost.session!.error(`connection to the agent lost during the case (${lost.session!.lostReason})`);
    const deadReceiver = receivers.find((a) => !a.running);
    if (deadReceiver) throw deadReceiver.failure('exited during the case');
    const failedSender = senders.find((a) => !a.running && a.exitCode !== 0);
    if (failedSender) throw failedSender.failure('failed');
    if (senders.every((a) => !a.running)) break;
    if (Date.now() > deadline) throw senders.find((a) => a.running)!.failure('did not stop on time');
    await delay(50);
  }
  await delay(DRAIN_MS);
  await Promise.all(receivers.map((a) => a.stop()));
  for (const a of [...senders, ...receivers]) {
    if (a.exitCode !== 0 || !a.summary) throw a.failure('failed');
  }
}

/** Tears both hosts down, each on its own (RemoteHosts.release); the run's agents stay for the next case. */
async function tearDown(hosts: HostState[], remote: RemoteHosts): Promise<string[]> {
  const errors = await Promise.all(hosts.map(async (h) => {
    h.unlisten?.();
    return h.session ? remote.release(h.spec) : [];
  }));
  return errors.flat();
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError((signal.reason as NodeJS.Signals | undefined) ?? 'SIGINT');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
