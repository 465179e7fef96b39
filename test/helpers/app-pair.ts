// Two nfvperf-apps of one backend facing each other across a veth pair (or, for dpdk, across a
// memif / vhost-user socket): the arguments each end needs, and the two shapes of a run the native
// tests make — send → recv with a count, client → server with a count.
import { join } from 'node:path';
import { AppProcess, appInfo } from '../../src/apps/app.js';
import { backendInfo, type BackendName } from '../../src/apps/backends.js';
import type { SummaryLine } from '../../src/apps/protocol.js';
import type { Container } from '../../src/testbed/netns.js';
import { ensureRunDir, runPath } from '../../src/testbed/rundir.js';
import type { VethPair } from './veth-pair.js';

/**
 * One way to connect two apps. `dpdk/…` variants run the dpdk backend with `--no-huge` (no
 * hugepages are touched, the EAL starts in about a second); their port names the link.
 */
export type Variant = Exclude<BackendName, 'dpdk'> | `dpdk/${'memif' | 'vhost-user' | 'af-packet' | 'af-xdp'}`;

export const LISTEN_PORT = 7001;
export const CONNECT_PORT = 7000;

/** Why `variant` cannot run with this build, or undefined. */
export function variantSkipReason(variant: Variant): string | undefined {
  const backend = variant.split('/')[0]!;
  return appInfo().backends.includes(backend)
    ? undefined
    : `nfvperf-app was built without ${backend} (its library was missing at build time)`;
}

/** Which end: the listener (recv, server) or the connector (send, client), and its role. */
interface End {
  self: Container;
  peer: Container;
  listens: boolean;
  role: 'send' | 'recv' | 'client' | 'server';
}

/** `--local`, `--remote` and the backend's own arguments for one end. */
function endArgs(variant: Variant, pair: VethPair, end: End, socketDir: string, queues = 1): string[] {
  const { self, peer, listens, role } = end;
  const sends = role === 'send' || role === 'client';
  const [backend, port] = variant.split('/') as [string, string | undefined];
  const args = ['--backend', backend, '--local', `${self.ip}:${listens ? LISTEN_PORT : CONNECT_PORT}`];
  if (!listens) args.push('--remote', `${peer.ip}:${LISTEN_PORT}`);
  const ifname = self.ifname ?? 'eth0';
  const info = backendInfo(backend);
  if (info.needsInterface) args.push('--ifname', ifname);
  if (info.eal) {
    args.push(
      '--vdev',
      dpdkVdev(port!, listens, ifname, socketDir, queues),
      '--no-huge',
      '--local-mac',
      self.mac,
      '--file-prefix',
      `nfp${pair.names.token}${listens ? 'r' : 's'}`,
      '--cpu',
      listens ? '1' : '0',
    );
  }
  if (sends && info.ownFrames) args.push('--remote-mac', peer.mac);
  if (queues > 1) args.push('--queues', String(queues));
  return args;
}

/** The EAL port of one end: the listener is the socket's server side; `queues` queue pairs. */
function dpdkVdev(port: string, listens: boolean, ifname: string, socketDir: string, queues: number): string {
  switch (port) {
    case 'memif':
      // socket-abstract=no: an abstract socket is per namespace, and the two ends are in two.
      return `net_memif0,role=${listens ? 'server' : 'client'},socket=${join(socketDir, 'memif.sock')},socket-abstract=no`;
    case 'vhost-user':
      return listens
        ? `net_vhost0,iface=${join(socketDir, 'vhost.sock')},queues=${queues}`
        : `virtio_user0,path=${join(socketDir, 'vhost.sock')},queues=${queues}`;
    case 'af-packet':
      return `net_af_packet0,iface=${ifname}${queues > 1 ? `,qpairs=${queues}` : ''}`;
    case 'af-xdp':
      return `net_af_xdp0,iface=${ifname},start_queue=0,queue_count=${queues}`;
    default:
      throw new TypeError(`unknown dpdk port ${port}`);
  }
}

export interface PairRun {
  listener: AppProcess;
  connector: AppProcess;
  /** The two summaries (asserted present). */
  listenerSummary: SummaryLine;
  connectorSummary: SummaryLine;
}

