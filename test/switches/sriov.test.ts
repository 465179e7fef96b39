// The sriov driver without an SR-IOV NIC (none exists on this project's machines, so none of this
// is verified on hardware): a fake sysfs tree in a temp dir, with a fake kernel that does what
// the real one does on the writes the driver makes (VFs appear for sriov_numvfs, drivers_probe
// binds by driver_override, unbind unbinds), and an `ip link` adapter whose VF MAC/VLAN table
// is fake — but VF netdevs are real veth ends moved into real namespaces by the real `ip` calls.
// Then: everything restored as found, by the teardown and from the ledger; plan errors located.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { exec } from '../../src/common/exec.js';
import { sriovDriver } from '../../src/switches/sriov.js';
import { connectPair } from '../../src/switches/types.js';
import { Ledger, readLedgers } from '../../src/testbed/ledger.js';
import { newRunToken, runNames } from '../../src/testbed/names.js';
import { createContainer } from '../../src/testbed/netns.js';
import { deleteLink, Resources } from '../../src/testbed/resources.js';
import { ipLinkCommands, restoreSriov, type IpLink, type SriovSaved } from '../../src/testbed/sriov.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const PF_PCI = '0000:04:00.0';
const vfPci = (i: number) => `0000:04:10.${i}`;

/**
 * A sysfs tree with one PF (`pf0`, `totalVfs` VFs, `numVfs` present) and a fake kernel polling it.
 * VF i's netdev is `netdev(i)` (a real link the test made) while bound to iavf.
 */
function fakeHost(totalVfs: number, numVfs: number, netdev: (i: number) => string) {
  const root = mkdtempSync(join(tmpdir(), 'nfp-sysfs-'));
  made.push(root);
  const pci = join(root, 'devices', 'pci0000:00');
  const pfDev = join(pci, PF_PCI);
  mkdirSync(pfDev, { recursive: true });
  mkdirSync(join(root, 'class', 'net', 'pf0'), { recursive: true });
  symlinkSync(pfDev, join(root, 'class', 'net', 'pf0', 'device'));
  writeFileSync(join(pfDev, 'sriov_totalvfs'), `${totalVfs}\n`);
  writeFileSync(join(pfDev, 'sriov_numvfs'), '0\n');
  for (const d of ['iavf', 'vfio-pci']) mkdirSync(join(root, 'bus', 'pci', 'drivers', d), { recursive: true });
  writeFileSync(join(root, 'bus', 'pci', 'drivers_probe'), '');
  const vfDev = (i: number) => join(pci, vfPci(i));
  const bind = (i: number, driver: string | null) => {
    try {
      unlinkSync(join(vfDev(i), 'driver'));
    } catch {
      /* unbound */
    }
    rmSync(join(vfDev(i), 'net'), { recursive: true, force: true });
    if (!driver) return;
    symlinkSync(join(root, 'bus', 'pci', 'drivers', driver), join(vfDev(i), 'driver'));
    if (driver === 'iavf') mkdirSync(join(vfDev(i), 'net', netdev(i)), { recursive: true });
  };
  const writes: string[] = [];
  // The kernel's side: run on every tick until stopped.
  const tick = () => {
    const n = Number(readFileSync(join(pfDev, 'sriov_numvfs'), 'utf8').trim());
    for (let i = 0; i < totalVfs; i++) {
      const link = join(pfDev, `virtfn${i}`);
      if (i < n && !existsSync(link)) {
        mkdirSync(vfDev(i), { recursive: true });
        writeFileSync(join(vfDev(i), 'driver_override'), '\n');
        symlinkSync(vfDev(i), link);
        bind(i, 'iavf');
      } else if (i >= n && existsSync(link)) {
        unlinkSync(link);
        rmSync(vfDev(i), { recursive: true, force: true });
      }
    }
    for (const d of ['iavf', 'vfio-pci']) {
      const unbind = join(root, 'bus', 'pci', 'drivers', d, 'unbind');
      const address = existsSync(unbind) ? readFileSync(unbind, 'utf8').trim() : '';
      if (address) {
        writes.push(`unbind ${address} from ${d}`);
        bind(Number(address.split('.').at(-1)), null);
        writeFileSync(unbind, '');
      }
    }
    const probe = readFileSync(join(root, 'bus', 'pci', 'drivers_probe'), 'utf8').trim();
    if (probe) {
      writes.push(`probe ${probe}`);
      const i = Number(probe.split('.').at(-1));
      const override = readFileSync(join(vfDev(i), 'driver_override'), 'utf8').trim();
      bind(i, override || 'iavf');
      writeFileSync(join(root, 'bus', 'pci', 'drivers_probe'), '');
    }
  };
  if (numVfs > 0) {
    writeFileSync(join(pfDev, 'sriov_numvfs'), `${numVfs}\n`);
    tick();
  }
  const timer = setInterval(tick, 5);
  return {
    root,
    writes,
    numVfs: () => Number(readFileSync(join(pfDev, 'sriov_numvfs'), 'utf8').trim()),
    driverOf: (i: number) => {
      try {
        return basename(readlinkSync(join(vfDev(i), 'driver')));
      } catch {
        return null;
      }
    },
    stop: () => clearInterval(timer),
  };
}

