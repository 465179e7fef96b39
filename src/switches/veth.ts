// veth: no switch at all. Each application pair gets its own veth cable, one end in the sender's
// container and the other in the receiver's, both named eth0 there. Any number of pairs works,
// since no two pairs share anything. Like every kernel path it spins no thread: the receive work
// runs in softirq on the sender's CPU.
import { KERNEL_BACKENDS } from '../apps/backends.js';
import { exec } from '../common/exec.js';
import { CONTAINER_IFNAME, configureInterface, vethQueueArgs, type Container } from '../testbed/netns.js';
import { deleteLink } from '../testbed/resources.js';
import { deleteLinkIn, pollUntil, readLink } from './readback.js';
import { iproute2Probe } from '../testbed/probes.js';
import type { SwitchDriver } from './types.js';

export const veth: SwitchDriver<'veth'> = {
  name: 'veth',
  description: 'a direct veth pair per application pair (no switch)',
  busyThreads: 0,
  forwardsOnSenderCpu: true,
  backends: KERNEL_BACKENDS,
  queues: true,

  probe: () => iproute2Probe(['ip']),

  async start({ names, resources, queues }) {
    return {
      async attachPair(sender, receiver) {
        // Both ends are created in the root namespace under nfp names (so a crash leaves nothing
        // `nfvperf cleanup` cannot find), then moved into the containers and renamed eth0.
        const senderEnd = names.hostLink(sender.side, sender.pair);
        const receiverEnd = names.hostLink(receiver.side, receiver.pair);
        await resources.create(
          { kind: 'link', name: senderEnd },
          () =>
            exec([
              'ip',
              'link',
              'add',
              senderEnd,
              'address',
              sender.mac,
              ...vethQueueArgs(queues),
              'type',
              'veth',
              'peer',
              'name',
              receiverEnd,
              'address',
              receiver.mac,
              ...vethQueueArgs(queues),
            ]),
          async () => {
            // Deleting either end removes the pair, wherever it is now.
            await deleteLinkIn(sender.netns, CONTAINER_IFNAME);
            await deleteLink(senderEnd);
          },
        );
        await moveInto(senderEnd, sender);
        await moveInto(receiverEnd, receiver);
        await configureInterface(sender, CONTAINER_IFNAME);
        await configureInterface(receiver, CONTAINER_IFNAME);
        await verifyCable(sender, receiver);
        return [
          { kind: 'kernel', ifname: CONTAINER_IFNAME },
          { kind: 'kernel', ifname: CONTAINER_IFNAME },
        ];
      },
      cpuThreads: () => [],
      async stop() {
        /* each cable is undone by `resources`, newest first */
      },
    };
  },
};

async function moveInto(ifname: string, container: Container): Promise<void> {
  await exec(['ip', 'link', 'set', 'dev', ifname, 'netns', container.netns, 'name', CONTAINER_IFNAME]);
}

/** Both ends are up and each one's peer is the other: the pair's packets have one way to go. */
async function verifyCable(sender: Container, receiver: Container): Promise<void> {
  await pollUntil(
    `veth ${sender.netns}/${CONTAINER_IFNAME} <-> ${receiver.netns}/${CONTAINER_IFNAME} up and joined`,
    async () => {
      const s = await readLink(CONTAINER_IFNAME, sender.netns);
      const r = await readLink(CONTAINER_IFNAME, receiver.netns);
      if (!s || !r) return `missing: ${!s ? sender.netns : receiver.netns}`;
      if (s.link_index !== r.ifindex || r.link_index !== s.ifindex) {
        return `peers are ifindex ${s.link_index} and ${r.link_index}, expected ${r.ifindex} and ${s.ifindex}`;
      }
      if (s.address !== sender.mac || r.address !== receiver.mac) return `MACs ${s.address}, ${r.address}`;
      return s.operstate === 'UP' && r.operstate === 'UP' ? true : `operstate ${s.operstate}, ${r.operstate}`;
    },
  );
}
