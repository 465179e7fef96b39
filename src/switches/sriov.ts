// sriov: the NIC's embedded switch. The physical function (PF) named by the plan's `sriov.pf`
// gets virtual functions (VFs) through sysfs (`sriov_numvfs`); each container gets one VF whose
// MAC (the container's) and VLAN (`sriov.vlan`, default none) are set through the PF; the VF's
// netdev is moved into the container for the kernel backends, or the VF is bound to vfio-pci for
// the dpdk backend (the app opens it by PCI address). Everything is restored as found — the VF
// count, each VF's driver, MAC and VLAN, its netdev's name — from the ledger, by the teardown and
// by `nfvperf cleanup`. Local only (no joinUplink).
//
// NOT VERIFIED ON HARDWARE: no machine of this project has an SR-IOV NIC. The sysfs side is
// tested on a fake sysfs tree with a fake kernel (test/switches/sriov.test.ts); the `ip link`
// calls go through `IpLink`, which that test replaces.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestbedError } from '../common/errors.js';
import { configureInterface, CONTAINER_IFNAME } from '../testbed/netns.js';
import {
  ipLinkCommands,
  readdirSafe,
  restoreSriov,
  SriovSysfs,
  type IpLink,
  type SriovSaved,
} from '../testbed/sriov.js';
import { pollUntil } from './readback.js';
import type { SwitchDriver } from './types.js';
import { probeFrom, type Missing } from '../testbed/probes.js';

/** What `doctor`, the report and errors say until a run on a real NIC is recorded. */
export const SRIOV_NOT_VERIFIED = 'not verified on hardware';
/** VFs made when the PF has none and the plan does not say (`sriov.vfs`). */
const DEFAULT_VFS = 8;

/** The sriov driver for a host whose sysfs is at `sysfs`, its `ip link` calls through `ip`. */
export function sriovDriver(sysfs = '/sys', ip: IpLink = ipLinkCommands): SwitchDriver<'sriov'> {
  return {
    name: 'sriov',
    description: `SR-IOV: the NIC switches between virtual functions given to the containers (${SRIOV_NOT_VERIFIED})`,
    busyThreads: 0,
    // The dpdk backend once nfvperf-app can open a PCI device (an EAL -a option): the driver
    // already binds the VF to vfio-pci and hands out its address for it.
    backends: ['udp', 'udp-mmsg', 'raw', 'raw-mmsg'],

    async probe() {
      const nics = sriovPfs(sysfs);
      const missing: Missing[] = [];
      if (nics.length === 0) {
        missing.push({
          reason: `no SR-IOV capable NIC (no ${sysfs}/class/net/*/device/sriov_totalvfs)`,
          fix:
            'give this machine an SR-IOV capable NIC (e.g. Intel 82599/X710/E810, NVIDIA ConnectX) with SR-IOV enabled in firmware/BIOS, ' +
            'a kernel with CONFIG_PCI_IOV, and vfio-pci for the dpdk backend; name it in the plan as `sriov: { pf: <interface> }`',
        });
      }
      const version =
        nics.length > 0
          ? `${nics.map((n) => `${n.ifname}: ${n.totalVfs} VFs`).join(', ')} (${SRIOV_NOT_VERIFIED})`
          : undefined;
      return probeFrom(missing, version);
    },

    async start(ctx) {
      const { resources } = ctx;
      const config = ctx.options?.sriov;
      if (!config)
        throw new TestbedError(
          'switch sriov needs the physical function: add `sriov: { pf: <interface> }` to the plan',
        );
      const pf = new SriovSysfs(sysfs, config.pf);
      if (!existsSync(join(pf.pfDevice, 'sriov_totalvfs'))) {
        throw new TestbedError(
          `sriov.pf ${config.pf} is not an SR-IOV physical function (no ${join(pf.pfDevice, 'sriov_totalvfs')}) (${SRIOV_NOT_VERIFIED})`,
        );
      }
      const found = pf.numVfs();
      const count = config.vfs ?? (found > 0 ? found : Math.min(DEFAULT_VFS, pf.totalVfs()));
      if (count > pf.totalVfs())
        throw new TestbedError(`sriov.vfs ${count}: ${config.pf} offers at most ${pf.totalVfs()} VFs`);
      if (count !== found) {
        await resources.create(
          {
            kind: 'sriov',
            name: `${pf.pfDevice} numvfs`,
            saved: JSON.stringify({ sysfs, pf: config.pf, numvfs: found } satisfies SriovSaved),
          },
          () => pf.setNumVfs(count),
          () => restoreSriov({ sysfs, pf: config.pf, numvfs: found }, ip),
        );
      }
      let next = 0;
      return {
        async attach(container) {
          const index = next++;
          if (index >= count)
            throw new TestbedError(
              `${config.pf} has ${count} VFs, too few for this case: raise sriov.vfs (at most ${pf.totalVfs()})`,
            );
          const before = (await ip.readVfs(config.pf)).find((v) => v.vf === index);
          const saved: SriovSaved = {
            sysfs,
            pf: config.pf,
            vf: {
              index,
              mac: before?.mac ?? '00:00:00:00:00:00',
              vlan: before?.vlan ?? 0,
              driver: pf.vfDriver(index),
              ifname: pf.vfNetdev(index),
            },
          };
          const vlan = config.vlan ?? 0;
          await resources.create(
            { kind: 'sriov', name: `${pf.pfDevice} vf ${index}`, saved: JSON.stringify(saved) },
            () => ip.setVf(config.pf, index, container.mac, vlan),
            () => restoreSriov(saved, ip),
          );
          await pollUntil(`VF ${index} of ${config.pf} has MAC ${container.mac} and VLAN ${vlan}`, async () => {
            const now = (await ip.readVfs(config.pf)).find((v) => v.vf === index);
            return now?.mac === container.mac && now.vlan === vlan ? true : JSON.stringify(now);
          });
          if (ctx.backend === 'dpdk') {
            await pf.bindVf(index, 'vfio-pci');
            return { kind: 'pci', address: pf.vfAddress(index) };
          }
          const ifname = pf.vfNetdev(index);
          if (!ifname)
            throw new TestbedError(
              `VF ${index} of ${config.pf} has no netdev (driver ${pf.vfDriver(index) ?? 'none'})`,
            );
          // Back to the host (and its name) before the namespace goes: a physical device outlives it.
          await resources.create(
            { kind: 'sriov', name: `${pf.pfDevice} vf ${index} netdev`, saved: JSON.stringify(saved) },
            () => ip.move({ name: ifname }, { netns: container.netns, as: CONTAINER_IFNAME }),
            () => ip.move({ name: CONTAINER_IFNAME, netns: container.netns }, { as: ifname }),
          );
          await configureInterface(container, CONTAINER_IFNAME);
          return { kind: 'kernel', ifname: CONTAINER_IFNAME };
        },
        cpuThreads: () => [],
        async stop() {
          /* the VFs are restored by `resources`, newest first */
        },
      };
    },
  };
}

export const sriov = sriovDriver();

/** Network interfaces whose device offers VFs (`device/sriov_totalvfs` > 0). */
export function sriovPfs(sysfs = '/sys'): { ifname: string; totalVfs: number }[] {
  return readdirSafe(join(sysfs, 'class', 'net')).flatMap((ifname) => {
    const totalVfs = readNumber(join(sysfs, 'class', 'net', ifname, 'device', 'sriov_totalvfs'));
    return totalVfs > 0 ? [{ ifname, totalVfs }] : [];
  });
}

function readNumber(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}
