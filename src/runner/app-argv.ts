// The one place a case's plan fields become an app's command line. Local and remote apps get
// their argv from here alike; only `--epoch-ns` is added where the app starts, from that host's
// own clock (AppProcess), since a remote host's CLOCK_MONOTONIC is not ours.
import type { AppRole } from '../apps/protocol.js';
import { backendInfo } from '../apps/backends.js';
import type { Case } from '../plan/expand.js';
import { FLOW_PORTS, largestFrameBytes, sizeMixArg } from '../plan/traffic.js';
import { dpdkAppArgs } from '../switches/dpdk-port.js';
import { flowAddressBase } from '../testbed/names.js';
import type { Endpoint } from './network.js';

export const RECEIVER_PORT = 7001;
export const SENDER_PORT = 7000;

/** Which app plays which side in each dimension: the paper's sender/receiver and client/server. */
export const ROLES: Record<Case['dimension'], { sender: AppRole; receiver: AppRole }> = {
  throughput: { sender: 'send', receiver: 'recv' },
  latency: { sender: 'client', receiver: 'server' },
};

/** One app of a case: where it runs, what it talks to, and (senders) how much it sends. */
export interface AppLaunch {
  role: AppRole;
  pair: number;
  /** For messages: `sender 0`, `server 1`. */
  label: string;
  self: Endpoint;
  peer: Pick<Endpoint, 'ip' | 'mac'>;
  cpu: number;
  /** A two-thread client's receive thread. */
  rxCpu?: number;
  /** Senders and clients: per-sender rate and how long to send. */
  traffic?: { rate: number | 'max'; seconds: number };
}

/** The launches of one pair: the receiving app first (it must be up before its sender sends). */
export function pairLaunches(
  c: Case,
  self: { sender: Endpoint; receiver: Endpoint },
  cpus: { send: number; recv: number; clientRx?: number },
  traffic: AppLaunch['traffic'],
): { receiver: AppLaunch; sender: AppLaunch } {
  const roles = ROLES[c.dimension];
  const pair = self.sender.pair;
  return {
    receiver: {
      role: roles.receiver,
      pair,
      label: `${roles.receiver === 'recv' ? 'receiver' : 'server'} ${pair}`,
      self: self.receiver,
      peer: self.sender,
      cpu: cpus.recv,
    },
    sender: {
      role: roles.sender,
      pair,
      label: `${roles.sender === 'send' ? 'sender' : 'client'} ${pair}`,
      self: self.sender,
      peer: self.receiver,
      cpu: cpus.send,
      ...(cpus.clientRx !== undefined ? { rxCpu: cpus.clientRx } : {}),
      traffic,
    },
  };
}

/** The app's arguments after its role, without `--epoch-ns`. Pure. */
export function appArgs(c: Case, a: AppLaunch): string[] {
  const backend = backendInfo(c.backend);
  const sending = a.role === 'send' || a.role === 'client';
  const args = [
    '--backend',
    c.backend,
    // A mix: every app has room for its largest frame; the sender sends the mix.
    '--size',
    String(c.sizeMix ? largestFrameBytes(c.sizeMix) : c.packetSize),
    ...(c.sizeMix && a.role === 'send' ? ['--size-mix', sizeMixArg(c.sizeMix)] : []),
    '--burst',
    String(c.burst),
    '--flow',
    String(a.pair),
    ...(c.touchData ? ['--touch'] : []),
    ...(c.mode === 'blocking' ? ['--blocking'] : []),
  ];
  // Backends that build their own frames need the interface, and a sender the peer's MAC.
  if (backend.needsInterface) {
    if (!a.self.ifname)
      throw new Error(`${a.label}: backend ${c.backend} needs a kernel interface, and ${a.self.netns} has none`);
    args.push('--ifname', a.self.ifname, ...(sending ? ['--remote-mac', a.peer.mac] : []));
  }
  // The dpdk backend opens the EAL device its port spec names, with its own file prefix and
  // hugepage memory (which the switch reserved when it attached the port).
  if (backend.eal) args.push(...dpdkAppArgs(a.self, a.self.port, a.peer.mac, c.switch));
  args.push('--local', `${a.self.ip}:${sending ? SENDER_PORT : RECEIVER_PORT}`);
  if (sending) {
    if (!a.traffic) throw new Error(`${a.label}: a sending app needs a rate and a duration`);
    args.push(
      '--remote',
      `${a.peer.ip}:${RECEIVER_PORT}`,
      '--rate',
      String(a.traffic.rate),
      '--duration',
      String(a.traffic.seconds),
    );
  }
  if (a.role === 'send' && c.flows > 1) {
    args.push('--flows', String(c.flows));
    if (c.flows > FLOW_PORTS) args.push('--flow-addrs', flowAddressBase(a.self.ip));
  }
  args.push('--cpu', String(a.cpu));
  if (sending && c.senderScheduling === 'fifo') args.push('--sched', 'fifo');
  if (a.rxCpu !== undefined) args.push('--rx-cpu', String(a.rxCpu));
  if (sending && c.inflight !== undefined) args.push('--inflight', String(c.inflight));
  return args;
}
