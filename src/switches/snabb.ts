// snabb: the Snabb (LuaJIT) software switch, containers on vhost-user ports. Probe only: Snabb
// is not packaged anywhere reachable and is built from source.
import { needAppBackend, needHugepages, versionLine, which, type Missing } from '../testbed/probes.js';
import { probeOnlyDriver, unavailable } from './unavailable.js';

export const snabb = probeOnlyDriver({
  name: 'snabb',
  description: 'Snabb software switch, containers on vhost-user ports (probe only)',
  busyThreads: 1,
  backends: ['dpdk'],
  async probe() {
    const path = which('snabb');
    const version = path ? await versionLine([path, '--version']) : undefined;
    const missing: Missing[] = [];
    if (!path) {
      missing.push({
        reason: 'Snabb is not installed (no `snabb` on PATH; it is not packaged for Debian)',
        fix: 'build Snabb from its source (the snabbco/snabb project: make, then install src/snabb on the PATH)',
      });
    }
    missing.push(...needHugepages(), ...(await needAppBackend('dpdk')));
    return unavailable(missing, version);
  },
});
