// The lxc container runtime for real: a busybox container per app whose namespace the switch
// drivers attach like any other, the app inside it (its cgroup, its cpuset = the app's CPU), a
// SIGTERM that reaches the app; one case per runtime on linux-bridge and on OVS-DPDK with exact
// packet accounting; a killed run's containers removed by `nfvperf cleanup`. Nothing leaks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppProcess } from '../../src/apps/app.js';
import { exec } from '../../src/common/exec.js';
import { checkPlan, type Capabilities } from '../../src/plan/check.js';
import { expandPlan } from '../../src/plan/expand.js';
import { parsePlan } from '../../src/plan/load.js';
import { planSchema } from '../../src/plan/schema.js';
import { runCase } from '../../src/runner/case.js';
import { LocalHost } from '../../src/runner/case-host.js';
import { linuxBridge } from '../../src/switches/linux-bridge.js';
import { appBackends } from '../../src/testbed/probes.js';
import { connectPair } from '../../src/switches/types.js';
import { lxcRuntime, runtimeFor } from '../../src/testbed/containers.js';
import { readTopology } from '../../src/testbed/cpus.js';
import { Ledger, readLedgers } from '../../src/testbed/ledger.js';
import { LXC_DIR, lxcConfig } from '../../src/testbed/lxc.js';
import { newRunToken, runNames } from '../../src/testbed/names.js';
import { addNeighbor } from '../../src/testbed/netns.js';
import { Resources } from '../../src/testbed/resources.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { startRun } from '../helpers/spawn.js';
import { dpdkSkipReason, ovsSkipReason } from '../switches/dpdk-helpers.js';

async function lxcSkipReason(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root';
  const p = await lxcRuntime.probe();
  return p.available ? undefined : `${p.reason} (${p.fix}; scripts/setup-debian.sh)`;
}

const TEMPLATE = `lxc.net.0.type = veth
lxc.net.0.link = lxcbr0
lxc.apparmor.profile = generated
lxc.rootfs.path = dir:/x/rootfs
lxc.mount.entry = /lib lib none ro,bind 0 0`;

test('lxcConfig: no network or AppArmor of its own, the cpuset is the app CPU, app and sockets mounted in', () => {
  const config = lxcConfig(TEMPLATE, {
    cpu: 3,
    cgroupV1: true,
    binDir: '/opt/nfvperf/native/build',
    hugetlbfs: '/dev/hugepages',
  });
  const lines = config.split('\n');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('lxc.net.')),
    ['lxc.net.0.type = empty'],
  );
  assert.deepEqual(
    lines.filter((l) => l.startsWith('lxc.apparmor.')),
    ['lxc.apparmor.profile = unconfined'],
  );
  assert.ok(lines.includes('lxc.cgroup.cpuset.cpus = 3'));
  assert.ok(lines.includes('lxc.rootfs.path = dir:/x/rootfs'), 'the rest of the template is kept');
  assert.ok(lines.includes('lxc.mount.entry = /run/nfvperf run/nfvperf none rbind,create=dir 0 0'));
  assert.ok(
    lines.includes('lxc.mount.entry = /opt/nfvperf/native/build opt/nfvperf/native/build none ro,bind,create=dir 0 0'),
  );
  assert.ok(lines.includes('lxc.mount.entry = /dev/hugepages dev/hugepages none bind,create=dir 0 0'));
  const v2 = lxcConfig(TEMPLATE, { cpu: 0, cgroupV1: false, binDir: '/b', hugetlbfs: '/run/nfvperf/ab12/hugepages' });
  assert.ok(v2.includes('lxc.cgroup2.cpuset.cpus = 0'));
  assert.ok(!v2.includes('ab12/hugepages'), 'a hugetlbfs under /run/nfvperf comes with its rbind');
  assert.throws(() => lxcConfig(TEMPLATE, { cpu: 0, cgroupV1: true, binDir: '/my dir' }), /white space/);
});

