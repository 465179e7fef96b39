// What each I/O backend of nfvperf-app is, in one table (the C side's is native/src/registry.c).
// The plan schema's backend names, the runner's per-backend arguments, doctor and the probes
// derive from it.

export interface BackendInfo {
  name: string;
  description: string;
  /** Debian packages it needs to build and run. */
  packages: readonly string[];
  /** It builds its own Ethernet frames (no kernel UDP socket): the sender needs the peer's MAC. */
  ownFrames: boolean;
  /** It opens the container's kernel interface by name (`--ifname`). */
  needsInterface: boolean;
  /** It runs a DPDK EAL: an EAL device (`--vdev`), file prefix and hugepage memory. */
  eal: boolean;
  /** Its C source. */
  source: string;
}

export const BACKENDS = [
  { name: 'udp', description: 'UDP socket, one frame per send/recv call', packages: [], ownFrames: false, needsInterface: false, eal: false,
    source: 'native/src/backends/udp.c' },
  { name: 'udp-mmsg', description: 'UDP socket, a burst per sendmmsg/recvmmsg call', packages: [], ownFrames: false, needsInterface: false,
    eal: false, source: 'native/src/backends/udp_mmsg.c' },
  { name: 'raw', description: 'AF_PACKET socket, one frame per call', packages: [], ownFrames: true, needsInterface: true, eal: false,
    source: 'native/src/backends/raw.c' },
  { name: 'raw-mmsg', description: 'AF_PACKET socket, a burst per sendmmsg/recvmmsg call', packages: [], ownFrames: true,
    needsInterface: true, eal: false, source: 'native/src/backends/raw_mmsg.c' },
  { name: 'af-xdp', description: 'AF_XDP socket (libxdp), copy mode on veth', packages: ['libxdp-dev', 'libbpf-dev'], ownFrames: true,
    needsInterface: true, eal: false, source: 'native/src/backends/opt/af_xdp.c' },
  { name: 'dpdk', description: 'DPDK poll-mode port: virtio_user (vhost-user) or net_memif', packages: ['dpdk', 'libdpdk-dev'],
    ownFrames: true, needsInterface: false, eal: true, source: 'native/src/backends/opt/dpdk.c' },
] as const satisfies readonly BackendInfo[];

export type BackendName = (typeof BACKENDS)[number]['name'];
export const BACKEND_NAMES = BACKENDS.map((b) => b.name) as [BackendName, ...BackendName[]];

export function backendInfo(name: BackendName): BackendInfo {
  return BACKENDS.find((b) => b.name === name)!;
}
