// The one interface every virtual switch driver implements.
// Life cycle: probe() any time; start() once per case; attach() (or attachPair()) and cpuThreads() only between
// start() and stop(); stop() is idempotent and safe after a partial start.
import type { SwitchOptions } from '../plan/expand.js';
import type { BackendName } from '../plan/schema.js';
import type { Probe } from '../testbed/probes.js';
import type { SwitchName } from './index.js';
import type { Resources } from '../testbed/resources.js';
import type { RunNames } from '../testbed/names.js';
import type { Container } from '../testbed/netns.js';

/**
 * What an application needs to reach the switch from inside its container: a kernel interface,
 * or (dpdk backend) a vhost-user socket its virtio_user device serves (`server`: the switch
 * connects to it, as OVS's dpdkvhostuserclient ports do) or connects to (the switch serves it,
 * as basicfwd's net_vhost ports do), or one end of a memif link. `vdevFor()` in
 * `src/switches/dpdk-port.ts` turns the last two into the app's `--vdev`.
 */
export type PortSpec =
  | { kind: 'kernel'; ifname: string }
  /** A PCI device bound to vfio-pci (an SR-IOV virtual function), opened by the dpdk backend. */
  | { kind: 'pci'; address: string }
  | {
      kind: 'vhost-user';
      socketPath: string;
      server: boolean;
      /**
       * The app must map all its memory at start (`--mem-mb`, EAL -m): the switch reads the vhost
       * memory table only now and then and dies on buffers from memory added later (Snabb). Others
       * leave it out: preallocating slows every EAL start-up.
       */
      preallocateMemory?: boolean;
    }
  | {
      kind: 'memif';
      socketPath: string;
      role: 'server' | 'client';
      id: number;
      /** The server is a switch (VPP), which outlives its clients: a client app need not wait for it to leave. */
      switchServes?: boolean;
    };

/**
 * Whose are the frames a sender's send call refused (`unsent`), by the kind of port it sends on
 * (issue #19): the path's loss, or the generator's shortfall. The rule: who empties the ring
 * that was full. A ring the switch (or, over a direct memif link, the peer app; over a VF, the
 * NIC) empties is the path's door: it refused frames at the offered rate, as a DUT's port that
 * does not take a tester's frames loses them in RFC 2544's and CSIT's count. A kernel port's
 * socket buffer, qdisc or AF_XDP tx ring is the sender's own: the kernel empties it inside the
 * sender's own send call or kick, on the sender's CPU (even AF_XDP over a veth whose peer the
 * switch polls: copy mode transmits only when the sender kicks), so a refusal there means the
 * sender's CPU did not keep up, and is the generator's shortfall. The search (search/trial.ts)
 * and its verdicts read this; summary.json and the report show it per search case.
 */
export const REFUSED_FRAMES_COUNT_AS = {
  kernel: 'generator-shortfall',
  pci: 'path-loss',
  'vhost-user': 'path-loss',
  memif: 'path-loss',
} as const satisfies Record<PortSpec['kind'], 'path-loss' | 'generator-shortfall'>;

export interface SwitchContext {
  names: RunNames;
  resources: Resources;
  /** CPUs the switch may spin on (empty for kernel switches, which spin none). */
  cpus: number[];
  /** The case's app backend, for a switch whose ports differ by backend (sriov: a netdev or a vfio-pci device). */
  backend?: BackendName;
  /** The plan's settings of this switch (`sriov:`). */
  options?: SwitchOptions;
  /** Queues per container port (the case's `queues`; absent: 1), for a driver with `queues`. */
  queues?: number;
}

interface SwitchInstanceBase {
  /** Processes or threads the switch keeps busy, for CPU accounting (none for kernel switches). */
  cpuThreads(): { name: string; pid: number; tid?: number }[];
  /** Tears the switch down; teardown is registered with `resources`, so this may be a no-op. */
  stop(): Promise<void>;
}

/**
 * A running switch. It connects containers one at a time (`attach`: a switch with ports) or one
 * application pair at a time (`attachPair`: a path whose link joins the two containers, such as a
 * direct veth cable or a pair of tc redirects) — exactly one of the two. Callers use
 * `connectPair()`, which works for both. Each hook returns only once it has read back what it set
 * up.
 */
export type SwitchInstance = SwitchInstanceBase &
  (
    | {
        /** Connects a container; returns the port its application uses. */
        attach(container: Container): Promise<PortSpec>;
        attachPair?: never;
      }
    | {
        attach?: never;
        /** Connects a sender and its receiver; returns their ports, sender first. */
        attachPair(sender: Container, receiver: Container): Promise<[PortSpec, PortSpec]>;
      }
  );

/** Connects one application pair through `sw`, whichever way the switch connects containers. */
export async function connectPair(
  sw: SwitchInstance,
  sender: Container,
  receiver: Container,
): Promise<[PortSpec, PortSpec]> {
  if (sw.attachPair) return sw.attachPair(sender, receiver);
  return [await sw.attach(sender), await sw.attach(receiver)];
}

/** What a switch needs to join a host's physical link (remote plans). */
export interface UplinkContext {
  names: RunNames;
  resources: Resources;
  /** The host's link to the other host; not ours, so never in the ledger. */
  uplink: string;
  /** The case's running switch. */
  sw: SwitchInstance;
}

/** `Name`: the driver's own name, from which the registry (index.ts) derives the switch names. */
export interface SwitchDriver<Name extends string = SwitchName> {
  name: Name;
  /** One line for `nfvperf doctor`. */
  description: string;
  /** Busy threads the switch itself needs (PMDs), so the testbed can give them cores. */
  busyThreads: number;
  /** The app backends that can talk through this switch. */
  backends: readonly BackendName[];
  /**
   * It gives each container's port the case's `queues` receive and transmit queues (its links are
   * veth pairs made with numrxqueues/numtxqueues on both ends, `SwitchContext.queues`); absent: one
   * queue per port, and a plan asking for more is refused at load.
   */
  queues?: boolean;
  /**
   * The kernel forwards a frame within its sender's send call (softirq on the sending CPU, the
   * receiver's delivery included): with a kernel backend the sender's CPU also carries the path,
   * so a sender falling short of its rate may be the path's own limit (issue #19).
   */
  forwardsOnSenderCpu?: boolean;
  /**
   * The pair's link is the peer app itself (memif): neither end is up until both apps opened it,
   * so senders start without waiting for their receivers, and stay up until the receivers have
   * left (a client leaving first can crash the polling server: native/src/backends/opt/dpdk.c).
   */
  appsLinkedDirectly?: boolean;
  probe(): Promise<Probe>;
  start(ctx: SwitchContext): Promise<SwitchInstance>;
  /**
   * Joins a running instance to the host's uplink, so that containers on two hosts share one L2
   * segment; returns the undo step, run after the switch is torn down. A driver without it is
   * local-only, and a remote plan naming it is refused at load.
   */
  joinUplink?(ctx: UplinkContext): Promise<() => Promise<void>>;
}
