// A host of a remote case, driven through its `nfvperf agent` (docs/agent-protocol.md): each
// CaseHost step is one request, which the agent carries out with the same code a local case runs
// (a LocalHost of its own side). Every failure names the host; a host whose agent died is cleaned
// up by a fresh agent afterwards (RemoteHosts.release).
import type { AppOptions } from '../apps/app.js';
import { parseAppLine, type IntervalLine, type StartLine, type SummaryLine } from '../apps/protocol.js';
import type { AgentEvent, LaunchResult, SetupResult } from '../agent/protocol.js';
import type { AgentSession } from '../agent/session.js';
import { TestbedError } from '../common/errors.js';
import type { HostSpec } from '../hosts/types.js';
import type { BackendName } from '../plan/schema.js';
import type { RunNames } from '../testbed/names.js';
import type { AppHandle, AppStart, CaseHost, HostCpus } from './case-host.js';
import type { Endpoint, NetworkSpec } from './network.js';
import type { RemoteHosts } from './remote-hosts.js';

export class RemoteHost implements CaseHost {
  /** A launch is a request over SSH: its trip is added to the start margin. */
  readonly launchDelayMs = 750;
  readonly sides: readonly ['s'] | readonly ['r'];
  timing?: { connectMs: number; buildMs: number };
  private session?: AgentSession;
  private unlisten?: () => void;
  private readonly apps: RemoteApp[] = [];
  private connectMs = 0;

  constructor(
    readonly spec: HostSpec,
    side: 's' | 'r',
    private readonly ctx: { names: RunNames; hosts: RemoteHosts; backend: BackendName },
  ) {
    this.sides = [side];
  }

  get name(): string {
    return this.spec.name;
  }

  async open(signal: AbortSignal): Promise<HostCpus> {
    const connected = await this.ctx.hosts.connect(this.spec, signal);
    const { session, hello } = connected;
    this.session = session;
    this.connectMs = connected.connectMs;
    this.unlisten = session.onEvent((e) => this.apps.forEach((a) => a.onEvent(e)));
    if (!hello.app.backends.includes(this.ctx.backend)) {
      throw session.error(
        `nfvperf-app there lacks backend ${this.ctx.backend}${hello.app.error ? ` (${hello.app.error})` : ''}`,
      );
    }
    // The testbed may narrow the CPUs this host's apps get; otherwise one per physical core.
    return { cores: this.spec.cpus ?? hello.cores, online: hello.online, bootId: hello.environment.bootId };
  }

  async build(spec: Omit<NetworkSpec, 'sides'>): Promise<Endpoint[]> {
    const side = this.sides[0];
    const t0 = Date.now();
    const r = await this.session!.request<SetupResult>({
      op: 'setup',
      host: this.spec.name,
      token: this.ctx.names.token,
      switch: spec.switch,
      backend: spec.backend,
      side,
      pairs: spec.links,
      uplink: this.spec.uplink,
      switchCpus: spec.switchCpus,
      appCpus: Array.from({ length: spec.links }, (_, p) => spec.appCpu(side, p)),
    });
    this.timing = { connectMs: this.connectMs, buildMs: Date.now() - t0 };
    return r.endpoints;
  }

  async launch(start: AppStart): Promise<AppHandle> {
    // The agent keys an app's events by its label: each stretch of traffic of a search case
    // launches "receiver 0" again, so a later one is told apart by its run number.
    const runs = this.apps.filter((a) => a.options.label === start.label).length;
    const wireLabel = runs === 0 ? start.label : `${start.label} (run ${runs + 1})`;
    const app = new RemoteApp(this.session!, start, wireLabel);
    this.apps.push(app);
    const { epochNs, exec: _localOnly, netns, ...rest } = start;
    // Two-port apps start on their host and enter their ports' namespaces: a local case's only (check.ts).
    if (netns === undefined)
      throw new TestbedError(`${start.label}: a two-port app cannot be started on a remote host`);
    // The orchestrator's epoch as a delay: the agent turns it into its own CLOCK_MONOTONIC epoch.
    // Hosts agree on it to within the request's one-way delay.
    const epochInMs = Number(epochNs - process.hrtime.bigint()) / 1e6;
    const r = await this.session!.request<LaunchResult>({ op: 'launch', ...rest, netns, label: wireLabel, epochInMs });
    app.epochNs = BigInt(r.epochNs);
    return app;
  }

  assertAlive(): void {
    if (this.session && !this.session.alive)
      throw this.session.error(`connection to the agent lost during the case (${this.session.lostReason})`);
  }

  /** Tears the host's case down (the run's agent stays for the next case). */
  async tearDown(): Promise<string[]> {
    this.unlisten?.();
    return this.session ? this.ctx.hosts.release(this.spec) : [];
  }
}

/** An app on a remote host, seen through its agent's events. */
class RemoteApp implements AppHandle {
  readonly intervals: IntervalLine[] = [];
  start?: StartLine;
  summary?: SummaryLine;
  exitCode: number | null = null;
  exitSignal: string | null = null;
  stderr = '';
  epochNs = 0n;
  readonly options: Pick<AppOptions, 'role' | 'pair' | 'label'>;

  /** `wireLabel`: the agent's name for this app, unique within the case. */
  constructor(
    private readonly session: AgentSession,
    start: AppStart,
    private readonly wireLabel: string,
  ) {
    this.options = { role: start.role, pair: start.pair, label: start.label };
  }

  get running(): boolean {
    return this.exitCode === null && this.exitSignal === null && this.session.alive;
  }

  onEvent(e: AgentEvent): void {
    if (e.label !== this.wireLabel) return;
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

  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.start && this.running && Date.now() < deadline) await delay(20);
    if (!this.session.alive) throw this.session.error(`connection to the agent lost (${this.session.lostReason})`);
    if (!this.start)
      throw this.failure(this.running ? `not ready after ${timeoutMs} ms` : 'exited before it was ready');
  }

  async waitExit(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.running && Date.now() < deadline) await delay(20);
    return !this.running;
  }

  async stop(graceMs = 2000): Promise<void> {
    if (!this.running) return;
    const r = await this.session.request<{ exitCode: number | null; exitSignal: string | null }>(
      { op: 'stop', label: this.wireLabel, graceMs },
      graceMs * 2 + 5000,
    );
    this.exitCode = r.exitCode;
    this.exitSignal = r.exitSignal;
  }

  failure(what: string): TestbedError {
    if (!this.session.alive)
      return this.session.error(
        `connection to the agent lost while ${this.options.label} ran (${this.session.lostReason})`,
      );
    const status = this.exitSignal
      ? `killed by ${this.exitSignal}`
      : this.exitCode !== null
        ? `exit code ${this.exitCode}`
        : 'still running';
    const tail = this.stderr.split('\n').filter(Boolean).slice(-3).join(' | ');
    return new TestbedError(
      `${this.options.label} on ${this.session.host.name} ${what} (${status})${tail ? `: ${tail}` : ''}`,
    );
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
