// Where a case's apps run. A case has one host holding both sides (local) or two hosts holding
// one side each (remote: senders on the testbed's first host, receivers on the second); the case
// runner (case.ts) drives either through this one interface, and an app on either is an
// `AppHandle`. This file holds the interface and the local host; remote-host.ts the other.
import { AppProcess } from '../apps/app.js';
import type { IntervalLine, SummaryLine } from '../apps/protocol.js';
import { TestbedError } from '../common/errors.js';
import type { AppRole } from '../apps/protocol.js';
import type { CpuTopology } from '../testbed/cpus.js';
import type { Containers } from '../testbed/containers.js';
import type { Ledger } from '../testbed/ledger.js';
import type { AppSide, RunNames } from '../testbed/names.js';
import { Resources } from '../testbed/resources.js';
import { CpuSampler } from './cpu-sampler.js';
import { buildNetwork, type Endpoint, type Network, type NetworkSpec } from './network.js';

/** A running app, here or on a remote host: what the case runner needs of it. */
export interface AppHandle {
  readonly options: { role: AppRole; pair: number; label: string };
  readonly intervals: readonly IntervalLine[];
  readonly summary?: SummaryLine;
  readonly exitCode: number | null;
  readonly running: boolean;
  /** The CLOCK_MONOTONIC epoch, on the app's own host, that its intervals count from. */
  readonly epochNs: bigint;
  /** Resolves once the app printed its start line (bound and pinned). */
  waitReady(timeoutMs: number): Promise<void>;
  /** Resolves when the app exits; false if it did not within `timeoutMs`. */
  waitExit(timeoutMs: number): Promise<boolean>;
  /** SIGTERM (it prints its summary), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** An error naming the app (and its host), its exit status and its last stderr lines. */
  failure(what: string): TestbedError;
}

export interface CaseHost {
  /** `local`, or the testbed's name of the host. */
  readonly name: string;
  /** The sides whose apps run here. */
  readonly sides: readonly AppSide[];
  /** Extra time its launches take to arrive (a request over SSH), added to the start margin. */
  readonly launchDelayMs: number;
  /** Reaches the host (remote: its agent) and says which CPUs its apps and switch may use. */
  open(signal: AbortSignal): Promise<HostCpus>;
  /** Builds this host's part of the network (`names` and `sides` are the host's). */
  build(spec: Omit<NetworkSpec, 'sides'>, signal: AbortSignal): Promise<Endpoint[]>;
  /** Starts one app; its intervals count from `start.epochNs`, on the orchestrator's clock. */
  launch(start: AppStart): Promise<AppHandle>;
  /** Throws when something the case stands on died: a switch process, the agent or its connection. */
  assertAlive(): void;
  /** Samples the switch's busy threads and the kernel's time on `cpus` (where the host can: locally). */
  cpuSampler?(cpus: number[]): CpuSampler;
  /** Undoes everything the host built for the case; returns what could not be undone. */
  tearDown(): Promise<string[]>;
  /** Set-up time, for the progress lines of remote cases. */
  readonly timing?: { connectMs: number; buildMs: number };
}

/** What starts an app, wherever it runs: `args` come from appArgs (app-argv.ts), the same for every host. */
export interface AppStart {
  role: AppRole;
  pair: number;
  label: string;
  /** Its container's namespace; absent: it starts on the host (a two-port app enters its ports' namespaces itself, `--netns`). */
  netns?: string;
  /** An argv prefix that runs it inside its container (LXC); absent: `ip netns exec`. */
  exec?: string[];
  args: string[];
  epochNs: bigint;
}

export interface HostCpus extends CpuTopology {
  /** The kernel's boot id: two "hosts" with the same one are one machine (namespace hosts). */
  bootId?: string;
}

/**
 * The machine this process runs on: builds and launches itself. A local case's one host (both
 * sides); an agent serves its side of a remote case with one of these too, so the two never drift.
 */
export class LocalHost implements CaseHost {
  readonly name = 'local';
  readonly launchDelayMs = 0;
  readonly sides: readonly AppSide[];
  private readonly resources: Resources;
  private network?: Network;

  constructor(
    private readonly ctx: {
      names: RunNames;
      ledger: Ledger;
      topology: CpuTopology;
      containers: Containers;
      sides?: readonly AppSide[];
    },
  ) {
    this.resources = new Resources(ctx.ledger);
    this.sides = ctx.sides ?? ['s', 'r'];
  }

  async open(): Promise<HostCpus> {
    return this.ctx.topology;
  }

  async build(spec: Omit<NetworkSpec, 'sides'>, signal: AbortSignal): Promise<Endpoint[]> {
    this.network = await buildNetwork(
      { ...spec, sides: this.sides },
      { ...this.ctx, resources: this.resources, signal },
    );
    return this.network.endpoints;
  }

  async launch(start: AppStart, onLine?: (line: string) => void): Promise<AppProcess> {
    const app = new AppProcess({ ...start, ...(onLine ? { onLine } : {}) });
    if (app.pid !== undefined) this.resources.adoptProcess(start.label, app.pid, () => app.stop());
    return app;
  }

  assertAlive(): void {
    // A switch daemon that died takes the path with it: the figures would describe nothing.
    const dead = this.resources.deadVitals();
    if (dead.length > 0) throw new TestbedError(`switch process ${dead.join(', ')} died during the case`);
  }

  cpuSampler(cpus: number[]): CpuSampler {
    const sw = this.network?.sw;
    return new CpuSampler(() => sw?.cpuThreads() ?? [], cpus);
  }

  async tearDown(): Promise<string[]> {
    const errors = (await this.resources.releaseAll()).map((e) => e.message);
    const undoUplink = this.network?.undoUplink;
    this.network = undefined;
    try {
      await undoUplink?.();
    } catch (e: unknown) {
      errors.push(`restoring the uplink: ${e instanceof Error ? e.message : String(e)}`);
    }
    return errors;
  }
}
