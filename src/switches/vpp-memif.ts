// vpp-memif: the VPP of the vpp driver (vpp-common.ts) with memif ports instead of vhost-user, for
// the dpdk backend's net_memif: one memif socket per container, VPP its server (`master`), the
// app's net_memif the client; every port up in L2 bridge domain 1. Unlike the memif switch, a
// pair's apps are not linked to each other: each has its own link to VPP, which switches between
// them, so the runner treats it as any switch (receivers ready first, senders stop first), and
// the apps need not wait for VPP to leave first (`switchServes`).
import { vppDriver } from './vpp-common.js';

export const vppMemif = vppDriver({
  name: 'vpp-memif',
  description: 'FD.io VPP L2 bridge domain, containers on memif ports (VPP the memif server)',
  socketDir: 'memif',
  async connect(sw, socketPath) {
    // One socket per container.
    const socketId = sw.nextMemifSocketId();
    await sw.configure(['create', 'memif', 'socket', 'id', String(socketId), 'filename', socketPath]);
    // This one prints nothing when it works; VPP names the interface memif<socket id>/<id>.
    await sw.configure(['create', 'interface', 'memif', 'id', '0', 'socket-id', String(socketId), 'master']);
    const name = `memif${socketId}/0`;
    await sw.bridge(name);
    await sw.readBackMemif(name, socketId);
    return { kind: 'memif', socketPath, role: 'client', id: 0, switchServes: true };
  },
});
