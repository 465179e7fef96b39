// The one interface every virtual switch driver implements (see DESIGN.md).
// Life cycle: probe() any time; start() once per case; attach() and cpuThreads() only between
// start() and stop(); stop() is idempotent and safe after a partial start.
import type { BackendName, SwitchName } from '../plan/schema.js';
import type { Resources } from '../testbed/resources.js';
import type { RunNames } from '../testbed/names.js';
import type { Container } from '../testbed/netns.js';

export interface Probe {
  available: boolean;
  /** Why not, in one line, when unavailable. */
  reason?: string;
  /** What would make it available (a command to run, hardware to add). */
  fix?: string;
  version?: string;
}

/** What an application needs to reach the switch from inside its container. */
export type PortSpec = { kind: 'kernel'; ifname: string };

export interface SwitchContext {
  names: RunNames;
  resources: Resources;
  /** CPUs the switch may spin on (empty for kernel switches, which spin none). */
  cpus: number[];
}

export interface SwitchInstance {
  /** Connects a container; returns the port its application uses. */
  attach(container: Container): Promise<PortSpec>;
  /** Processes or threads the switch keeps busy, for CPU accounting (none for kernel switches). */
  cpuThreads(): { name: string; pid: number; tid?: number }[];
  /** Tears the switch down; teardown is registered with `resources`, so this may be a no-op. */
  stop(): Promise<void>;
}

export interface SwitchDriver {
  name: SwitchName;
  /** One line for `nfvperf doctor`. */
  description: string;
  /** Busy threads the switch itself needs (PMDs), so the testbed can give them cores. */
  busyThreads: number;
  /** The app backends that can talk through this switch. */
  backends: readonly BackendName[];
  probe(): Promise<Probe>;
  start(ctx: SwitchContext): Promise<SwitchInstance>;
}
