// tc-redirect: no bridge. Each container joins through a veth pair as with linux-bridge, but
// the host end belongs to no bridge: a clsact qdisc on it holds one u32 filter that matches the
// peer's destination MAC and redirects the frame (mirred egress) out of the peer's host end, which
// delivers it into the peer's container. This kernel has neither `flower` nor `act_bpf`, so the
// 6-byte MAC is matched by u32 as two keys relative to the network header, where ingress
// classifiers see the packet: bytes 0-1 (u16 at -14) and bytes 2-5 (u32 at -12; u32 offsets must
// be multiples of 4). Frames to any other MAC are not redirected and end in the root namespace's
// stack, which drops them (the host ends have no address).
import { KERNEL_BACKENDS } from '../apps/backends.js';
import { exec } from '../common/exec.js';
import { CONTAINER_IFNAME, configureInterface, vethIntoContainer, type Container } from '../testbed/netns.js';
import type { RunNames } from '../testbed/names.js';
import type { Resources } from '../testbed/resources.js';
import { pollUntil, readIngressRedirects, readLink } from './readback.js';
import { iproute2Probe } from '../testbed/probes.js';
import type { SwitchDriver } from './types.js';

/** The u32 keys (`match … at …`) that select frames whose destination MAC is `mac`. */
export function destinationMacKeys(mac: string): string[] {
  const hex = mac.split(':').join('');
  if (!/^[0-9a-f]{12}$/i.test(hex)) throw new TypeError(`bad MAC ${mac}`);
  return [
    'match',
    'u16',
    `0x${hex.slice(0, 4)}`,
    '0xffff',
    'at',
    '-14',
    'match',
    'u32',
    `0x${hex.slice(4)}`,
    '0xffffffff',
    'at',
    '-12',
  ];
}

export const tcRedirect: SwitchDriver<'tc-redirect'> = {
  name: 'tc-redirect',
  description: 'tc ingress u32 match on the destination MAC + mirred redirect between veth host ends (no bridge)',
  busyThreads: 0,
  forwardsOnSenderCpu: true,
  backends: KERNEL_BACKENDS,

  probe: () => iproute2Probe(['ip', 'tc']),

  async start({ names, resources }) {
    return {
      async attachPair(sender, receiver) {
        const senderEnd = await hostEnd(names, resources, sender);
        const receiverEnd = await hostEnd(names, resources, receiver);
        // The qdisc and its filter live on our own host end and go with it; no other device is touched.
        await redirect(senderEnd, receiver.mac, receiverEnd);
        await redirect(receiverEnd, sender.mac, senderEnd);
        await verifyRedirect(senderEnd, receiverEnd);
        await verifyRedirect(receiverEnd, senderEnd);
        return [
          { kind: 'kernel', ifname: CONTAINER_IFNAME },
          { kind: 'kernel', ifname: CONTAINER_IFNAME },
        ];
      },
      cpuThreads: () => [],
      async stop() {
        /* the host ends (with their qdiscs and filters) are undone by `resources` */
      },
    };
  },
};

/** A veth pair into the container, its end inside addressed: the host end carries the redirect. */
async function hostEnd(names: RunNames, resources: Resources, container: Container): Promise<string> {
  const end = await vethIntoContainer(resources, names, container);
  await configureInterface(container, CONTAINER_IFNAME);
  return end;
}

/** On `from`'s ingress: frames to `mac` leave through `to` (and so enter `to`'s container). */
async function redirect(from: string, mac: string, to: string): Promise<void> {
  await exec(['tc', 'qdisc', 'add', 'dev', from, 'clsact']);
  await exec([
    'tc',
    'filter',
    'add',
    'dev',
    from,
    'ingress',
    'protocol',
    'all',
    'pref',
    '1',
    'u32',
    ...destinationMacKeys(mac),
    'action',
    'mirred',
    'egress',
    'redirect',
    'dev',
    to,
  ]);
}

async function verifyRedirect(from: string, to: string): Promise<void> {
  await pollUntil(`tc redirect ${from} -> ${to}, both ends up`, async () => {
    const redirects = await readIngressRedirects(from);
    if (redirects.length !== 1 || redirects[0]!.toDev !== to || redirects[0]!.direction !== 'egress') {
      return `redirects on ${from}: ${JSON.stringify(redirects)}`;
    }
    const link = await readLink(from);
    return link?.operstate === 'UP' ? true : `${from} operstate ${link?.operstate}`;
  });
}
