// Names of everything nfvperf creates on a host. All carry the `nfp` prefix so that
// `nfvperf cleanup` can find them; interface names stay within the kernel's 15 characters.
import { randomBytes } from 'node:crypto';

export const PREFIX = 'nfp';
/** Where sockets, ledgers and other run files live. */
export const RUN_DIR = '/run/nfvperf';
export const LEDGER_DIR = `${RUN_DIR}/ledgers`;

const TOKEN = /^[0-9a-f]{4}$/;
export const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
export const NETNS_NAME = /^nfp-[0-9a-f]{4}-[a-z0-9-]{1,24}$/;

/** A fresh run token: 4 hex digits, unique among this host's live nfvperf objects. */
export function newRunToken(taken: ReadonlySet<string> = new Set()): string {
  for (;;) {
    const token = randomBytes(2).toString('hex');
    if (!taken.has(token)) return token;
  }
}

export type AppSide = 's' | 'r';

export interface RunNames {
  token: string;
  /**
   * The token of this host's run files (run directory, hugetlbfs, DPDK file prefixes): the run's
   * token, except on a remote host whose agent picks its own (namespace hosts share one filesystem).
   */
  fileToken: string;
  bridge: string;
  netns(side: AppSide, pair: number): string;
  /** The host end of a container's link. */
  hostLink(side: AppSide, pair: number): string;
}

export function runNames(token: string): RunNames {
  if (!TOKEN.test(token)) throw new TypeError(`bad run token ${token}`);
  return {
    token,
    fileToken: token,
    bridge: `${PREFIX}${token}br`,
    netns: (side, pair) => `${PREFIX}-${token}-${side}${pair}`,
    hostLink: (side, pair) => `${PREFIX}${token}${side}${pair}`,
  };
}

/** The token of an nfp-named namespace or link, if it is one of ours. */
export function tokenOf(name: string): string | undefined {
  return /^nfp-?([0-9a-f]{4})/.exec(name)?.[1];
}

/** Locally administered unicast MAC, unique per (token, side, pair, end). */
export function macFor(token: string, side: AppSide, pair: number, end: 'host' | 'container'): string {
  const sideBit = side === 's' ? 0 : 1;
  const endBit = end === 'host' ? 0 : 2;
  const bytes = [
    0x02,
    0x6e,
    parseInt(token.slice(0, 2), 16),
    parseInt(token.slice(2, 4), 16),
    sideBit | endBit,
    pair & 0xff,
  ];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * Container addresses come from 198.18.0.0/15, the range RFC 2544 reserves for benchmarking:
 * pair i's sender is 198.18.i.1 and its receiver 198.18.i.2 — one /16 subnet for all pairs.
 */
export function addressFor(side: AppSide, pair: number): string {
  if (pair < 0 || pair > 255) throw new RangeError(`pair ${pair} out of range`);
  return `198.18.${pair}.${side === 's' ? 1 : 2}`;
}
export const SUBNET_PREFIX_LEN = 16;

/**
 * The first of a sender's extra source addresses when it sends more flows than it has source
 * ports (`--flow-addrs`, up to 15 of them for 10^6 flows): x.y.z.16 and up beside its own
 * x.y.z.1, in the same /16 subnet (so a receiver's reverse-path filter takes them as on-link)
 * and on no container (those are .1 and .2).
 */
export function flowAddressBase(senderIp: string): string {
  return `${senderIp.split('.').slice(0, 3).join('.')}.16`;
}
