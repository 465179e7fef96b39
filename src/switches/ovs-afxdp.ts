// ovs-afxdp: Open vSwitch's userspace (netdev) datapath with the containers' veth host ends as
// `type=afxdp` ports; the apps keep kernel sockets. Probe only.
import { packageVersion, unavailable, versionLine, which } from './probes.js';
import { probeOnlyDriver, type Missing } from './unavailable.js';

export const ovsAfxdp = probeOnlyDriver({
  name: 'ovs-afxdp',
  description: 'Open vSwitch netdev datapath with AF_XDP veth ports (probe only)',
  busyThreads: 1,
  backends: ['udp', 'udp-mmsg'],
  async probe() {
    // Debian's AF_XDP-capable ovs-vswitchd ships in the DPDK build.
    const pkg = await packageVersion('openvswitch-switch-dpdk');
    const vswitchd = which('ovs-vswitchd');
    const version = vswitchd ? await versionLine([vswitchd, '--version']) : pkg;
    const missing: Missing[] = [];
    if (!pkg) {
      missing.push({
        reason: 'openvswitch-switch-dpdk (the ovs-vswitchd built with AF_XDP) is not installed (`dpkg-query -W openvswitch-switch-dpdk`: no package)',
        fix: 'apt-get install openvswitch-switch-dpdk && update-alternatives --set ovs-vswitchd /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk',
      });
    }
    return unavailable(missing, version);
  },
});
