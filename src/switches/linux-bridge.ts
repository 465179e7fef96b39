// linux-bridge: the kernel's learning bridge; each container joins it through a veth pair.
// Kernel switching spins no thread of its own: its cost shows up as softirq time on the CPUs
// of the applications (the sender's, with veth).
import { KERNEL_BACKENDS } from '../apps/backends.js';
import { exec } from '../common/exec.js';
import { CONTAINER_IFNAME, configureInterface, vethIntoContainer } from '../testbed/netns.js';
import { deleteLink } from '../testbed/resources.js';
import { isUp, pollUntil, readLink } from './readback.js';
import type { SwitchDriver } from './types.js';

export const linuxBridge: SwitchDriver<'linux-bridge'> = {
  name: 'linux-bridge',
  description: 'Linux kernel bridge, containers joined by veth pairs',
  busyThreads: 0,
  forwardsOnSenderCpu: true,
  backends: KERNEL_BACKENDS,
  queues: true,

  async probe() {
    const r = await exec(['ip', '-V'], { check: false }).catch(() => undefined);
    if (!r || r.exitCode !== 0) {
      return { available: false, reason: 'iproute2 (`ip`) is not installed', fix: 'apt-get install iproute2' };
    }
    return { available: true, version: r.stdout.trim().replace(/^ip utility, /, '') };
  },

  async start({ names, resources, queues }) {
    const bridge = names.bridge;
    await resources.create(
      { kind: 'link', name: bridge },
      // No STP and no forwarding delay: ports forward as soon as they are up.
      () => exec(['ip', 'link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']),
      () => deleteLink(bridge),
    );
    await exec(['ip', 'link', 'set', bridge, 'up']);

    return {
      async attach(container) {
        const hostEnd = await vethIntoContainer(resources, names, container, queues);
        await exec(['ip', 'link', 'set', hostEnd, 'master', bridge]);
        await configureInterface(container, CONTAINER_IFNAME);
        return { kind: 'kernel', ifname: CONTAINER_IFNAME };
      },
      cpuThreads: () => [],
      async stop() {
        /* the bridge and its ports are undone by `resources`, newest first */
      },
    };
  },

  // The uplink becomes a port of the case's bridge. It is not ours, so it is not in the ledger
  // (cleanup must never delete it): deleting the bridge releases it, and the undo step puts
  // back its link state.
  async joinUplink({ names, uplink }) {
    const before = await readLink(uplink);
    if (!before) throw new Error(`the uplink ${uplink} does not exist on this host`);
    if (before.master) throw new Error(`the uplink ${uplink} is already a port of ${before.master}`);
    const wasUp = isUp(before);
    await exec(['ip', 'link', 'set', uplink, 'master', names.bridge, 'up']);
    await pollUntil(`${uplink} is a port of ${names.bridge}`, async () => {
      const l = await readLink(uplink);
      return l?.master === names.bridge ? true : `master ${l?.master ?? 'none'}`;
    });
    return async () => {
      const now = await readLink(uplink);
      if (now?.master) await exec(['ip', 'link', 'set', uplink, 'nomaster']);
      if (!wasUp) await exec(['ip', 'link', 'set', uplink, 'down']);
    };
  },
};
