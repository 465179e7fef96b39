// The one place a case's plan fields become an app's command line. Local and remote apps get
// their argv from here alike; only `--epoch-ns` is added where the app starts, from that host's
// own clock (AppProcess), since a remote host's CLOCK_MONOTONIC is not ours.
import { offersTraffic, type AppRole } from '../apps/protocol.js';
import { backendInfo } from '../apps/backends.js';
import type { Case } from '../plan/expand.js';
import { FLOW_PORTS, largestFrameBytes, sizeMixArg } from '../plan/traffic.js';
import { dpdkAppArgs, dpdkVdev } from '../switches/dpdk-port.js';
import { flowAddressBase } from '../testbed/names.js';
import { netnsPath } from '../testbed/netns.js';
import type { Endpoint } from './network.js';
import { peerPort, type PortRef, type Topology } from './topology.js';

export const RECEIVER_PORT = 7001;
export const SENDER_PORT = 7000;

export { ROLES } from './topology.js';

/** One app of a case: where it runs, what it talks to, and (senders, testers) how much it sends. */
export interface AppLaunch {
  role: AppRole;
  pair: number;
  /** For messages: `sender 0`, `server 1`, `forwarder 0.2`. */
  label: string;
  /** Its one port; a two-port app's transmit port. */
  self: Endpoint;
  /** The other end of `self`'s link: where what it sends goes. */
  peer: Pick<Endpoint, 'ip' | 'mac'>;
  /** A two-port app's receive port (tester, forwarder). */
  rx?: Endpoint;
  cpu: number;
  /** A two-thread client's receive thread. */
  rxCpu?: number;
  /** Senders, clients and testers: per-app rate and how long to send (in bursts of `burst`, else the case's). */
  traffic?: { rate: number | 'max'; seconds: number; burst?: number };
  /** The receiver records one-way latency (a search's latency runs; the plan's oneWayLatency sets it for every case). */
  oneWay?: boolean;
  /**
   * A search's latency run under load: the origins add this many probes per second beside the
   * load (single frames, each alone in its own send call) and the receivers time only those.
   */
  probeRatePps?: number;
}

/**
 * The launches of a case's apps, in the topology's order; `endpoint` finds a port's container wherever it was built.
 * `oneWay` (a search's latency runs): every frame's one-way latency recorded (the plan's oneWayLatency: in every case, appArgs).
 */
export function appLaunches(
  topology: Topology,
  endpoint: (p: PortRef) => Endpoint,
  cpus: { apps: readonly number[]; clientRx?: readonly number[] },
  traffic: NonNullable<AppLaunch['traffic']>,
  options: { oneWay?: boolean; probeRatePps?: number } = {},
): AppLaunch[] {
  const oneWay = {
    ...(options.oneWay ? { oneWay: true } : {}),
    ...(options.probeRatePps ? { probeRatePps: options.probeRatePps } : {}),
  };
  return topology.apps.map((a, i) => ({
    role: a.role,
    pair: a.pair,
    label: a.label,
    self: endpoint(a.port),
    peer: endpoint(peerPort(a.port)),
    ...(a.rxPort ? { rx: endpoint(a.rxPort) } : {}),
    cpu: cpus.apps[i]!,
    ...(a.origin && cpus.clientRx ? { rxCpu: cpus.clientRx[a.pair]! } : {}),
    ...(a.origin ? { traffic } : {}),
    ...oneWay,
  }));
}

