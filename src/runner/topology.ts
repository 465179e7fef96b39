// Which apps a case runs and which ports each holds, for every layout through one description.
// A port is one container with one interface on the switch; ports come in links: the sending end
// (side `s`) and the receiving end (side `r`) of one hop, named, addressed and joined to the
// switch exactly as a pair's two containers always were (network.ts builds links, nothing else).
// An app holds one port (sender, receiver, client, server) or two (tester, forwarder: it sends
// from its link's `s` end and receives on another link's `r` end). Pure.
import type { AppRole } from '../apps/protocol.js';
import type { Case } from '../plan/expand.js';
import { driverFor } from '../switches/index.js';
import type { AppSide } from '../testbed/names.js';

/** The `side` end of link `link`. */
export interface PortRef {
  side: AppSide;
  link: number;
}

export interface AppPlan {
  role: AppRole;
  /** Its number among the case's apps of its role (the records' `pair`): pair, tester (= chain), or forwarder. */
  pair: number;
  /** For messages: `sender 0`, `tester 1`, `forwarder 0.2`. */
  label: string;
  /** Its one port; a two-port app's transmit port. */
  port: PortRef;
  /** A two-port app's receive port. */
  rxPort?: PortRef;
  /**
   * It originates the traffic (sender, client, tester): it starts after the others are up, and
   * when it has stopped sending, the traffic is over.
   */
  origin: boolean;
}

export interface Topology {
  /** Links to build: each two containers on the switch (pairs: one per pair). */
  links: number;
  /** In the order their busy threads get cores: each pair's sender then receiver; each chain's tester then its forwarders. */
  apps: AppPlan[];
}

/** Which app plays which side in each dimension of the pairs layout: the paper's sender/receiver and client/server. */
export const ROLES: Record<Case['dimension'], { sender: AppRole; receiver: AppRole }> = {
  throughput: { sender: 'send', receiver: 'recv' },
  latency: { sender: 'client', receiver: 'server' },
};

const LABELS: Record<AppRole, string> = {
  send: 'sender',
  recv: 'receiver',
  client: 'client',
  server: 'server',
  tester: 'tester',
  forwarder: 'forwarder',
};

export function caseTopology(c: Pick<Case, 'dimension' | 'pairs' | 'layout' | 'chainLength'>): Topology {
  const apps: AppPlan[] = [];
  const app = (role: AppRole, pair: number, port: PortRef, rxPort?: PortRef, label = `${LABELS[role]} ${pair}`) =>
    apps.push({
      role,
      pair,
      label,
      port,
      ...(rxPort ? { rxPort } : {}),
      origin: role === 'send' || role === 'client' || role === 'tester',
    });
  if (c.layout === undefined) {
    const roles = ROLES[c.dimension];
    for (let p = 0; p < c.pairs; p++) {
      app(roles.sender, p, { side: 's', link: p });
      app(roles.receiver, p, { side: 'r', link: p });
    }
    return { links: c.pairs, apps };
  }
  // A tester is a chain of no forwarders: tester → link → tester.
  const forwarders = c.layout === 'chain' ? (c.chainLength ?? 1) : 0;
  const perChain = forwarders + 1;
  for (let chain = 0; chain < c.pairs; chain++) {
    const first = chain * perChain;
    app('tester', chain, { side: 's', link: first }, { side: 'r', link: first + forwarders });
    for (let k = 1; k <= forwarders; k++) {
      app(
        'forwarder',
        chain * forwarders + k - 1,
        { side: 's', link: first + k },
        { side: 'r', link: first + k - 1 },
        `forwarder ${chain}.${k}`,
      );
    }
  }
  return { links: c.pairs * perChain, apps };
}

/** The other end of a port's link: where a port's frames go, and where its neighbour entry points. */
export function peerPort(p: PortRef): PortRef {
  return { side: p.side === 's' ? 'r' : 's', link: p.link };
}

/** The app holding a port (its index in `apps`). */
export function appOfPort(t: Topology, p: PortRef): number {
  const same = (q?: PortRef) => q?.side === p.side && q.link === p.link;
  const i = t.apps.findIndex((a) => same(a.port) || same(a.rxPort));
  if (i < 0) throw new RangeError(`no app holds port ${p.side}${p.link}`);
  return i;
}

/** Busy threads of a case on one host: one per app, a two-thread client's receive thread, the switch's pollers. */
export function busyThreads(
  c: Pick<Case, 'dimension' | 'pairs' | 'layout' | 'chainLength' | 'clientThreads' | 'switch'>,
): number {
  const apps = caseTopology(c).apps.length;
  return apps + (c.clientThreads > 1 ? c.pairs : 0) + (driverFor(c.switch)?.busyThreads ?? 0);
}
