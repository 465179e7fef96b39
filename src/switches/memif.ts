// memif: no switch; each pair's apps share a memif (shared-memory) interface through DPDK's
// net_memif PMD, one side server and the other client. Probe only: the app has no dpdk backend yet.
import { packageVersion, unavailable } from './probes.js';
import { needAppBackend, probeOnlyDriver, type Missing } from './unavailable.js';

export const memif = probeOnlyDriver({
  name: 'memif',
  description: "a direct memif link per application pair (DPDK net_memif, probe only)",
  busyThreads: 0,
  backends: ['dpdk'],
  async probe() {
    const version = await packageVersion('libdpdk-dev');
    const missing: Missing[] = [];
    if (!version) {
      missing.push({ reason: 'DPDK is not installed (`dpkg-query -W libdpdk-dev`: no package)', fix: 'apt-get install dpdk libdpdk-dev' });
    }
    missing.push(...(await needAppBackend('dpdk')));
    return unavailable(missing, version);
  },
});