/** The app's arguments after its role, without `--epoch-ns`. Pure. */
export function appArgs(c: Case, a: AppLaunch): string[] {
  const backend = backendInfo(c.backend);
  // Every role but a receiver's and a server's sends from its (transmit) port; the origins of the
  // traffic send at the case's rate, a forwarder whatever it receives.
  const sending = a.role !== 'recv' && a.role !== 'server';
  const origin = a.role === 'send' || a.role === 'client' || a.role === 'tester';
  const forwarder = a.role === 'forwarder';
  const rx = a.rx;
  const args = [
    '--backend',
    c.backend,
    // A mix: every app has room for its largest frame; the sender sends the mix.
    '--size',
    String(c.sizeMix ? largestFrameBytes(c.sizeMix) : c.packetSize),
    ...(c.sizeMix && offersTraffic(a.role) ? ['--size-mix', sizeMixArg(c.sizeMix)] : []),
    '--burst',
    String(a.traffic?.burst ?? c.burst),
    // A forwarder keeps each frame's payload (flow, sequence, checksum) as it came.
    ...(forwarder ? [] : ['--flow', String(a.pair)]),
    ...(c.touchData && !forwarder ? ['--touch'] : []),
    ...(c.mode === 'blocking' ? ['--blocking'] : []),
  ];
  // Backends that build their own frames need the interface, and a sender the peer's MAC.
  if (backend.needsInterface) {
    for (const port of [a.self, ...(rx ? [rx] : [])]) {
      if (!port.ifname)
        throw new Error(`${a.label}: backend ${c.backend} needs a kernel interface, and ${port.netns} has none`);
    }
    args.push('--ifname', a.self.ifname!, ...(sending ? ['--remote-mac', a.peer.mac] : []));
    if (rx) args.push('--rx-ifname', rx.ifname!);
  }
  // The dpdk backend opens the EAL device its port spec names, with its own file prefix and
  // hugepage memory (which the switch reserved when it attached the port); a two-port app's
  // second port is a second device of the same EAL.
  if (backend.eal) {
    args.push(...dpdkAppArgs(a.self, a.self.port, a.peer.mac, c.switch));
    if (rx) args.push('--rx-vdev', dpdkVdev(rx, c.switch, 1), '--rx-local-mac', rx.mac);
  }
  args.push('--local', `${a.self.ip}:${sending ? SENDER_PORT : RECEIVER_PORT}`);
  // A two-port app runs on the host and enters each port's namespace to open it; a DPDK port is
  // a socket path, the same from every namespace (and one EAL probes both ports in one).
  if (rx) {
    args.push('--rx-local', `${rx.ip}:${RECEIVER_PORT}`);
    if (!backend.eal) args.push('--netns', netnsPath(a.self.netns), '--rx-netns', netnsPath(rx.netns));
  }
  if (sending) args.push('--remote', `${a.peer.ip}:${RECEIVER_PORT}`);
  if (origin) {
    if (!a.traffic) throw new Error(`${a.label}: a sending app needs a rate and a duration`);
    args.push('--rate', String(a.traffic.rate), '--duration', String(a.traffic.seconds));
    if (a.probeRatePps) args.push('--probe-rate', String(a.probeRatePps));
  }
  // Every port of every app has the case's queues (the switch made them): senders spread their
  // flows over them, receivers and forwarders poll them all.
  if ((c.queues ?? 1) > 1) args.push('--queues', String(c.queues));
  if (offersTraffic(a.role) && c.flows > 1) {
    args.push('--flows', String(c.flows));
    if (c.flows > FLOW_PORTS) args.push('--flow-addrs', flowAddressBase(a.self.ip));
  }
  args.push('--cpu', String(a.cpu));
  if (origin && c.senderScheduling === 'fifo') args.push('--sched', 'fifo');
  if (a.rxCpu !== undefined) args.push('--rx-cpu', String(a.rxCpu));
  if (origin && c.inflight !== undefined) args.push('--inflight', String(c.inflight));
  // One-way latency subtracts the sender's timestamp from the receiver's clock: both read the
  // kernel's CLOCK_MONOTONIC, not each its own TSC calibration (two drift ~0.25 µs apart per second).
  // Under probes, only the probes are timed (the load's frames are counted, not timed).
  if (a.oneWay || c.oneWayLatency) {
    const timing = a.probeRatePps ? '--latency-probes' : '--latency';
    args.push(...(a.role === 'recv' || a.role === 'tester' ? [timing] : []), '--clock', 'gettime');
  }
  return args;
}
