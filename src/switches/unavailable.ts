// Drivers that only probe: switches this version of nfvperf names but cannot run yet. probe()
// says exactly what is missing on this host and what would fix it; start() refuses, so such a
// switch never pretends to run (plans naming it are refused before the host is touched).
import { TestbedError } from '../common/errors.js';
import type { BackendName } from '../plan/schema.js';
import { probeFrom, type Missing, type Probe } from '../testbed/probes.js';
import type { SwitchDriver } from './types.js';

export function probeOnlyDriver<Name extends string>(spec: {
  name: Name;
  description: string;
  busyThreads: number;
  backends: readonly BackendName[];
  probe(): Promise<Probe>;
}): SwitchDriver<Name> {
  return {
    ...spec,
    async start() {
      const p = await spec.probe();
      throw new TestbedError(`switch ${spec.name} cannot run here: ${p.reason ?? 'no driver'}`);
    },
  };
}

/**
 * Folds the missing prerequisites of a switch into one unavailable probe: every reason, joined,
 * and every fix, in order. When nothing is missing, the switch still has no driver in this version.
 */
export function unavailable(missing: readonly Missing[], version?: string): Probe {
  if (missing.length > 0) return probeFrom(missing, version);
  return {
    available: false,
    reason: 'every prerequisite is present, but this version of nfvperf has no driver for it yet',
    fix: 'implement its driver in src/switches/',
    version,
  };
}