test('a plan asking for lxc is refused at `containers` when LXC is missing here, or with locality remote', () => {
  const caps = (lxc: { available: boolean; reason?: string; fix?: string }): Capabilities => ({
    switches: new Map([['linux-bridge', { available: true, backends: ['udp-mmsg'] as const }]]),
    appBackends: ['udp-mmsg'],
    dimensions: ['throughput'],
    localities: ['local', 'remote'],
    remoteSwitches: ['linux-bridge'],
    runtimes: new Map([
      ['netns', { available: true }],
      ['lxc', lxc],
    ]),
  });
  const missing = checkPlan(
    parsePlan('name: a\ncontainers: lxc\n', 'p.yaml'),
    caps({ available: false, reason: '`lxc-create` not installed', fix: 'apt-get install lxc' }),
  );
  assert.deepEqual(
    missing.map((d) => `${d.line}:${d.col} ${d.path}: ${d.message}`),
    [
      '2:13 containers: container runtime lxc is unavailable here: `lxc-create` not installed (fix: apt-get install lxc)',
    ],
  );
  assert.deepEqual(checkPlan(parsePlan('name: a\ncontainers: lxc\n'), caps({ available: true })), []);
  const remote = checkPlan(
    parsePlan('name: a\ncontainers: lxc\nlocality: remote\ntestbed: lab.yaml\n'),
    caps({ available: true }),
  );
  assert.deepEqual(
    remote.map((d) => d.path),
    ['containers'],
  );
  assert.match(remote[0]!.message, /runs only with locality: local/);
});

test('lxc: the app runs inside its container (cgroup, cpuset, namespace); SIGTERM reaches it', async (t) => {
  const skip = await lxcSkipReason();
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = hostState();
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  const cpu = readTopology().online.at(-1)!;
  const apps: AppProcess[] = [];
  try {
    const sw = await linuxBridge.start({ names, resources, cpus: [] });
    const lxc = await lxcRuntime.prepare(resources, names);
    const s = await lxc.create(resources, 's', 0, { cpu });
    const r = await lxc.create(resources, 'r', 0, { cpu });
    await connectPair(sw, s, r);
    await addNeighbor(s, r);
    await addNeighbor(r, s);
    const rx = new AppProcess({
      role: 'recv',
      netns: r.netns,
      exec: r.exec,
      label: 'receiver',
      pair: 0,
      args: ['--backend', 'udp', '--local', `${r.ip}:7001`, '--cpu', String(cpu)],
    });
    apps.push(rx);
    await rx.waitReady(5000);
    const pid = rx.appPid!;
    assert.notEqual(pid, rx.pid, 'the app is lxc-attach’s child, not lxc-attach');
    assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`cpuset:/lxc\\.payload\\.${r.netns}$`, 'm'));
    assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), new RegExp(`^Cpus_allowed_list:\\s+${cpu}$`, 'm'));
    const inNetns = (await exec(['ip', 'netns', 'pids', r.netns])).stdout.split('\n').map(Number);
    assert.ok(inNetns.includes(pid), `the app (${pid}) is in the named namespace ${r.netns} (${inNetns.join(' ')})`);
    const tx = new AppProcess({
      role: 'send',
      netns: s.netns,
      exec: s.exec,
      label: 'sender',
      pair: 0,
      args: [
        '--backend',
        'udp',
        '--local',
        `${s.ip}:7000`,
        '--remote',
        `${r.ip}:7001`,
        '--rate',
        '1000',
        '--duration',
        '1',
      ],
    });
    apps.push(tx);
    assert.ok(await tx.waitExit(10_000), 'the sender stopped by itself');
    await new Promise((res) => setTimeout(res, 100));
    await rx.stop();
    assert.equal(rx.exitCode, 0, `the receiver exited cleanly on SIGTERM: ${rx.stderr}`);
    assert.ok(rx.summary && 'rxPackets' in rx.summary, 'the summary line arrived');
    assert.equal(rx.summary.rxPackets, tx.summary!.txPackets, 'every packet arrived');
  } finally {
    await Promise.all(apps.map((a) => a.stop(500)));
    const errors = await resources.releaseAll();
    ledger.close();
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
    );
  }
  assertNoLeaks(before);
});