export interface PairOptions {
  /** Extra arguments for both ends (e.g. `--touch`, `--size 100`). */
  both?: string[];
  /** Extra arguments for the connector (the sender or client) only. */
  connector?: string[];
  /** Extra arguments for the listener (the receiver or server) only. */
  listener?: string[];
  /** The listener's own variant when it differs from the connector's (e.g. a kernel receiver). */
  listenerVariant?: Variant;
  /** `--queues` for both ends (and the queue count of a dpdk port's vdev); default 1. */
  queues?: number;
}

/**
 * Runs `roles` (send → recv, or client → server) once: the listener first, then the connector,
 * which stops by itself (`--count` in its options); the listener is stopped once it has seen
 * `expected` frames or 1 s after the connector ended.
 */
export async function runPair(
  pair: VethPair,
  variant: Variant,
  roles: 'send-recv' | 'client-server',
  expected: number,
  options: PairOptions = {},
): Promise<PairRun> {
  const listenerVariant = options.listenerVariant ?? variant;
  const anyDpdk = variant.startsWith('dpdk/') || listenerVariant.startsWith('dpdk/');
  const socketDir = anyDpdk ? await ensureRunDir(pair.resources, runPath(pair.names.token)) : '';
  const [connectRole, listenRole] =
    roles === 'send-recv' ? (['send', 'recv'] as const) : (['client', 'server'] as const);
  const listenEnd: End = { self: pair.receiver, peer: pair.sender, listens: true, role: listenRole };
  const connectEnd: End = { self: pair.sender, peer: pair.receiver, listens: false, role: connectRole };
  const listener = new AppProcess({
    role: listenRole,
    netns: pair.receiver.netns,
    label: `${listenerVariant} ${listenRole}`,
    pair: 0,
    args: [
      ...endArgs(listenerVariant, pair, listenEnd, socketDir, options.queues),
      '--interval-ms',
      '100',
      ...(options.both ?? []),
      ...(options.listener ?? []),
    ],
  });
  const connectorArgs = [
    ...endArgs(variant, pair, connectEnd, socketDir, options.queues),
    ...(options.both ?? []),
    ...(options.connector ?? []),
  ];
  let connector: AppProcess | undefined;
  try {
    // A dpdk app prints its start line only once its link is up, i.e. once the peer runs too: both
    // start at once and the sender waits for an epoch 1.5 s ahead (EAL start-up with --no-huge is
    // about 1 s; a sender past it starts at once, after its own link-up).
    if (!listenerVariant.startsWith('dpdk/')) await listener.waitReady(5000);
    if (variant.startsWith('dpdk/')) connectorArgs.push('--epoch-ns', String(process.hrtime.bigint() + 1_500_000_000n));
    connector = new AppProcess({
      role: connectRole,
      netns: pair.sender.netns,
      label: `${variant} ${connectRole}`,
      pair: 0,
      args: connectorArgs,
    });
    await listener.waitReady(20_000);
    // Done once it gave its summary: a memif client then waits for its server to leave before it
    // exits (native/src/backends/opt/dpdk.c says why), so the listener is stopped first.
    if (!(await summaryOrExit(connector, 20_000))) throw connector.failure('did not stop after its --count');
    await waitForFrames(listener, expected, 1000);
  } finally {
    await listener.stop();
    if (connector && !(await connector.waitExit(5000))) await connector.stop();
  }
  if (connector.exitCode !== 0 || !connector.summary) throw connector.failure('failed');
  if (listener.exitCode !== 0 || !listener.summary) throw listener.failure('failed');
  return { listener, connector, listenerSummary: listener.summary, connectorSummary: connector.summary };
}

/** Until `app` has printed its summary or exited; false when `timeoutMs` passed first. */
async function summaryOrExit(app: AppProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (app.running && !app.summary) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Until the intervals of `app` add up to `count` received frames, or `graceMs` passed. */
async function waitForFrames(app: AppProcess, count: number, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && app.intervals.reduce((n, i) => n + (i.rxPackets ?? 0), 0) < count) {
    await new Promise((r) => setTimeout(r, 20));
  }
}
