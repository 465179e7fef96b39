// The snabb driver for real, with the Snabb build found as `nfvperf doctor` finds it (PATH,
// NFVPERF_SNABB, or the shared build): ports read back from Snabb's own shared-memory state and
// its link counters matching what dpdk-testpmd sent; through the CLI with nfvperf-app's dpdk
// backend, 1vs1 and 2vs2 deliver exactly what was sent (modest rates: three pollers share two
// cores here, so counts are exact, speeds are not asserted), latency matches every echo, the
// CPU per component names Snabb, a killed Snabb fails its case naming it, and a killed run is
// cleaned up by `nfvperf cleanup`. Each time nothing is left: not Snabb's hugetlbfs mount, its
// /run/snabb, its feature-cache files in /tmp, hugepages, nor processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SummaryDocument } from '../../src/analysis/summary-document.js';
import type { Summary } from '../../src/store/summary.js';
import { appFilePrefix, vdevFor } from '../../src/switches/dpdk-port.js';
import { appBackends } from '../../src/testbed/probes.js';
import { pollUntil } from '../../src/switches/readback.js';
import { locateSnabb, snabb, type SnabbInstance } from '../../src/switches/snabb.js';
import { connectPair } from '../../src/switches/types.js';
import { readTopology } from '../../src/testbed/cpus.js';
import { hugetlbfsMountAt } from '../../src/testbed/hugepages.js';
import { createContainer } from '../../src/testbed/netns.js';
import { nfvperf, runPlan, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { appSummaries, pairTotals } from '../helpers/results.js';
import { startRun } from '../helpers/spawn.js';
import { Testpmd } from '../../bench/testpmd.js';
import { assertDpdkClean, dpdkHostState, dpdkSkipReason, livePids, switchTestRun } from './dpdk-helpers.js';

function skipReason(app: boolean): string | undefined {
  const found = locateSnabb();
  if ('missing' in found) return `${found.missing.reason} (fix: ${found.missing.fix})`;
  if (app && !appBackends().backends.includes('dpdk'))
    return 'nfvperf-app was built without its dpdk backend (npm run build with libdpdk-dev)';
  return dpdkSkipReason();
}

/** What Snabb leaves outside our run directory when not cleaned up. */
function snabbLeftovers(): { mount: boolean; runDir: boolean; featureFiles: string[] } {
  return {
    mount: hugetlbfsMountAt('/run/snabb/hugetlbfs'),
    runDir: existsSync('/run/snabb'),
    featureFiles: readdirSync('/tmp').filter((f) => f.startsWith('vhost_features___run__nfvperf__')),
  };
}

function snapshot() {
  return { host: hostState(), dpdk: dpdkHostState(), snabb: snabbLeftovers() };
}

function assertClean(before: ReturnType<typeof snapshot>): void {
  assertNoLeaks(before.host);
  assertDpdkClean(before.dpdk);
  assert.deepEqual(snabbLeftovers(), before.snabb, "Snabb's mount, /run/snabb and feature files as found");
}

test("snabb is found from NFVPERF_SNABB, PATH, or NFVPERF_THIRD_PARTY's build, and doctor shows its version", async (t) => {
  const saved = { snabb: process.env.NFVPERF_SNABB, third: process.env.NFVPERF_THIRD_PARTY, path: process.env.PATH };
  try {
    process.env.NFVPERF_SNABB = '/nonexistent/snabb';
    const wrong = locateSnabb();
    assert.ok(
      'missing' in wrong && /NFVPERF_SNABB is \/nonexistent\/snabb, which does not exist/.test(wrong.missing.reason),
    );
    assert.ok(
      'missing' in wrong && /git clone https:\/\/github\.com\/snabbco\/snabb.*make/.test(wrong.missing.fix),
      'the fix says how to build it',
    );
    delete process.env.NFVPERF_SNABB;
    process.env.PATH = '/nonexistent';
    const third = tempDir();
    mkdirSync(join(third, 'snabb'));
    writeFileSync(join(third, 'snabb', 'snabb'), '');
    process.env.NFVPERF_THIRD_PARTY = third;
    assert.deepEqual(locateSnabb(), { path: join(third, 'snabb', 'snabb'), how: 'the shared build' });
    process.env.NFVPERF_THIRD_PARTY = '/nonexistent';
    const none = locateSnabb();
    assert.ok(
      'missing' in none &&
        /no snabb on PATH, NFVPERF_SNABB unset, no \/nonexistent\/snabb\/snabb/.test(none.missing.reason),
    );
  } finally {
    for (const [k, v] of [
      ['NFVPERF_SNABB', saved.snabb],
      ['NFVPERF_THIRD_PARTY', saved.third],
      ['PATH', saved.path],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const skip = skipReason(true);
  if (skip) {
    t.skip(skip);
    return;
  }
  const doctor = JSON.parse((await nfvperf(['doctor', '--json'])).stdout) as {
    switches: { name: string; available: boolean; version: string | null }[];
  };
  const entry = doctor.switches.find((s) => s.name === 'snabb')!;
  t.diagnostic(`doctor: snabb ${entry.version}`);
  assert.equal(entry.available, true);
  assert.match(entry.version!, /^snabb \d{4}\.\d{2}/);
});

const run = (plan: string) => runPlan(plan, { args: ['--plain'], timeoutMs: 240_000 });

test("snabb driver: ports read back from Snabb's state; its link counters match testpmd's totals; torn down", async (t) => {
  const skip = skipReason(false);
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = snapshot();
  const testRun = switchTestRun();
  const { names, resources } = testRun;
  const apps: Testpmd[] = [];
  const cpus = readTopology().online;
  try {
    const sw = (await snabb.start({ names, resources, cpus: [cpus.at(-1)!] })) as SnabbInstance;
    assert.ok(hugetlbfsMountAt('/run/snabb/hugetlbfs'), "Snabb's hugetlbfs is mounted for it");
    const s = await createContainer(resources, names, 's', 0);
    const r = await createContainer(resources, names, 'r', 0);
    const [sp, rp] = await connectPair(sw, s, r);
    assert.deepEqual([sp.kind, rp.kind], ['vhost-user', 'vhost-user']);
    if (sp.kind !== 'vhost-user') return;
    assert.deepEqual(
      sw.cpuThreads().map((th) => th.name),
      ['snabb'],
    );
    assert.deepEqual(
      sw.portCounters().map((c) => [c.port, c.fromApp, c.toApp]),
      [
        ['s0', 0, 0],
        ['r0', 0, 0],
      ],
    );
    const rx = new Testpmd(r.netns, {
      cpu: cpus[0]!,
      filePrefix: appFilePrefix(names, 'r', 0),
      vdev: vdevFor(rp, r.mac)!,
      mode: 'rxonly',
    });
    apps.push(rx);
    await rx.ready();
    const tx = new Testpmd(s.netns, {
      cpu: cpus[0]!,
      filePrefix: appFilePrefix(names, 's', 0),
      vdev: vdevFor(sp, s.mac)!,
      mode: 'txonly',
      ethPeer: r.mac,
    });
    apps.push(tx);
    await tx.ready();
    await new Promise((res) => setTimeout(res, 1500));
    await tx.stop();
    const sent = tx.totals().tx;
    // Snabb takes every frame testpmd put on its ring, and hands each to the receiver's port or
    // counts it dropped there (its link to the app was full).
    await pollUntil(
      'Snabb counted every frame the sender sent',
      async () => {
        const [sc, rc] = sw.portCounters();
        return sc!.fromApp === sent && rc!.toApp + rc!.toAppDropped === sent ? true : JSON.stringify(sw.portCounters());
      },
      5000,
    );
    await rx.stop();
    const [, rc] = sw.portCounters();
    t.diagnostic(`testpmd sent ${sent}, received ${rx.totals().rx}; Snabb: ${JSON.stringify(sw.portCounters())}`);
    assert.ok(sent > 0, 'the sender sent');
    assert.ok(
      rx.totals().rx > 0 && rx.totals().rx <= rc!.toApp,
      `the receiver got what Snabb delivered: ${rx.totals().rx} ≤ ${rc!.toApp}`,
    );
    assert.ok(
      existsSync(`/tmp/vhost_features_${sp.socketPath.replace(/\//g, '__')}`),
      'Snabb cached the features (removed at teardown)',
    );
  } finally {
    for (const a of apps) await a.stop();
    await testRun.release();
  }
  testRun.assertClean();
  assertClean(before);
});

test('snabb through the CLI: 1vs1 and 2vs2 deliver exactly what was sent; CPU per component names Snabb; nothing left', async (t) => {
  const skip = skipReason(true);
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = snapshot();
  // 5 kpps per sender: with 2vs2, five pollers share two cores, and a receiver descheduled for
  // tens of ms must not find more frames waiting than its ring and Snabb's link hold.
  const { out, summary } = await run(
    'name: snabb\nswitches: [snabb]\npairs: [1, 2]\nbackends: [dpdk]\nrates: [5000]\nduration: 2\nwarmup: 0\ncooldown: 0\n',
  );
  assert.deepEqual(
    summary.cases.map((c) => [c.switch, c.pairs, c.status, c.error ?? null]),
    [
      ['snabb', 1, 'ok', null],
      ['snabb', 2, 'ok', null],
    ],
  );
  const totals = pairTotals(join(out, 'results.sqlite'));
  assert.equal(totals.size, 3, 'one pair, then two');
  for (const [key, { tx, rx, lost }] of totals) {
    t.diagnostic(`${key}: sent ${tx}, received ${rx}`);
    assert.ok(tx! > 0, `${key}: the sender sent`);
    assert.equal(rx, tx, `${key}: received exactly what was sent`);
    assert.equal(lost, 0, `${key}: no sequence gap`);
  }
  const doc = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SummaryDocument;
  for (const c of doc.cases) {
    const cpu = c.cpu!.perComponent;
    t.diagnostic(`${c.pairs} pair(s): CPU ${JSON.stringify(cpu)}`);
    assert.ok((cpu.snabb ?? 0) > 0, `Snabb is sampled as a component of its own: ${JSON.stringify(cpu)}`);
    assert.ok(cpu['send 0']! > 0 && cpu['recv 0']! > 0, 'and the apps');
  }
  assertClean(before);
});

test('snabb through the CLI: a latency case matches every echo', async (t) => {
  const skip = skipReason(true);
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = snapshot();
  const { out, summary } = await run(
    'name: snabblat\ndimension: latency\nswitches: [snabb]\nbackends: [dpdk]\nrates: [2000]\nbursts: [1]\nduration: 2\nwarmup: 0\ncooldown: 0\n',
  );
  const [c] = summary.cases;
  assert.equal(c?.status, 'ok', c?.error);
  assert.ok(c.latency!.p50Us > 0 && c.latency!.p50Us <= c.latency!.p99Us, JSON.stringify(c.latency));
  const client = appSummaries(join(out, 'results.sqlite'), 'latency').find((r) => r.role === 'client');
  const s = JSON.parse(client!.summary_json) as {
    txPackets: number;
    rxPackets: number;
    lost: number;
    unmatched: number;
  };
  t.diagnostic(`snabb client: ${s.txPackets} sent, ${s.rxPackets} echoes, p50 ${c.latency!.p50Us} µs`);
  assert.ok(s.txPackets > 0);
  assert.deepEqual([s.rxPackets, s.lost, s.unmatched], [s.txPackets, 0, 0], 'every echo came back and matched');
  assertClean(before);
});

/** The one live Snabb that was not running before (its supervisor is named otherwise). */
async function waitForSnabb(beforePids: number[], run: ReturnType<typeof startRun>): Promise<number> {
  for (let i = 0; i < 600; i++) {
    const fresh = livePids(['snabb']).filter((p) => !beforePids.includes(p));
    if (fresh.length === 1 && /running/.test(run.output())) return fresh[0]!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no Snabb started: ${run.output()}`);
}

test('snabb killed mid-case: that case fails naming it, the next one runs, nothing leaks', async (t) => {
  const skip = skipReason(true);
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = snapshot();
  const dir = tempDir({
    'p.yaml':
      'name: snabbcrash\nswitches: [snabb]\nbackends: [dpdk]\nrates: [20000, 30000]\nduration: 3\nwarmup: 0\ncooldown: 0\n',
  });
  const out = join(dir, 'out');
  const running = startRun([join(dir, 'p.yaml'), '--out', out]);
  const victim = await waitForSnabb(before.dpdk.daemons, running);
  await new Promise((r) => setTimeout(r, 1500)); // into the case's traffic
  process.kill(victim, 'SIGKILL');
  assert.equal(await running.exit(), 1, running.output());
  const cases = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary).cases;
  assert.equal(cases[0]!.status, 'failed');
  assert.match(cases[0]!.error!, new RegExp(`switch process snabb \\(pid ${victim}\\) died during the case`));
  assert.equal(cases[1]!.status, 'ok', cases[1]!.error);
  assertClean(before);
});

test('a run killed while Snabb runs: `nfvperf cleanup` removes its mount, /run/snabb, feature files and hugepages', async (t) => {
  const skip = skipReason(true);
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = snapshot();
  const dir = tempDir({
    'p.yaml':
      'name: snabbkilled\nswitches: [snabb]\nbackends: [dpdk]\nrates: [20000]\nduration: 3\nwarmup: 0\ncooldown: 0\n',
  });
  const running = startRun([join(dir, 'p.yaml'), '--out', join(dir, 'out')]);
  await waitForSnabb(before.dpdk.daemons, running);
  await new Promise((r) => setTimeout(r, 1500));
  running.child.kill('SIGKILL');
  await running.exit();
  assert.ok(hostState().ledgers.length > before.host.ledgers.length, 'the killed run left its ledger');
  const cleanup = await nfvperf(['cleanup']);
  assert.equal(cleanup.code, 0, cleanup.stderr + cleanup.stdout);
  t.diagnostic(cleanup.stdout.trim());
  assert.match(cleanup.stdout, /removed mount \/run\/snabb\/hugetlbfs/);
  assert.match(cleanup.stdout, /removed path \/tmp\/vhost_features___run__nfvperf__/);
  assertClean(before);
});