/** The PF's VF table (MAC, VLAN) as a fake; moving netdevs is the real `ip` (they are real veths). */
function fakeIp(): IpLink & { table: Map<number, { mac: string; vlan: number }>; calls: string[] } {
  const table = new Map<number, { mac: string; vlan: number }>();
  const calls: string[] = [];
  return {
    table,
    calls,
    async setVf(pf, vf, mac, vlan) {
      calls.push(`${pf} vf ${vf} mac ${mac} vlan ${vlan}`);
      table.set(vf, { mac, vlan });
    },
    async readVfs() {
      return [...table].map(([vf, v]) => ({ vf, ...v }));
    },
    move: ipLinkCommands.move,
  };
}

async function linkIn(
  netns: string | undefined,
  name: string,
): Promise<{ ifname: string; addr_info?: { local: string }[] } | undefined> {
  const r = await exec(['ip', ...(netns ? ['-n', netns] : []), '-j', 'addr', 'show', 'dev', name], { check: false });
  return r.exitCode === 0
    ? (JSON.parse(r.stdout) as { ifname: string; addr_info?: { local: string }[] }[])[0]
    : undefined;
}

function setup() {
  const before = hostState();
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledgerDir = mkdtempSync(join(tmpdir(), 'nfp-ledger-'));
  made.push(ledgerDir);
  const ledger = Ledger.open(names.token, ledgerDir);
  return { before, names, ledgerDir, ledger, resources: new Resources(ledger) };
}

test('sriov, kernel backends: VFs made through sysfs, MACs set through the PF, netdevs moved into the containers; all restored as found', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('needs root (real namespaces and veths)');
    return;
  }
  const { before, names, ledger, resources } = setup();
  const vfNetdev = (i: number) => `nfp${names.token}v${i}`;
  // The VF netdevs: real veth ends (their peers stay on the host), made before the "VFs".
  for (const i of [0, 1]) {
    await resources.create(
      { kind: 'link', name: vfNetdev(i) },
      () => exec(['ip', 'link', 'add', vfNetdev(i), 'type', 'veth', 'peer', 'name', `nfp${names.token}w${i}`]),
      () => deleteLink(vfNetdev(i)),
    );
  }
  const host = fakeHost(4, 0, vfNetdev);
  const ip = fakeIp();
  ip.table.set(0, { mac: '00:00:00:00:00:00', vlan: 0 });
  try {
    const sw = await sriovDriver(host.root, ip).start({
      names,
      resources,
      cpus: [],
      backend: 'udp',
      options: { sriov: { pf: 'pf0', vfs: 2, vlan: 7 } },
    });
    assert.equal(host.numVfs(), 2, 'sriov.vfs VFs made');
    const s = await createContainer(resources, names, 's', 0);
    const r = await createContainer(resources, names, 'r', 0);
    const [sp, rp] = await connectPair(sw, s, r);
    assert.deepEqual(
      [sp, rp],
      [
        { kind: 'kernel', ifname: 'eth0' },
        { kind: 'kernel', ifname: 'eth0' },
      ],
    );
    assert.deepEqual(ip.calls, [`pf0 vf 0 mac ${s.mac} vlan 7`, `pf0 vf 1 mac ${r.mac} vlan 7`]);
    assert.deepEqual(
      (await linkIn(s.netns, 'eth0'))?.addr_info?.map((a) => a.local),
      [s.ip],
      "VF 0 is the sender's eth0, addressed",
    );
    assert.deepEqual(
      (await linkIn(r.netns, 'eth0'))?.addr_info?.map((a) => a.local),
      [r.ip],
    );
    assert.equal(await linkIn(undefined, vfNetdev(0)), undefined, 'no longer on the host');
    const kinds = readLedgers(join(ledger.path, '..'))[0]!.open.map(
      (e) => `${e.kind} ${e.name.replace(host.root, '')}`,
    );
    assert.deepEqual(
      kinds.filter((k) => k.startsWith('sriov')),
      [
        'sriov /class/net/pf0/device numvfs',
        'sriov /class/net/pf0/device vf 0',
        'sriov /class/net/pf0/device vf 0 netdev',
        'sriov /class/net/pf0/device vf 1',
        'sriov /class/net/pf0/device vf 1 netdev',
      ],
      'each change in the ledger first',
    );
  } finally {
    const errors = await resources.releaseAll();
    ledger.close();
    host.stop();
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
    );
  }
  assert.equal(host.numVfs(), 0, 'the VF count as found');
  assert.deepEqual(
    ip.calls.slice(2),
    ['pf0 vf 1 mac 00:00:00:00:00:00 vlan 0', 'pf0 vf 0 mac 00:00:00:00:00:00 vlan 0'],
    'MACs and VLANs as found',
  );
  assertNoLeaks(before);
});

