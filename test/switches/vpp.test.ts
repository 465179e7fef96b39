// The VPP drivers for real (the shared build, or VPP on PATH / NFVPERF_VPP): a private VPP per
// case with containers on vhost-user (vpp) or memif (vpp-memif) ports in bridge domain 1, nfvperf-app
// (dpdk backend) as the apps. Exact counts over whole cases, not speeds: with three or more pollers
// on two cores VPP's worker shares a CPU with an app, so the rate is low (its rings hold 1024
// frames, 100 ms at 10 kpps), and what a descheduled receiver still misses is counted as lost.
// Then nothing is left: no VPP, API segment in /dev/shm, run directory, hugetlbfs mount or page
// files, the hugepage count as found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SummaryDocument } from '../../src/analysis/summary-document.js';
import { connectPair } from '../../src/switches/types.js';
import { vpp } from '../../src/switches/vpp.js';
import { vppMemif } from '../../src/switches/vpp-memif.js';
import type { VppInstance } from '../../src/switches/vpp-common.js';
import { appBackends } from '../../src/testbed/probes.js';
import { readTopology } from '../../src/testbed/cpus.js';
import { hugetlbfsMount } from '../../src/testbed/hugepages.js';
import { createContainer } from '../../src/testbed/netns.js';
import { runPlan } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { assertEveryEchoMatched, pairTotals } from '../helpers/results.js';
import { startTestpmdPair, type Testpmd } from '../../bench/testpmd.js';
import { assertDpdkClean, dpdkHostState, dpdkSkipReason, killSwitchMidRun, switchTestRun } from './dpdk-helpers.js';

/** Why these tests cannot run here (no root, DPDK, nfvperf-app's dpdk backend, or VPP), or undefined. */
async function skipReason(): Promise<string | undefined> {
  const why =
    dpdkSkipReason() ??
    (appBackends().backends.includes('dpdk')
      ? undefined
      : 'nfvperf-app was built without its dpdk backend (npm run build with libdpdk-dev)');
  if (why) return why;
  const probe = await vpp.probe();
  return probe.available ? undefined : `VPP cannot run here: ${probe.reason}`;
}

const run = (plan: string) => runPlan(plan, { args: ['--plain'], timeoutMs: 240_000 });

/** Everything the host had before, checked again after (namespaces, links, apps, VPP, hugepages, mounts). */
function hostSnapshot(): () => void {
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  const mountBefore = hugetlbfsMount();
  return () => {
    assertNoLeaks(before);
    assertDpdkClean(dpdkBefore);
    assert.equal(hugetlbfsMount(), mountBefore, 'the run unmounted its hugetlbfs');
  };
}

test("vpp: the driver bridges vhost-user and memif ports in bridge domain 1, counts testpmd's frames through it, reports its worker, and leaves nothing", async (t) => {
  const why = await skipReason();
  if (why) {
    t.skip(why);
    return;
  }
  const cpus = readTopology().online;
  const worker = cpus.at(-1)!;
  for (const driver of [vpp, vppMemif]) {
    const testRun = switchTestRun();
    const { names, resources } = testRun;
    const apps: Testpmd[] = [];
    try {
      const sw = (await driver.start({ names, resources, cpus: [worker] })) as VppInstance;
      const s = await createContainer(resources, names, 's', 0);
      const r = await createContainer(resources, names, 'r', 0);
      const [sp, rp] = await connectPair(sw, s, r);
      if (driver === vpp) {
        assert.deepEqual([sp.kind, rp.kind], ['vhost-user', 'vhost-user']);
        assert.ok(
          sp.kind === 'vhost-user' && !sp.server && existsSync(sp.socketPath),
          'VPP serves the vhost-user socket',
        );
      } else {
        assert.ok(sp.kind === 'memif' && sp.role === 'client' && sp.switchServes === true, JSON.stringify(sp));
        assert.ok(rp.kind === 'memif' && rp.socketPath !== sp.socketPath, 'one memif socket per container');
      }
      const interfaces = await sw.vpp.interfaces();
      const members = await sw.vpp.bridgeDomainMembers();
      const ports = interfaces.filter((i) => i.interface_dev_type !== 'local');
      assert.equal(ports.length, 2, JSON.stringify(interfaces));
      assert.deepEqual(
        members.sort(),
        ports.map((i) => i.sw_if_index).sort(),
        'both ports, and only they, are in bridge domain 1',
      );
      // `vppctl` exits 0 on a failed command: the driver reads the output and says so.
      await assert.rejects(
        sw.vpp.configure(['set', 'interface', 'state', 'nfp-no-such-interface', 'up']),
        /unknown interface/,
      );
      const threads = sw.cpuThreads();
      assert.deepEqual(
        threads.map((th) => th.name),
        ['vpp vpp_wk_0'],
      );
      const affinity = readFileSync(`/proc/${threads[0]!.pid}/task/${threads[0]!.tid}/status`, 'utf8').match(
        /^Cpus_allowed_list:\s*(\S+)/m,
      )?.[1];
      assert.equal(affinity, String(worker), "the worker runs on the switch's CPU");
      assert.ok(readFileSync(join(sw.vpp.dir, 'startup.conf'), 'utf8').includes(`corelist-workers ${worker}`));

      // dpdk-testpmd txonly → rxonly through VPP; VPP's counters sit between the two apps' totals.
      const { tx, rx } = await startTestpmdPair(
        names,
        { c: s, port: sp, cpu: cpus[0]! },
        { c: r, port: rp, cpu: cpus[0]! },
        apps,
      );
      await new Promise((res) => setTimeout(res, 1500));
      await tx.stop();
      await new Promise((res) => setTimeout(res, 300));
      const counters = await sw.vpp.counters();
      await rx.stop();
      const [sName, rName] = ports.map((i) => i.interface_name);
      const fromSender = counters.get(sName!)!;
      const toReceiver = counters.get(rName!)!;
      const sent = tx.totals().tx;
      const got = rx.totals().rx;
      t.diagnostic(
        `${driver.name}: testpmd sent ${sent}, received ${got}; VPP ${sName} ${JSON.stringify(fromSender)}, ${rName} ${JSON.stringify(toReceiver)}`,
      );
      assert.ok(got > 0, 'frames went through VPP');
      assert.ok(
        got <= toReceiver.tx && toReceiver.tx <= fromSender.rx && fromSender.rx <= sent,
        `received ${got} ≤ VPP tx ${toReceiver.tx} ≤ VPP rx ${fromSender.rx} ≤ sent ${sent}`,
      );
    } finally {
      for (const a of apps) await a.stop();
      await testRun.release();
    }
    testRun.assertClean();
  }
});

