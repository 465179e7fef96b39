// vpp (FD.io Vector Packet Processing): an L2 bridge domain in VPP, containers joined by memif or
// vhost-user. Probe only: VPP is not packaged for Debian 12.
import { needAppBackend, needHugepages, packageVersion, which, type Missing } from '../testbed/probes.js';
import { probeOnlyDriver, unavailable } from './unavailable.js';

export const vpp = probeOnlyDriver({
  name: 'vpp',
  description: 'FD.io VPP L2 bridge domain, containers on memif/vhost-user ports (probe only)',
  busyThreads: 1,
  backends: ['dpdk'],
  async probe() {
    const version = await packageVersion('vpp');
    const missing: Missing[] = [];
    if (!version && !which('vpp')) {
      missing.push({
        reason: 'VPP is not installed (no `vpp` package, no `vpp` on PATH): Debian 12 does not package it',
        fix: 'add FD.io\'s VPP package repository (see FD.io\'s installation guide), then apt-get install vpp vpp-plugin-core vpp-plugin-dpdk',
      });
    }
    missing.push(...needHugepages(), ...(await needAppBackend('dpdk')));
    return unavailable(missing, version);
  },
});
