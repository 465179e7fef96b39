// Drivers that only probe: switches this version of nfvperf names but cannot run yet. probe()
// says exactly what is missing on this host and what would fix it; start() refuses, so such a
// switch never pretends to run (plans naming it are refused before the host is touched).
import { TestbedError } from '../common/errors.js';
import type { BackendName } from '../plan/schema.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../apps/app.js';
import { appBackends, hugepages, packageVersion } from './probes.js';
import type { Probe, SwitchDriver } from './types.js';

export interface Missing { reason: string; fix: string }

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

/** The probe of a driver that can run when nothing is `missing`. */
export function probeFrom(missing: readonly Missing[], version?: string): Probe {
  return missing.length === 0 ? { available: true, version }
    : { available: false, reason: missing.map((m) => m.reason).join('; '), fix: missing.map((m) => m.fix).join('; '), version };
}

/** Missing when no 2 MB hugepages are reserved (DPDK-based switches need them). */
export function needHugepages(): Missing[] {
  const hp = hugepages();
  return hp.total > 0 ? [] : [{
    reason: 'no 2 MB hugepages are reserved (/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages is 0)',
    fix: 'echo 1024 > /proc/sys/vm/nr_hugepages',
  }];
}

/** Missing when nfvperf-app was built without `backend`. */
export async function needAppBackend(backend: BackendName): Promise<Missing[]> {
  const app = appBackends();
  if (app.error) return [{ reason: `nfvperf-app cannot be asked for its backends: ${app.error}`, fix: 'npm run build' }];
  if (app.backends.includes(backend)) return [];
  const source = join(PACKAGE_ROOT, 'native', 'src', 'backends', `${backend.replace('-', '_')}.c`);
  const devPackages = BACKEND_PACKAGES[backend] ?? [];
  const absent = (await Promise.all(devPackages.map(async (p) => ((await packageVersion(p)) ? [] : [p])))).flat();
  const install = absent.length > 0 ? `apt-get install ${absent.join(' ')} && ` : '';
  const built = `it was built with ${app.backends.join(', ')}`;
  return [existsSync(source)
    ? { reason: `nfvperf-app has no ${backend} backend (${built}, though ${source} exists)`, fix: `${install}npm run build` }
    : { reason: `nfvperf-app has no ${backend} backend (${built}; ${source} is not written yet)`, fix: `${install}write ${source}, then npm run build` }];
}

/** Debian packages a backend builds against. */
const BACKEND_PACKAGES: Partial<Record<BackendName, string[]>> = {
  dpdk: ['libdpdk-dev'],
  'af-xdp': ['libxdp-dev', 'libbpf-dev'],
};
