// How an app's dpdk backend reaches its port: the EAL `--vdev` for a PortSpec, and the per-app
// names and memory the runner and the drivers agree on.
import { accessSync, constants, existsSync } from 'node:fs';
import type { AppSide, RunNames } from '../testbed/names.js';
import { TestbedError } from '../common/errors.js';
import { hugepages, packageVersion, type Missing } from '../testbed/probes.js';
import type { PortSpec } from './types.js';

/** Hugepage memory each DPDK app gets (`--mem-mb`); drivers reserve this much per attached app. */
export const DPDK_APP_MEM_MB = 256;

/** The app's `--file-prefix`: unique per app of a run, nfp-named so its leftovers can be found. */
export function appFilePrefix(names: RunNames, side: AppSide, pair: number): string {
  return `nfp${names.fileToken}${side}${pair}`;
}

/**
 * The EAL `--vdev` of the app's side of `port` (undefined for a kernel port), with `mac` as its
 * address; `index` tells apart the devices of one EAL (a two-port app's second port is 1).
 */
export function vdevFor(port: PortSpec, mac: string, index = 0): string | undefined {
  switch (port.kind) {
    case 'kernel':
      return undefined;
    case 'pci':
      // An EAL allow-list entry (-a), not a --vdev: nfvperf-app has no option for it yet.
      return undefined;
    case 'vhost-user':
      return `virtio_user${index},path=${port.socketPath},queues=1,mac=${mac}${port.server ? ',server=1' : ''}`;
    case 'memif':
      // socket-abstract=no: an abstract socket is per network namespace, and the two apps of a
      // memif link sit in different ones.
      return `net_memif${index},role=${port.role},id=${port.id},socket=${port.socketPath},socket-abstract=no,mac=${mac}`;
  }
}

/** DPDK's development package (what the app and basicfwd build against) and its version. */
export async function dpdkMissing(): Promise<{ missing: Missing[]; version?: string }> {
  const version = await packageVersion('libdpdk-dev');
  return version
    ? { missing: [], version }
    : {
        missing: [
          {
            reason: 'DPDK is not installed (`dpkg-query -W libdpdk-dev`: no package)',
            fix: 'apt-get install dpdk libdpdk-dev',
          },
        ],
      };
}

/**
 * The dpdk backend's arguments for an app on `port`: its EAL device, file prefix and hugepage
 * memory (reserved by the switch when it attached the port), and both MACs (it builds its own
 * frames). Throws when the port is not one a DPDK app can open.
 */
export function dpdkAppArgs(
  self: { filePrefix: string; mac: string; netns: string },
  port: PortSpec,
  peerMac: string,
  switchName: string,
): string[] {
  const vdev = dpdkVdev({ ...self, port }, switchName);
  const memory = port.kind === 'vhost-user' && port.preallocateMemory ? ['--mem-mb', String(DPDK_APP_MEM_MB)] : [];
  return [
    '--vdev',
    vdev,
    '--file-prefix',
    self.filePrefix,
    ...memory,
    '--local-mac',
    self.mac,
    '--remote-mac',
    peerMac,
    ...(port.kind === 'memif' && port.switchServes ? ['--memif-no-wait'] : []),
  ];
}

/** The `--vdev` of an app's port; throws when the port is not one a DPDK app can open. */
export function dpdkVdev(self: { mac: string; netns: string; port: PortSpec }, switchName: string, index = 0): string {
  const vdev = vdevFor(self.port, self.mac, index);
  if (!vdev)
    throw new TestbedError(
      `switch ${switchName} gave ${self.netns} a ${self.port.kind} port, which the dpdk backend cannot use`,
    );
  return vdev;
}

/** Missing when 2 MB hugepages can be neither found nor reserved (drivers reserve them per run). */
export function needHugepagesWritable(): Missing[] {
  if (!existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) {
    return [
      {
        reason: 'this kernel offers no 2 MB hugepages (/sys/kernel/mm/hugepages/hugepages-2048kB is missing)',
        fix: 'use a kernel with CONFIG_HUGETLBFS and 2 MB pages',
      },
    ];
  }
  if (hugepages().total > 0) return [];
  try {
    accessSync('/proc/sys/vm/nr_hugepages', constants.W_OK);
    return [];
  } catch {
    return [
      {
        reason: 'no 2 MB hugepages are reserved and /proc/sys/vm/nr_hugepages is not writable',
        fix: 'run as root, or echo 1024 > /proc/sys/vm/nr_hugepages',
      },
    ];
  }
}
