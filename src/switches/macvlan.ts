// macvlan in bridge mode: each container gets a macvlan child (eth0, with the container's MAC) of
// one parent, and the macvlan driver itself forwards frames between siblings — nothing reaches
// the parent. This kernel has no dummy link type, so the parent is one end of a veth pair the
// driver creates (`nfp<token>mv`, peer `nfp<token>mp`), both up in the root namespace: macvlan
// children only carry traffic while their parent has carrier.
import { KERNEL_BACKENDS } from '../apps/backends.js';
import { exec } from '../common/exec.js';
import { CONTAINER_IFNAME, configureInterface, type Container } from '../testbed/netns.js';
import { PREFIX, type RunNames } from '../testbed/names.js';
import { deleteLink } from '../testbed/resources.js';
import { deleteLinkIn, pollUntil, readLink } from './readback.js';
import { iproute2Probe } from '../testbed/probes.js';
import type { SwitchDriver } from './types.js';

/** The parent veth pair of a run: the end the children hang from, and its peer. */
export function macvlanParent(names: RunNames): { parent: string; peer: string } {
  return { parent: `${PREFIX}${names.token}mv`, peer: `${PREFIX}${names.token}mp` };
}

export const macvlan: SwitchDriver<'macvlan'> = {
  name: 'macvlan',
  description: 'macvlan children in bridge mode on one parent (a veth end: no dummy links here)',
  busyThreads: 0,
  forwardsOnSenderCpu: true,
  backends: KERNEL_BACKENDS,

  probe: () => iproute2Probe(['ip']),

  async start({ names, resources }) {
    const { parent, peer } = macvlanParent(names);
    await resources.create(
      { kind: 'link', name: parent },
      () => exec(['ip', 'link', 'add', parent, 'type', 'veth', 'peer', 'name', peer]),
      () => deleteLink(parent),
    );
    await exec(['ip', 'link', 'set', peer, 'up']);
    await exec(['ip', 'link', 'set', parent, 'up']);

    return {
      async attach(container) {
        // Created in the root namespace under an nfp name, then moved in and renamed eth0.
        const child = `${PREFIX}${names.token}m${container.side}${container.pair}`;
        await resources.create(
          { kind: 'link', name: child },
          () =>
            exec([
              'ip',
              'link',
              'add',
              'link',
              parent,
              'name',
              child,
              'address',
              container.mac,
              'type',
              'macvlan',
              'mode',
              'bridge',
            ]),
          async () => {
            await deleteLinkIn(container.netns, CONTAINER_IFNAME);
            await deleteLink(child);
          },
        );
        await exec(['ip', 'link', 'set', 'dev', child, 'netns', container.netns, 'name', CONTAINER_IFNAME]);
        await configureInterface(container, CONTAINER_IFNAME);
        await verifyChild(container, parent);
        return { kind: 'kernel', ifname: CONTAINER_IFNAME };
      },
      cpuThreads: () => [],
      async stop() {
        /* the children and the parent are undone by `resources`, newest first */
      },
    };
  },
};

/** The container's eth0 is a bridge-mode macvlan of `parent`, with the container's MAC, and up. */
async function verifyChild(container: Container, parent: string): Promise<void> {
  const lower = await readLink(parent);
  await pollUntil(`macvlan ${container.netns}/${CONTAINER_IFNAME} in bridge mode on ${parent}, up`, async () => {
    const l = await readLink(CONTAINER_IFNAME, container.netns);
    if (!l || !lower) return `missing: ${!l ? `${container.netns}/${CONTAINER_IFNAME}` : parent}`;
    const kind = l.linkinfo?.info_kind;
    const mode = l.linkinfo?.info_data?.mode;
    if (kind !== 'macvlan' || mode !== 'bridge') return `kind ${kind}, mode ${mode}`;
    if (l.link_index !== lower.ifindex) return `lower device ifindex ${l.link_index}, expected ${lower.ifindex}`;
    if (l.address !== container.mac) return `MAC ${l.address}, expected ${container.mac}`;
    return l.operstate === 'UP' ? true : `operstate ${l.operstate}`;
  });
}
