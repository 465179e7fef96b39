// ovs: Open vSwitch with DPDK (the netdev datapath), containers on vhost-user ports served by the
// apps' virtio_user. Probe only until the app has its dpdk backend. (The kernel OVS datapath is
// out of reach too: this kernel has no openvswitch module and cannot load one.)
import { packageVersion, unavailable, versionLine, which } from './probes.js';
import { needAppBackend, needHugepages, probeOnlyDriver, type Missing } from './unavailable.js';

export const ovs = probeOnlyDriver({
  name: 'ovs',
  description: 'Open vSwitch with DPDK (netdev datapath), containers on vhost-user ports (probe only)',
  busyThreads: 1,
  backends: ['dpdk'],
  async probe() {
    const pkg = await packageVersion('openvswitch-switch-dpdk');
    const vswitchd = which('ovs-vswitchd');
    const version = vswitchd ? await versionLine([vswitchd, '--version']) : pkg;
    const missing: Missing[] = [];
    if (!pkg) {
      missing.push({
        reason: 'openvswitch-switch-dpdk is not installed (`dpkg-query -W openvswitch-switch-dpdk`: no package)',
        fix: 'apt-get install openvswitch-switch-dpdk && update-alternatives --set ovs-vswitchd /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk',
      });
    }
    missing.push(...needHugepages(), ...(await needAppBackend('dpdk')));
    return unavailable(missing, version);
  },
});
