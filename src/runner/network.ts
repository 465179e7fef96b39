// One host's part of a case's network: the switch, the containers of the sides this host holds,
// link by link (a link is two ports that talk to each other: a pair's sender and receiver, or one
// hop of a tester's or a chain's path, topology.ts), each attached to the switch, static neighbours, and — when the case spans two hosts — the
// switch joined to the host's uplink. A local case builds both sides here; each agent of a remote
// case builds its one side with this same function (src/agent/agent.ts).
import { TestbedError } from '../common/errors.js';
import type { SwitchOptions } from '../plan/expand.js';
import type { BackendName, SwitchName } from '../plan/schema.js';
import { appFilePrefix } from '../switches/dpdk-port.js';
import { driverFor } from '../switches/index.js';
import { connectPair, type PortSpec, type SwitchInstance } from '../switches/types.js';
import type { Containers } from '../testbed/containers.js';
import { addressFor, macFor, type AppSide, type RunNames } from '../testbed/names.js';
import { addNeighbor, type Container } from '../testbed/netns.js';
import type { Resources } from '../testbed/resources.js';

export interface NetworkSpec {
  switch: SwitchName;
  /** The apps' backend: a switch whose ports differ by backend (sriov: a netdev or a vfio-pci device) asks. */
  backend: BackendName;
  /** The plan's settings of this switch (`sriov:`; local plans only: such switches do not span hosts). */
  switchOptions?: SwitchOptions;
  /** Links: each two containers, a sending (`s`) and a receiving (`r`) end (topology.ts). */
  links: number;
  /** Queues per container port (the case's `queues`), for a switch that gives them; absent: 1. */
  queues?: number;
  /** The sides whose containers this host holds: both locally, one on each host of a remote case. */
  sides: readonly AppSide[];
  /** CPUs the switch's busy threads may spin on. */
  switchCpus: number[];
  /** The CPU of the app holding each port (an LXC container's cpuset is exactly that CPU). */
  appCpu(side: AppSide, link: number): number;
  /** The host's physical link, joined to the switch when the peers are on another host. */
  uplink?: string;
}

/** A container with the port its app uses: what an app's argv is built from. */
export interface Endpoint {
  side: AppSide;
  /** Its link (a pair's number, in layout pairs). */
  pair: number;
  netns: string;
  /** How to run a program inside it, for runtimes other than plain namespaces (LXC). */
  exec?: string[];
  ip: string;
  mac: string;
  /** Its kernel interface, when the port is one. */
  ifname?: string;
  port: PortSpec;
  /** A dpdk app's EAL file prefix: nfp-named with this host's file token, so cleanup finds its files. */
  filePrefix: string;
}

export interface Network {
  sw: SwitchInstance;
  endpoints: Endpoint[];
  /** Puts the uplink back as it was found; run after the switch is torn down. */
  undoUplink?: () => Promise<void>;
}

/** Builds the network; every step's undo is registered with `resources` before the step. */
export async function buildNetwork(
  spec: NetworkSpec,
  env: { names: RunNames; resources: Resources; containers: Containers; signal?: AbortSignal },
): Promise<Network> {
  const driver = driverFor(spec.switch);
  if (!driver) throw new TestbedError(`no driver for switch ${spec.switch}`);
  const { names, resources, containers } = env;
  if (spec.uplink !== undefined && !driver.joinUplink) {
    throw new TestbedError(`switch ${spec.switch} cannot be joined to an uplink, so it cannot span two hosts`);
  }
  const sw = await driver.start({
    names,
    resources,
    cpus: spec.switchCpus,
    backend: spec.backend,
    options: spec.switchOptions,
    ...(spec.queues ? { queues: spec.queues } : {}),
  });
  const network: Network = { sw, endpoints: [] };
  if (spec.uplink !== undefined)
    network.undoUplink = await driver.joinUplink!({ names, resources, uplink: spec.uplink, sw });
  for (let pair = 0; pair < spec.links; pair++) {
    const made: Container[] = [];
    for (const side of spec.sides)
      made.push(await containers.create(resources, side, pair, { cpu: spec.appCpu(side, pair) }));
    const ports = await attach(sw, made, spec.switch);
    for (const [i, c] of made.entries()) {
      // DPDK ports have no kernel interface, so no neighbour table: the app gets the peer's MAC.
      if (ports[i]!.kind === 'kernel') await addNeighbor(c, peerOf(names, c));
      network.endpoints.push({
        side: c.side,
        pair,
        netns: c.netns,
        ...(c.exec ? { exec: c.exec } : {}),
        ip: c.ip,
        mac: c.mac,
        ...(c.ifname ? { ifname: c.ifname } : {}),
        port: ports[i]!,
        filePrefix: appFilePrefix(names, c.side, pair),
      });
    }
    if (env.signal?.aborted) break;
  }
  return network;
}

/** One pair's containers on this host (both, or the one side it holds) joined to the switch. */
async function attach(sw: SwitchInstance, made: Container[], name: string): Promise<PortSpec[]> {
  if (made.length === 2) return connectPair(sw, made[0]!, made[1]!);
  if (!sw.attach) throw new TestbedError(`switch ${name} joins containers in pairs, which cannot span two hosts`);
  return [await sw.attach(made[0]!)];
}

/** The other app of a container's pair: its address and MAC follow from the run's names, on whichever host it is. */
export function peerOf(
  names: RunNames,
  c: { side: AppSide; pair: number },
): { side: AppSide; pair: number; ip: string; mac: string } {
  const side: AppSide = c.side === 's' ? 'r' : 's';
  return { side, pair: c.pair, ip: addressFor(side, c.pair), mac: macFor(names.token, side, c.pair, 'container') };
}