test("vpp and vpp-memif: 1vs1 and 2vs2 account for every packet sent, VPP's worker in the CPU figures, torn down", async (t) => {
  const why = await skipReason();
  if (why) {
    t.skip(why);
    return;
  }
  const assertClean = hostSnapshot();
  const { out, summary } = await run(
    'name: vpp\nswitches: [vpp, vpp-memif]\npairs: [1, 2]\nbackends: [dpdk]\nrates: [10000]\nduration: 2\nwarmup: 0\ncooldown: 0\n',
  );
  assert.deepEqual(
    summary.cases.map((c) => [c.switch, c.pairs, c.status, c.error ?? null]),
    [
      ['vpp', 1, 'ok', null],
      ['vpp', 2, 'ok', null],
      ['vpp-memif', 1, 'ok', null],
      ['vpp-memif', 2, 'ok', null],
    ],
  );
  const totals = pairTotals(join(out, 'results.sqlite'));
  assert.equal(totals.size, 6, 'one pair, then two, per switch');
  for (const [key, { tx, rx, lost }] of totals) {
    t.diagnostic(`${key}: sent ${tx}, received ${rx}, lost ${lost}`);
    assert.ok(tx! > 0 && rx! > 0, `${key}: the sender sent, the receiver received`);
    // A descheduled receiver can let VPP's tx ring to it fill (VPP then drops): every frame is
    // either received or counted as lost.
    assert.equal(rx! + lost!, tx, `${key}: received + lost = sent`);
  }
  const doc = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SummaryDocument;
  for (const c of doc.cases) {
    const perComponent = c.cpu?.perComponent ?? {};
    assert.ok(
      (perComponent['vpp vpp_wk_0'] ?? 0) > 0,
      `${c.id}: VPP's worker is a CPU component: ${JSON.stringify(perComponent)}`,
    );
  }
  assertClean();
});

test('vpp: a latency case matches every echo', async (t) => {
  const why = await skipReason();
  if (why) {
    t.skip(why);
    return;
  }
  const assertClean = hostSnapshot();
  const { out, summary } = await run(
    'name: vpplat\ndimension: latency\nswitches: [vpp]\nbackends: [dpdk]\nrates: [2000]\nbursts: [1]\nduration: 2\nwarmup: 0\ncooldown: 0\n',
  );
  assertEveryEchoMatched(t, out, summary, 'vpp');
  assertClean();
});

test('vpp killed mid-case: that case fails naming it, the next one runs, nothing leaks', async (t) => {
  const why = await skipReason();
  if (why) {
    t.skip(why);
    return;
  }
  const assertClean = hostSnapshot();
  await killSwitchMidRun(
    'name: vppcrash\nswitches: [vpp]\nbackends: [dpdk]\nrates: [10000, 20000]\nduration: 3\nwarmup: 0\ncooldown: 0\n',
    ['vpp', 'vpp_main'],
    'vpp',
  );
  assertClean();
});
