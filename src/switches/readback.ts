// Reading back what a driver set up, from machine-readable output only (`ip -j`, `tc -j`,
// `bridge -j`), polling with a deadline rather than sleeping.
import { exec } from '../common/exec.js';
import { TestbedError } from '../common/errors.js';

const POLL_MS = 20;
export const READBACK_TIMEOUT_MS = 3000;

/**
 * Polls `check` until it returns `true`; otherwise it returns what it saw, which names the
 * failure once the deadline passes (`what` did not hold within … ms: <last seen>).
 */
export async function pollUntil(
  what: string,
  check: () => Promise<true | string>,
  timeoutMs = READBACK_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = await check();
    if (seen === true) return;
    if (Date.now() >= deadline) throw new TestbedError(`${what} did not hold within ${timeoutMs} ms: ${seen}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The fields of `ip -j [-d] link show` that drivers check. */
export interface LinkState {
  ifindex: number;
  ifname: string;
  /** The peer's ifindex (veth) or the lower device's (macvlan). */
  link_index?: number;
  operstate: string;
  address: string;
  master?: string;
  flags?: string[];
  /** An attached XDP program (`ip -j -d link`). */
  xdp?: { mode: number; prog?: { id: number } };
  linkinfo?: { info_kind?: string; info_data?: { mode?: string } };
  stats64?: { rx: { packets: number }; tx: { packets: number } };
}

/** One link, read with `ip -j -d -s` (in `netns` when given); undefined when it does not exist. */
export async function readLink(ifname: string, netns?: string): Promise<LinkState | undefined> {
  const argv = ['ip', '-j', '-d', '-s', ...(netns ? ['-n', netns] : []), 'link', 'show', 'dev', ifname];
  const r = await exec(argv, { check: false });
  if (r.exitCode !== 0) return undefined;
  return (JSON.parse(r.stdout) as LinkState[])[0];
}

/** A tc mirred redirect found on a device's ingress, with its action counters. */
export interface TcRedirect {
  /** The device frames are redirected to. */
  toDev: string;
  /** `egress` or `ingress` (of the target device). */
  direction: string;
  packets: number;
  bytes: number;
}

interface TcFilterJson {
  kind?: string;
  options?: {
    actions?: {
      kind?: string;
      mirred_action?: string;
      direction?: string;
      to_dev?: string;
      stats?: { packets?: number; bytes?: number };
    }[];
  };
}

/** The mirred redirects of every filter on `dev`'s ingress hook (`tc -s -j filter show`). */
export async function readIngressRedirects(dev: string): Promise<TcRedirect[]> {
  const r = await exec(['tc', '-s', '-j', 'filter', 'show', 'dev', dev, 'ingress']);
  const filters = JSON.parse(r.stdout || '[]') as TcFilterJson[];
  return filters
    .flatMap((f) => f.options?.actions ?? [])
    .filter((a) => a.kind === 'mirred' && a.mirred_action === 'redirect' && a.to_dev !== undefined)
    .map((a) => ({
      toDev: a.to_dev!,
      direction: a.direction ?? '',
      packets: a.stats?.packets ?? 0,
      bytes: a.stats?.bytes ?? 0,
    }));
}

/** Deletes `ifname` inside `netns`, tolerating a link (or namespace) that is already gone. */
export async function deleteLinkIn(netns: string, ifname: string): Promise<void> {
  const r = await exec(['ip', '-n', netns, 'link', 'del', ifname], { check: false });
  if (
    r.exitCode !== 0 &&
    !/Cannot find device|does not exist|Cannot open network namespace|No such file/.test(r.stderr)
  ) {
    throw new TestbedError(`ip -n ${netns} link del ${ifname}: ${r.stderr.trim()}`);
  }
}

/** Whether a link's administrative state is up. */
export function isUp(link: { flags?: string[] }): boolean {
  return (link.flags ?? []).includes('UP');
}
