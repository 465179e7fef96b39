// ovs: Open vSwitch with DPDK, the paper's setup: the netdev (userspace) datapath, one learning
// bridge (actions=NORMAL), one `dpdkvhostuserclient` port per container. OVS is the vhost-user
// client: each app's virtio_user device serves the socket (`server=1`) and OVS connects to it.
// (The kernel OVS datapath is out of reach: this kernel has no openvswitch module.)
import { reserveHugepages } from '../testbed/hugepages.js';
import { ensureRunDir, runPath } from '../testbed/rundir.js';
import { DPDK_APP_MEM_MB, needHugepagesWritable } from './dpdk-port.js';
import { joinOvsUplink, Ovs, ovsMissing } from './ovs-common.js';
import { needAppBackend, probeFrom, type Missing } from '../testbed/probes.js';
import type { SwitchDriver } from './types.js';

export const ovs: SwitchDriver<'ovs'> = {
  name: 'ovs',
  description: 'Open vSwitch with DPDK (netdev datapath), containers on vhost-user ports',
  busyThreads: 1,
  backends: ['dpdk'],

  async probe() {
    const { missing, version } = await ovsMissing();
    const all: Missing[] = [...missing, ...needHugepagesWritable(), ...(await needAppBackend('dpdk'))];
    return probeFrom(all, version);
  },

  async start(ctx) {
    const { names, resources } = ctx;
    const sw = await Ovs.start(ctx, { dpdk: true });
    await sw.addBridge(resources, names.bridge);
    const socketDir = await ensureRunDir(resources, runPath(names.fileToken, 'vhost'));
    return {
      async attach(container) {
        // The app's memory comes from hugepages too; reserve it with the port.
        await reserveHugepages(resources, DPDK_APP_MEM_MB);
        const socketPath = `${socketDir}/${container.side}${container.pair}.sock`;
        // Ports are rows of our private database: they go with ovs-vswitchd and its directory.
        await sw.addPort(names.bridge, names.hostLink(container.side, container.pair), 'dpdkvhostuserclient', {
          'vhost-server-path': socketPath,
        });
        return { kind: 'vhost-user', socketPath, server: true };
      },
      cpuThreads: () => sw.pmdThreads(),
      async stop() {
        /* the daemons, directories and hugepages are undone by `resources`, newest first */
      },
      ovs: sw,
    } as OvsInstance;
  },

  joinUplink: joinOvsUplink,
};

/** The running switch, with its OVS exposed for read-back (tests, diagnostics). */
export type OvsInstance = Awaited<ReturnType<SwitchDriver['start']>> & { ovs: Ovs };
