// ovs-afxdp: the same private Open vSwitch (netdev datapath, learning bridge) with the containers'
// veth host ends as `type=afxdp` ports in native XDP mode, polled by the PMD thread; the apps keep
// kernel sockets. No DPDK initialisation and no hugepages.
import { exec } from '../common/exec.js';
import { CONTAINER_IFNAME, configureInterface, vethIntoContainer } from '../testbed/netns.js';
import { joinOvsUplink, Ovs, ovsMissing } from './ovs-common.js';
import type { OvsInstance } from './ovs.js';
import type { SwitchDriver } from './types.js';
import { probeFrom } from '../testbed/probes.js';

export const ovsAfxdp: SwitchDriver<'ovs-afxdp'> = {
  name: 'ovs-afxdp',
  description: 'Open vSwitch netdev datapath with AF_XDP veth ports',
  busyThreads: 1,
  // The apps are on ordinary kernel interfaces: sockets, and the raw backends, whose own headers
  // carry the flows of a `flows` sweep (a kernel UDP socket has one 5-tuple).
  backends: ['udp', 'udp-mmsg', 'raw', 'raw-mmsg'],

  async probe() {
    const { missing, version } = await ovsMissing();
    return probeFrom(missing, version);
  },

  async start(ctx) {
    const { names, resources } = ctx;
    const sw = await Ovs.start(ctx, { dpdk: false });
    await sw.addBridge(resources, names.bridge);
    return {
      async attach(container) {
        const hostEnd = await vethIntoContainer(resources, names, container);
        // Frames leave the veth through XDP, past the point where the kernel would complete a
        // checksum it offloaded: the container's end must checksum in software, or every UDP
        // checksum arrives bad and the receiver's kernel drops the datagram.
        await exec(['ip', 'netns', 'exec', container.netns, 'ethtool', '-K', CONTAINER_IFNAME, 'tx', 'off']);
        await configureInterface(container, CONTAINER_IFNAME);
        await sw.addPort(names.bridge, hostEnd, 'afxdp', { 'xdp-mode': 'native' });
        return { kind: 'kernel', ifname: CONTAINER_IFNAME };
      },
      cpuThreads: () => sw.pmdThreads(),
      async stop() {
        /* undone by `resources`, newest first: veths, then ovs-vswitchd, ovsdb-server */
      },
      ovs: sw,
    } as OvsInstance;
  },

  joinUplink: joinOvsUplink,
};
