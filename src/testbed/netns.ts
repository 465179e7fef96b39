// Containers as network namespaces (the default runtime): each one is `nfp-<token>-<side><pair>`,
// reached by its switch through one interface, with a static address and static neighbours
// (no ARP in the measured path: the first packets of a case are not lost to resolution).
import { exec } from '../common/exec.js';
import { addressFor, macFor, SUBNET_PREFIX_LEN, type AppSide, type RunNames } from './names.js';
import { deleteLink, deleteNetns, type Resources } from './resources.js';

export interface Container {
  /** Network namespace name. */
  netns: string;
  side: AppSide;
  pair: number;
  /** IPv4 address of its interface. */
  ip: string;
  /** MAC of its interface. */
  mac: string;
  /** The interface name inside the namespace, once attached. */
  ifname?: string;
  /**
   * How to run a program inside, for runtimes other than plain namespaces: an argv prefix whose
   * process forks the program (so signals go to its child). Absent: `ip netns exec netns`.
   */
  exec?: string[];
}

export const CONTAINER_IFNAME = 'eth0';

/**
 * The file of a named namespace, which a two-port app enters by path (`--netns`). An LXC
 * container's namespace is attached under the same name (lxc.ts), so the path serves both runtimes.
 */
export function netnsPath(name: string): string {
  return `/run/netns/${name}`;
}

export async function createContainer(
  resources: Resources,
  names: RunNames,
  side: AppSide,
  pair: number,
): Promise<Container> {
  const netns = names.netns(side, pair);
  await resources.create(
    { kind: 'netns', name: netns },
    () => exec(['ip', 'netns', 'add', netns]),
    () => deleteNetns(netns),
  );
  return containerIn(names, side, pair);
}

/** The container of (side, pair) once its namespace exists (whichever runtime made it): loopback up. */
export async function containerIn(names: RunNames, side: AppSide, pair: number): Promise<Container> {
  const netns = names.netns(side, pair);
  await exec(['ip', '-n', netns, 'link', 'set', 'lo', 'up']);
  return { netns, side, pair, ip: addressFor(side, pair), mac: macFor(names.token, side, pair, 'container') };
}

/** Gives the container's interface its address and brings it up. */
export async function configureInterface(container: Container, ifname: string): Promise<void> {
  container.ifname = ifname;
  await exec(['ip', '-n', container.netns, 'addr', 'add', `${container.ip}/${SUBNET_PREFIX_LEN}`, 'dev', ifname]);
  await exec(['ip', '-n', container.netns, 'link', 'set', ifname, 'up']);
}

/** A permanent neighbour entry so the kernel never ARPs for the peer during a measurement. */
export async function addNeighbor(container: Container, peer: Pick<Container, 'ip' | 'mac'>): Promise<void> {
  if (!container.ifname) throw new Error(`container ${container.netns} is not attached`);
  await exec([
    'ip',
    '-n',
    container.netns,
    'neigh',
    'replace',
    peer.ip,
    'lladdr',
    peer.mac,
    'dev',
    container.ifname,
    'nud',
    'permanent',
  ]);
}

/** `ip link add` arguments for a veth end with `queues` receive and transmit queues (none for one). */
export function vethQueueArgs(queues = 1): string[] {
  return queues > 1 ? ['numrxqueues', String(queues), 'numtxqueues', String(queues)] : [];
}

/**
 * A veth pair from the root namespace into the container: the host end `nfp<token><side><pair>`
 * (up, not yet in any switch), `eth0` inside with the container's MAC and address. The switch
 * then takes the host end (a bridge port, an OVS AF_XDP port, a tc redirect). Both ends get
 * `queues` receive and transmit queues: the container's so that an app can open one socket per
 * queue, the host's so that the kernel spreads what the switch sends in over the container end's
 * receive queues (a veth delivers to its peer's receive queue of the transmit queue used).
 */
export async function vethIntoContainer(
  resources: Resources,
  names: RunNames,
  container: Container,
  queues = 1,
): Promise<string> {
  const hostEnd = names.hostLink(container.side, container.pair);
  const hostMac = macFor(names.token, container.side, container.pair, 'host');
  await resources.create(
    { kind: 'link', name: hostEnd },
    () =>
      exec([
        'ip',
        'link',
        'add',
        hostEnd,
        'address',
        hostMac,
        ...vethQueueArgs(queues),
        'type',
        'veth',
        'peer',
        'name',
        CONTAINER_IFNAME,
        'address',
        container.mac,
        'netns',
        container.netns,
        ...vethQueueArgs(queues),
      ]),
    () => deleteLink(hostEnd),
  );
  await exec(['ip', 'link', 'set', hostEnd, 'up']);
  return hostEnd;
}
