// vpp: FD.io VPP as the paper ran it — a private VPP per case (vpp-common.ts), one vhost-user port
// per container (`create vhost-user socket <sock> server`: VPP serves the socket, the app's
// virtio_user device connects to it), every port up in L2 bridge domain 1. VPP's one worker
// thread polls every port on the switch's CPU. VPP removes its vhost-user sockets when it exits.
import { vppDriver } from './vpp-common.js';

export const vpp = vppDriver({
  name: 'vpp',
  description:
    'FD.io VPP L2 bridge domain (its native vhost-user driver, no DPDK plugin), containers on vhost-user ports',
  socketDir: 'vhost',
  async connect(sw, socketPath) {
    const name = await sw.createInterface(['create', 'vhost-user', 'socket', socketPath, 'server']);
    await sw.bridge(name);
    await sw.readBackVhostUser(name, socketPath);
    return { kind: 'vhost-user', socketPath, server: false };
  },
});
