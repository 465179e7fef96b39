// The I/O backends of nfvperf-app, one entry each: the only TypeScript list of them. The plan's
// `backends` enum, `nfvperf doctor`, the probes, the app arguments the runner builds and the
// report's backend lists all read this table. The C side has its own one list
// (native/src/registry.c, with each backend's flags in its `struct nfp_backend`);
// test/apps/backends.test.ts checks that the two agree with the built app.

export interface BackendInfo {
  /** As `--backend` and plans spell it. */
  name: string;
  /** One line for `nfvperf doctor`. */
  description: string;
  /** Debian packages it builds against (none: it is always built). */
  packages: readonly string[];
  /** It builds its own Ethernet frames (NFP_BACKEND_L2): senders need the peer's `--remote-mac`. */
  ownFrames: boolean;
  /** It sends and receives on a kernel interface (NFP_BACKEND_IFNAME): it needs `--ifname`. */
  needsInterface: boolean;
  /** It runs a DPDK EAL (NFP_BACKEND_EAL): its port is a `--vdev`; it cannot block; hugepages or `--no-huge`. */
  eal: boolean;
  /** Its ports can have several queues (NFP_BACKEND_QUEUES): `--queues`, the plan's `queues` above 1. */
  queues?: boolean;
  /** Its C source, from the package root. */
  source: string;
  /** Its row in the paper's Table 2 (the socket techniques), when it has one. */
  paperLabel?: string;
  /** False while its source is not written (the switch that needs it probes for it meanwhile). */
  sourceWritten?: boolean;
  /** Why the app may lack it and how to build it in, for a backend with no Debian package. */
  buildHint?: { reason: string; fix: string };
  /** The one switch whose ports it opens (netmap: VALE's); absent: any switch that gives it its kind of port. */
  onlySwitch?: string;
}

export const BACKENDS = [
  {
    name: 'udp',
    description: 'UDP socket, one sendmsg/recvmsg per packet',
    packages: [],
    ownFrames: false,
    needsInterface: false,
    eal: false,
    source: 'native/src/backends/udp.c',
    paperLabel: 'UDP sockets, send/recv',
  },
  {
    name: 'udp-mmsg',
    description: 'UDP socket, sendmmsg/recvmmsg per burst',
    packages: [],
    ownFrames: false,
    needsInterface: false,
    eal: false,
    source: 'native/src/backends/udp_mmsg.c',
    paperLabel: 'UDP sockets, sendmmsg/recvmmsg',
  },
  {
    name: 'raw',
    description: 'AF_PACKET raw socket, one packet per system call',
    packages: [],
    ownFrames: true,
    needsInterface: true,
    eal: false,
    source: 'native/src/backends/raw.c',
    paperLabel: 'Raw sockets, send/recv',
  },
  {
    name: 'raw-mmsg',
    description: 'AF_PACKET raw socket, a burst per system call',
    packages: [],
    ownFrames: true,
    needsInterface: true,
    eal: false,
    source: 'native/src/backends/raw_mmsg.c',
    paperLabel: 'Raw sockets, sendmmsg/recvmmsg',
  },
  {
    name: 'af-xdp',
    description: 'AF_XDP socket on the container interface',
    packages: ['libxdp-dev', 'libbpf-dev'],
    ownFrames: true,
    needsInterface: true,
    eal: false,
    queues: true,
    source: 'native/src/backends/opt/af_xdp.c',
  },
  {
    name: 'dpdk',
    description: 'DPDK (virtio_user, memif, vhost-user ports)',
    packages: ['libdpdk-dev'],
    ownFrames: true,
    needsInterface: false,
    eal: true,
    queues: true,
    source: 'native/src/backends/opt/dpdk.c',
  },
  {
    // For VALE. No Debian package: built only where net/netmap_user.h is found (native/Makefile,
    // NETMAP_INCLUDE), and runs only with the netmap module loaded; neither is on these machines.
    name: 'netmap',
    description: 'netmap port on the container interface (for VALE; not verified: no netmap module here)',
    packages: [],
    ownFrames: true,
    needsInterface: true,
    eal: false,
    source: 'native/src/backends/opt/netmap.c',
    onlySwitch: 'vale',
    buildHint: {
      reason: 'no net/netmap_user.h when it was built',
      fix: 'build netmap from its sources (github.com/luigirizzo/netmap), then make -C native NETMAP_INCLUDE=<netmap>/sys',
    },
  },
] as const satisfies readonly BackendInfo[];

export type BackendName = (typeof BACKENDS)[number]['name'];

/** The names in table order, as a non-empty tuple (what `z.enum` takes). */
export const BACKEND_NAMES = BACKENDS.map((b) => b.name) as [BackendName, ...BackendName[]];

/** The backends that run on a kernel interface, so on any switch that gives the container one. */
export const KERNEL_BACKENDS: readonly BackendName[] = (BACKENDS as readonly BackendInfo[])
  .filter((b) => !b.eal && b.sourceWritten !== false && b.onlySwitch === undefined)
  .map((b) => b.name as BackendName);

/** The entry of `name`; throws on a name the table lacks (plans are checked against it first). */
export function backendInfo(name: string): BackendInfo {
  const info = BACKENDS.find((b) => b.name === name);
  if (!info) throw new Error(`no backend named ${name} (known: ${BACKEND_NAMES.join(', ')})`);
  return info;
}

/** Whether `name` is a backend of the table (e.g. one `nfvperf-app --version` lists). */
export function isBackendName(name: string): name is BackendName {
  return BACKENDS.some((b) => b.name === name);
}
