// SR-IOV state of a host: a physical function's VF count, each VF's driver (sysfs, under a root
// that tests point at a fake tree), MAC and VLAN (through the PF with `ip link`, behind `IpLink`,
// which tests replace), and its netdev. What the sriov switch driver changes is saved here first
// and written back by `restoreSriov`, from the teardown and from `nfvperf cleanup`.
// Not verified on hardware (no SR-IOV NIC on this project's machines).
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { exec } from '../common/exec.js';
import { pollUntil } from '../switches/readback.js';

const SYSFS_TIMEOUT_MS = 5000;

/** The `ip link` calls made on a PF and its VFs (one small adapter: a test replaces it, no SR-IOV NIC being at hand). */
export interface IpLink {
  /** `ip link set PF vf N mac MAC vlan V` (VLAN 0: untagged). */
  setVf(pf: string, vf: number, mac: string, vlan: number): Promise<void>;
  /** Each VF's MAC and VLAN as the PF reports them (`ip -j link show dev PF`: vfinfo_list). */
  readVfs(pf: string): Promise<{ vf: number; mac: string; vlan: number }[]>;
  /** Moves `dev` into namespace `netns` (undefined: back to the host's) under the name `as`. */
  move(dev: { name: string; netns?: string }, to: { netns?: string; as: string }): Promise<void>;
}

export const ipLinkCommands: IpLink = {
  async setVf(pf, vf, mac, vlan) {
    await exec(['ip', 'link', 'set', 'dev', pf, 'vf', String(vf), 'mac', mac, 'vlan', String(vlan)]);
  },
  async readVfs(pf) {
    const [link] = JSON.parse((await exec(['ip', '-j', 'link', 'show', 'dev', pf])).stdout) as {
      vfinfo_list?: { vf: number; address?: string; mac?: string; vlan_list?: { vlan: number }[] }[];
    }[];
    return (link?.vfinfo_list ?? []).map((v) => ({
      vf: v.vf,
      mac: (v.address ?? v.mac ?? '').toLowerCase(),
      vlan: v.vlan_list?.[0]?.vlan ?? 0,
    }));
  },
  async move(dev, to) {
    const inNs = (ns?: string) => (ns ? ['-n', ns] : []);
    const rename = (ns: string | undefined, from: string) =>
      from === to.as ? Promise.resolve() : exec(['ip', ...inNs(ns), 'link', 'set', 'dev', from, 'name', to.as]);
    // Renamed inside the container's namespace, never on the host: the host has an eth0 of its own.
    // "Back to the host" is our own namespace (`netns PID`).
    if (dev.netns === to.netns) {
      await rename(dev.netns, dev.name);
    } else if (to.netns) {
      await exec(['ip', ...inNs(dev.netns), 'link', 'set', 'dev', dev.name, 'netns', to.netns]);
      await rename(to.netns, dev.name);
    } else {
      await rename(dev.netns, dev.name);
      await exec(['ip', ...inNs(dev.netns), 'link', 'set', 'dev', to.as, 'netns', String(process.pid)]);
    }
  },
};

/** The state of one PF's VFs as found, written to the ledger before anything changes. */
export interface SriovSaved {
  sysfs: string;
  pf: string;
  /** The VF count found (`sriov_numvfs`), when this entry changed it. */
  numvfs?: number;
  /** One VF as found, when this entry changed it: its MAC, VLAN, driver and netdev name. */
  vf?: { index: number; mac: string; vlan: number; driver: string | null; ifname: string | null };
}

/** Reads and writes the PF's and VFs' sysfs files under `root` (the host's /sys; a fake tree in tests). */
export class SriovSysfs {
  constructor(
    readonly root: string,
    readonly pf: string,
  ) {}

  get pfDevice(): string {
    return join(this.root, 'class', 'net', this.pf, 'device');
  }
  totalVfs(): number {
    return readNumber(join(this.pfDevice, 'sriov_totalvfs'));
  }
  numVfs(): number {
    return readNumber(join(this.pfDevice, 'sriov_numvfs'));
  }
  vfDevice(i: number): string {
    return join(this.pfDevice, `virtfn${i}`);
  }
  /** The VF's PCI address (the name its `virtfnN` link points to). */
  vfAddress(i: number): string {
    return basename(readlinkSync(this.vfDevice(i)));
  }
  vfDriver(i: number): string | null {
    try {
      return basename(readlinkSync(join(this.vfDevice(i), 'driver')));
    } catch {
      return null;
    }
  }
  vfNetdev(i: number): string | null {
    try {
      return readdirSync(join(this.vfDevice(i), 'net'))[0] ?? null;
    } catch {
      return null;
    }
  }

  /** Sets the VF count (the kernel wants 0 between two non-zero counts) and waits for the VFs to appear or go. */
  async setNumVfs(n: number): Promise<void> {
    if (this.numVfs() === n) return;
    if (this.numVfs() !== 0) writeFileSync(join(this.pfDevice, 'sriov_numvfs'), '0\n');
    if (n > 0) writeFileSync(join(this.pfDevice, 'sriov_numvfs'), `${n}\n`);
    await pollUntil(
      `${this.pf} has ${n} VFs`,
      async () => {
        const present = readdirSafe(this.pfDevice).filter((f) => /^virtfn\d+$/.test(f)).length;
        return present === n ? true : `${present} virtfn links`;
      },
      SYSFS_TIMEOUT_MS,
    );
  }

  /** Binds VF `i` to `driver` (null: whatever the kernel picks), through driver_override, and reads it back. */
  async bindVf(i: number, driver: string | null): Promise<void> {
    const address = this.vfAddress(i);
    const current = this.vfDriver(i);
    if (current === driver) return;
    if (current) writeFileSync(join(this.vfDevice(i), 'driver', 'unbind'), address);
    writeFileSync(join(this.vfDevice(i), 'driver_override'), driver ? `${driver}\n` : '\n');
    writeFileSync(join(this.root, 'bus', 'pci', 'drivers_probe'), address);
    await pollUntil(
      `VF ${i} (${address}) of ${this.pf} bound to ${driver ?? 'its default driver'}`,
      async () => {
        const now = this.vfDriver(i);
        return (driver === null ? now !== null : now === driver) ? true : `driver ${now ?? 'none'}`;
      },
      SYSFS_TIMEOUT_MS,
    );
  }
}

/** Puts back what `saved` recorded (the teardown of one change, and `nfvperf cleanup`'s). */
export async function restoreSriov(saved: SriovSaved, ip: IpLink = ipLinkCommands): Promise<void> {
  const sysfs = new SriovSysfs(saved.sysfs, saved.pf);
  if (saved.numvfs !== undefined) await sysfs.setNumVfs(saved.numvfs);
  const vf = saved.vf;
  if (!vf || vf.index >= sysfs.numVfs()) return; // its VF is gone with the count
  await sysfs.bindVf(vf.index, vf.driver);
  await ip.setVf(saved.pf, vf.index, vf.mac, vf.vlan);
  // A netdev left in a namespace that was deleted comes back to the host under the name it had there.
  const now = sysfs.vfNetdev(vf.index);
  if (vf.ifname && now && now !== vf.ifname) await ip.move({ name: now }, { as: vf.ifname });
}

function readNumber(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

export function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
