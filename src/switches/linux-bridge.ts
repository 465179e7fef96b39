// linux-bridge: the kernel's learning bridge; each container joins it through a veth pair.
// Kernel switching spins no thread of its own: its cost shows up as softirq time on the CPUs
// of the applications (the sender's, with veth).
import { exec } from '../common/exec.js';
import { CONTAINER_IFNAME, configureInterface } from '../testbed/netns.js';
import { macFor } from '../testbed/names.js';
import type { RunNames } from '../testbed/names.js';
import type { Container } from '../testbed/netns.js';
import { deleteLink, type Resources } from '../testbed/resources.js';
import type { SwitchDriver } from './types.js';

export const linuxBridge: SwitchDriver = {
  name: 'linux-bridge',
  description: 'Linux kernel bridge, containers joined by veth pairs',
  busyThreads: 0,
  backends: ['udp', 'udp-mmsg', 'raw', 'raw-mmsg', 'af-xdp'],

  async probe() {
    const r = await exec(['ip', '-V'], { check: false }).catch(() => undefined);
    if (!r || r.exitCode !== 0) {
      return { available: false, reason: 'iproute2 (`ip`) is not installed', fix: 'apt-get install iproute2' };
    }
    return { available: true, version: r.stdout.trim().replace(/^ip utility, /, '') };
  },

  async start({ names, resources }) {
    const bridge = names.bridge;
    await resources.create({ kind: 'link', name: bridge },
      // No STP and no forwarding delay: ports forward as soon as they are up.
      () => exec(['ip', 'link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']),
      () => deleteLink(bridge));
    await exec(['ip', 'link', 'set', bridge, 'up']);

    return {
      async attach(container) {
        const hostEnd = await addContainerVeth(resources, names, container);
        await exec(['ip', 'link', 'set', hostEnd, 'master', bridge, 'up']);
        await configureInterface(container, CONTAINER_IFNAME);
        return { kind: 'kernel', ifname: CONTAINER_IFNAME };
      },
      cpuThreads: () => [],
      async stop() { /* the bridge and its ports are undone by `resources`, newest first */ },
    };
  },
};

/** A veth pair from the host (its end returned, named for the container) to the container's eth0, with their MACs. */
export async function addContainerVeth(resources: Resources, names: RunNames, container: Container): Promise<string> {
  const hostEnd = names.hostLink(container.side, container.pair);
  const hostMac = macFor(names.token, container.side, container.pair, 'host');
  await resources.create({ kind: 'link', name: hostEnd },
    () => exec(['ip', 'link', 'add', hostEnd, 'address', hostMac, 'type', 'veth', 'peer', 'name',
      CONTAINER_IFNAME, 'address', container.mac, 'netns', container.netns]),
    () => deleteLink(hostEnd));
  return hostEnd;
}