test('sriov, dpdk: the VF is bound to vfio-pci and handed out by PCI address; its driver restored; the ledger restores a crashed run', async () => {
  const { names, ledgerDir, ledger, resources } = setup();
  const host = fakeHost(4, 2, (i) => `ens1f0v${i}`);
  const ip = fakeIp();
  try {
    const sw = await sriovDriver(host.root, ip).start({
      names,
      resources,
      cpus: [],
      backend: 'dpdk',
      options: { sriov: { pf: 'pf0' } },
    });
    assert.equal(host.numVfs(), 2, 'the VFs found are used as they are');
    const fake = { netns: 'nfp-0000-s0', side: 's' as const, pair: 0, ip: '10.0.0.1', mac: '02:00:00:00:00:01' };
    assert.deepEqual(await sw.attach!(fake), { kind: 'pci', address: vfPci(0) });
    assert.equal(host.driverOf(0), 'vfio-pci');
    assert.deepEqual(host.writes, [`unbind ${vfPci(0)} from iavf`, `probe ${vfPci(0)}`]);
    await assert.rejects(
      sw.attach!({ ...fake, pair: 1 }).then(() => sw.attach!({ ...fake, pair: 2 })),
      /pf0 has 2 VFs, too few for this case: raise sriov.vfs \(at most 4\)/,
    );
    // As `nfvperf cleanup` would after a crash: each entry of the ledger, newest first.
    const open = readLedgers(ledgerDir)[0]!
      .open.filter((e) => e.kind === 'sriov')
      .reverse();
    for (const e of open) await restoreSriov(JSON.parse(e.saved!) as SriovSaved, ip);
    assert.deepEqual([host.driverOf(0), host.driverOf(1)], ['iavf', 'iavf'], 'drivers as found');
    assert.deepEqual(ip.table.get(0), { mac: '00:00:00:00:00:00', vlan: 0 });
  } finally {
    await resources.releaseAll();
    ledger.close();
    host.stop();
  }
  assert.equal(host.numVfs(), 2, 'the count was not changed');
});

test('sriov plan settings: errors located in the file, before anything is touched', async () => {
  const dir = tempDir({
    'a.yaml': 'name: a\nswitches: [sriov]\n',
    'b.yaml': 'name: b\nswitches: [sriov]\nsriov:\n  pf: "eth0; reboot"\n  vlan: 5000\n',
    'c.yaml': 'name: c\nsriov: { pf: ens1f0 }\n',
  });
  const a = await nfvperf(['run', join(dir, 'a.yaml'), '--dry-run']);
  assert.equal(a.code, 2);
  assert.match(
    a.stderr,
    /a\.yaml:2:12 switches\[0\]: switch sriov needs the physical function .*add `sriov: \{ pf: <interface> \}`/,
  );
  const b = await nfvperf(['run', join(dir, 'b.yaml'), '--dry-run']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /b\.yaml:4:7 sriov\.pf: expected a network interface name/);
  assert.match(b.stderr, /b\.yaml:5:9 sriov\.vlan: expected at most 4094/);
  const c = await nfvperf(['run', join(dir, 'c.yaml'), '--dry-run']);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /c\.yaml:2:\d+ sriov: sriov sets up switch sriov, which this plan does not use/);
  const doctor = await nfvperf(['doctor', '--json']);
  const entry = (JSON.parse(doctor.stdout) as { switches: { name: string; description: string }[] }).switches.find(
    (s) => s.name === 'sriov',
  );
  assert.match(entry!.description, /not verified on hardware/);
});