/** One 1 s case at a paced rate through the runner, in `containers`; returns its record. */
async function oneCase(containers: 'netns' | 'lxc', sw: 'linux-bridge' | 'ovs', backend: 'udp-mmsg' | 'dpdk') {
  const plan = planSchema.parse({
    name: 'lxc',
    containers,
    switches: sw,
    backends: backend,
    rates: 10_000,
    duration: 1,
    warmup: 0,
    cooldown: 0,
  });
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const runResources = new Resources(ledger);
  try {
    const containersOfRun = await runtimeFor(containers).prepare(runResources, names);
    const host = new LocalHost({ names, ledger, topology: readTopology(), containers: containersOfRun });
    return await runCase(expandPlan(plan)[0]!, { hosts: [host], signal: new AbortController().signal });
  } finally {
    assert.deepEqual(await runResources.releaseAll(), []);
    assert.ok(ledger.close(), 'the ledger lists nothing left open');
  }
}

/** Sent and received over the whole case, from the apps' summaries. */
function totals(record: Awaited<ReturnType<typeof oneCase>>): { tx: number; rx: number } {
  const of = (role: string, key: 'txPackets' | 'rxPackets') =>
    record.summaries
      .filter((s) => s.role === role)
      .reduce((n, s) => n + Number((JSON.parse(s.json) as Record<string, number>)[key] ?? 0), 0);
  return { tx: of('send', 'txPackets'), rx: of('recv', 'rxPackets') };
}

for (const [sw, backend] of [
  ['linux-bridge', 'udp-mmsg'],
  ['ovs', 'dpdk'],
] as const) {
  test(`${sw} (${backend}): one case per container runtime, every packet sent is received, nothing left`, async (t) => {
    const skip =
      (await lxcSkipReason()) ??
      (sw === 'ovs'
        ? (dpdkSkipReason() ??
          ovsSkipReason() ??
          (appBackends().backends.includes('dpdk') ? undefined : 'nfvperf-app was built without its dpdk backend'))
        : undefined);
    if (skip) {
      t.skip(skip);
      return;
    }
    const before = hostState();
    for (const containers of ['netns', 'lxc'] as const) {
      const record = await oneCase(containers, sw, backend);
      assert.equal(record.status, 'ok', `${containers}: ${record.error}`);
      const { tx, rx } = totals(record);
      t.diagnostic(`${containers} on ${sw}: sent ${tx}, received ${rx}`);
      assert.ok(tx > 0, `${containers}: the sender sent`);
      // A kernel bridge at 10 kpps loses nothing. OVS-DPDK may drop the first packets while its
      // ports come up (the vhost-user link is not up the instant the app starts): at most those.
      if (sw === 'linux-bridge') assert.equal(rx, tx, `${containers}: received exactly what was sent`);
      else assert.ok(rx <= tx && rx > 0, `${containers}: received ${rx} of ${tx}`);
      assertNoLeaks(before);
    }
  });
}

test('nfvperf cleanup removes the LXC containers a killed run left behind', async (t) => {
  const skip = await lxcSkipReason();
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = hostState();
  const dir = tempDir({
    'p.yaml': 'name: lxckill\ncontainers: lxc\nrates: [1000]\nduration: 5\nwarmup: 0\ncooldown: 0\n',
  });
  const run = startRun([join(dir, 'p.yaml'), '--out', join(dir, 'out')]);
  await run.waitFor(/running/);
  // Wait until the base and both containers exist, then kill the run where it stands.
  for (let i = 0; i < 100 && hostState().lxc.length < before.lxc.length + 3; i++)
    await new Promise((r) => setTimeout(r, 50));
  run.child.kill('SIGKILL');
  await run.exit();
  const left = hostState().lxc.filter((n) => !before.lxc.includes(n));
  assert.equal(left.length, 3, `the killed run left its base and its two containers: ${left.join(' ')}`);
  const cleanup = await nfvperf(['cleanup']);
  assert.equal(cleanup.code, 0, cleanup.stderr);
  for (const name of left) {
    assert.match(cleanup.stdout, new RegExp(`removed lxc ${name}`));
    assert.ok(!existsSync(join(LXC_DIR, name)), `${name} is gone`);
  }
  assertNoLeaks(before);
});
