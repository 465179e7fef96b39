// basicfwd: DPDK's skeleton forwarder (examples/skeleton/basicfwd.c) between two vhost-user ports,
// the paper's baseline DPDK switch. Probe only: neither the forwarder nor the app's dpdk backend
// exists yet.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../apps/app.js';
import { packageVersion, unavailable } from './probes.js';
import { needAppBackend, probeOnlyDriver, type Missing } from './unavailable.js';

export const BASICFWD_BINARY = join(PACKAGE_ROOT, 'native', 'build', 'nfvperf-basicfwd');

export const basicfwd = probeOnlyDriver({
  name: 'basicfwd',
  description: 'DPDK basicfwd forwarder between vhost-user ports (probe only)',
  busyThreads: 1,
  backends: ['dpdk'],
  async probe() {
    const version = await packageVersion('libdpdk-dev');
    const missing: Missing[] = [];
    if (!version) {
      missing.push({ reason: 'DPDK is not installed (`dpkg-query -W libdpdk-dev`: no package)', fix: 'apt-get install dpdk libdpdk-dev' });
    }
    if (!existsSync(BASICFWD_BINARY)) {
      missing.push({ reason: `the forwarder is not built (${BASICFWD_BINARY} is missing; native/ has no basicfwd yet)`, fix: 'add the basicfwd forwarder to native/, then npm run build' });
    }
    missing.push(...(await needAppBackend('dpdk')));
    return unavailable(missing, version);
  },
});
