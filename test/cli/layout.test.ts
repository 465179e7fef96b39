// Layouts tester and chain for real, through the `nfvperf` executable: a tester's two ports and a
// chain's forwarders in their own namespaces on a Linux bridge (and OVS-DPDK with the dpdk
// backend), exact whole-run totals, the layout in the record, and nothing left on the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Summary, SummaryCase } from '../../src/store/summary.js';
import { lxcRuntime } from '../../src/testbed/containers.js';
import { readTopology } from '../../src/testbed/cpus.js';
import { appBackends } from '../../src/testbed/probes.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertRunTotals } from '../helpers/results.js';
import { analyzeRun } from '../../src/analysis/index.js';
import { buildFigures } from '../../src/report/figures.js';
import { readRunFile } from '../../src/store/run-data.js';
import { assertDpdkClean, dpdkHostState, dpdkSkipReason, ovsSkipReason } from '../switches/dpdk-helpers.js';

const CORES = readTopology().cores.length;

async function run(plan: string, timeoutMs?: number): Promise<{ out: string; summary: Summary }> {
  const dir = tempDir({ 'plan.yaml': plan });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--out', out, '--plain'], timeoutMs ? { timeoutMs } : {});
  assert.equal(r.code, 0, r.stderr + r.stdout);
  return { out, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary };
}

/** The case's apps by label (`tester 0`, `forwarder 1`) from summary.json. */
function appsOf(c: SummaryCase): Map<string, NonNullable<SummaryCase['apps']>[number]> {
  return new Map((c.apps ?? []).map((a) => [`${a.role} ${a.pair}`, a]));
}

test('layout tester through linux-bridge (udp): every frame sent on one port comes back on the other', async (t) => {
  const before = hostState();
  const { out, summary } = await run(`name: tester
layout: tester
switches: [linux-bridge]
backends: [udp]
rates: [20000]
duration: 1
warmup: 1
cooldown: 0
`);
  const [c] = summary.cases;
  assert.equal(c?.status, 'ok', c?.error);
  assert.equal(c.id, 'throughput/local/1tester/linux-bridge/udp/64B/20000pps/b32/r0');
  assert.equal(c.layout, 'tester');
  assert.equal(c.pairs, 1);
  const tester = appsOf(c).get('tester 0')!;
  t.diagnostic(`tester: ${tester.txPackets} sent, ${tester.rxPackets} received`);
  assert.ok(tester.txPackets! > 0);
  assert.deepEqual([tester.rxPackets, tester.lost], [tester.txPackets, 0], 'every frame back, none lost');
  assert.equal(c.throughput!.lostPackets, 0);
  assert.deepEqual(Object.keys(c.cpus!), ['tester'], 'the record names the core of its one busy thread');
  assertRunTotals(join(out, 'results.sqlite'));
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    assert.deepEqual(db.prepare('SELECT layout, chain_length, chains, pairs FROM cases').get(), {
      layout: 'tester',
      chain_length: null,
      chains: null,
      pairs: 1,
    });
    assert.deepEqual(
      db.prepare('SELECT DISTINCT role, pair FROM samples').all(),
      [{ role: 'tester', pair: 0 }],
      'one app, whose samples carry both directions',
    );
  } finally {
    db.close();
  }
  assertNoLeaks(before);
});

test('Figs. 4b and 4c drawn from a tester run: one series per switch, each at its measured maximum', async () => {
  const before = hostState();
  const { out, summary } = await run(`name: testerfigs
layout: tester
switches: [linux-bridge, veth]
backends: [udp]
packetSizes: [64, 512]
rates: [20000]
duration: 1
warmup: 1
cooldown: 0
`);
  assert.equal(summary.cases.length, 4);
  for (const c of summary.cases) assert.equal(c.status, 'ok', `${c.id}: ${c.error}`);
  const r = await nfvperf(['report', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^figures: .*fig4b, fig4c/m);
  const set = buildFigures(analyzeRun(readRunFile(join(out, 'results.sqlite'))));
  for (const id of ['fig4b', 'fig4c']) {
    const figure = set.figures.find((f) => f.id === id) ?? assert.fail(`no ${id}: ${JSON.stringify(set.skipped)}`);
    assert.match(figure.caption, /one tester \(1tester\)/, `${id} says what S was`);
    // One point per switch and size, at the rate that case received (one case per tuple here).
    assert.deepEqual(
      figure.data.map((d) => [d.series, d.packetSizeBytes, d.maxRxMpps]),
      ['linux-bridge', 'veth'].flatMap((sw) =>
        [64, 512].map((size) => {
          const c = summary.cases.find((k) => k.switch === sw && k.packetSize === size)!;
          return [`${sw} · udp`, size, c.throughput!.rxPps / 1e6];
        }),
      ),
    );
    const svg = readFileSync(join(out, 'figures', `${id}.svg`), 'utf8');
    for (const series of ['linux-bridge · udp', 'veth · udp']) assert.ok(svg.includes(series), `${id}.svg: ${series}`);
  }
  assertNoLeaks(before);
});

test('layout chain of 1 and 2 forwarders through linux-bridge (udp): each forwarder passes on what the tester sent', async (t) => {
  const before = hostState();
  const { out, summary } = await run(`name: chain
layout: chain
chainLength: [1, 2]
cpuShared: true
switches: [linux-bridge]
backends: [udp]
rates: [10000]
duration: 1
warmup: 1
cooldown: 0
`);
  assert.deepEqual(
    summary.cases.map((c) => [c.id, c.chainLength, c.chains]),
    [
      ['throughput/local/1chain1/linux-bridge/udp/64B/10000pps/b32/r0', 1, 1],
      ['throughput/local/1chain2/linux-bridge/udp/64B/10000pps/b32/r0', 2, 1],
    ],
  );
  for (const c of summary.cases) {
    assert.equal(c.status, 'ok', c.error);
    const apps = appsOf(c);
    const tester = apps.get('tester 0')!;
    t.diagnostic(`${c.id}: tester ${tester.txPackets} sent, ${tester.rxPackets} received`);
    assert.ok(tester.txPackets! > 0);
    assert.deepEqual([tester.rxPackets, tester.lost], [tester.txPackets, 0], `${c.id}: no loss end to end`);
    for (let k = 0; k < c.chainLength!; k++) {
      const f = apps.get(`forwarder ${k}`)!;
      assert.deepEqual(
        [f.rxPackets, f.txPackets, f.unsent],
        [tester.txPackets, tester.rxPackets, 0],
        `${c.id} forwarder ${k}: received what the tester sent, forwarded what it got back`,
      );
    }
    assert.equal(apps.size, 1 + c.chainLength!);
    assert.equal(c.cpus!.forwarder!.length, c.chainLength);
    assert.equal(c.cpuShared, c.chainLength! + 1 > CORES, `${c.id}: shared only beyond the host's cores`);
  }
  assertRunTotals(join(out, 'results.sqlite'));
  assertNoLeaks(before);
});

test('layout chain in LXC containers: the two-port apps start on the host and enter each container by its namespace', async (t) => {
  const probe = await lxcRuntime.probe();
  if (!probe.available) {
    t.skip(`${probe.reason} (${probe.fix})`);
    return;
  }
  const before = hostState();
  const { summary } = await run(`name: lxcchain
containers: lxc
layout: chain
switches: [linux-bridge]
backends: [udp]
rates: [10000]
duration: 1
warmup: 1
cooldown: 0
`);
  const [c] = summary.cases;
  assert.equal(c?.status, 'ok', c?.error);
  assert.equal(c.containers, 'lxc');
  const apps = appsOf(c);
  const tester = apps.get('tester 0')!;
  const forwarder = apps.get('forwarder 0')!;
  t.diagnostic(`lxc chain: tester ${tester.txPackets} sent, ${tester.rxPackets} received`);
  assert.ok(tester.txPackets! > 0);
  assert.deepEqual(
    [tester.rxPackets, tester.lost, forwarder.rxPackets, forwarder.txPackets],
    [tester.txPackets, 0, tester.txPackets, tester.txPackets],
  );
  assertNoLeaks(before);
});

/** Why OVS-DPDK with dpdk apps cannot run here, or undefined. */
function ovsDpdkSkipReason(): string | undefined {
  return (
    dpdkSkipReason() ??
    ovsSkipReason() ??
    (appBackends().backends.includes('dpdk') ? undefined : 'nfvperf-app was built without its dpdk backend')
  );
}

test('layout tester through OVS-DPDK with the dpdk backend: the tester and the PMD each on a core', async (t) => {
  const skip = ovsDpdkSkipReason();
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  const { out, summary } = await run(
    `name: ovstester
layout: tester
switches: [ovs]
backends: [dpdk]
rates: [20000]
duration: 2
warmup: 0
cooldown: 0
`,
    180_000,
  );
  const [c] = summary.cases;
  assert.equal(c?.status, 'ok', c?.error);
  const tester = appsOf(c).get('tester 0')!;
  t.diagnostic(
    `ovs dpdk tester at 20 kpps: ${tester.txPackets} sent, ${tester.rxPackets} received, ${tester.lost} lost`,
  );
  assert.ok(tester.rxPackets! > 0);
  // On a 2-core host shared with other work, a PMD or tester taken off its core for a few ms lets a
  // vring fill and OVS drop what does not fit: then not every frame comes back, but each is
  // accounted for — received, or seen missing in the sequence.
  assert.equal(tester.rxPackets! + tester.lost!, tester.txPackets, 'every frame received or counted lost');
  assert.equal(c.cpus!.tester!.length, 1);
  assert.equal(c.cpus!.switch!.length, 1);
  assertRunTotals(join(out, 'results.sqlite'));
  assertNoLeaks(before);
  assertDpdkClean(dpdkBefore);
});

test('layout chain of 1 through OVS-DPDK with the dpdk backend: the forwarder passes on what the tester sent', async (t) => {
  const skip = ovsDpdkSkipReason();
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  // Three busy pollers (tester, forwarder, PMD) on a 2-core host: shared cores, and a rate low
  // enough that a poller descheduled for a few ms still finds room in its rings.
  const { out, summary } = await run(
    `name: ovschain
layout: chain
chainLength: 1
cpuShared: true
switches: [ovs]
backends: [dpdk]
rates: [10000]
duration: 2
warmup: 0
cooldown: 0
`,
    180_000,
  );
  const [c] = summary.cases;
  assert.equal(c?.status, 'ok', c?.error);
  assert.equal(c.id, 'throughput/local/1chain1/ovs/dpdk/64B/10000pps/b32/r0');
  const apps = appsOf(c);
  const tester = apps.get('tester 0')!;
  const forwarder = apps.get('forwarder 0')!;
  t.diagnostic(
    `ovs dpdk chain of 1 at 10 kpps: tester ${tester.txPackets} sent, ${tester.rxPackets} received, ${tester.lost} lost; ` +
      `forwarder ${forwarder.rxPackets} in, ${forwarder.txPackets} out, ${forwarder.unsent} unsent`,
  );
  assert.ok(tester.txPackets! > 0);
  // Three pollers share two cores: one taken off its core for a few ms lets a vring fill and OVS
  // drop what does not fit (seen with busy loops beside the suite). What scheduling cannot break:
  // every frame the forwarder took is sent on or counted unsent, every frame the tester sent is
  // received or counted lost, and no hop hands on more than it was given.
  assert.equal(forwarder.txPackets! + forwarder.unsent!, forwarder.rxPackets, 'the forwarder accounts for each frame');
  assert.equal(tester.rxPackets! + tester.lost!, tester.txPackets, 'every frame received or counted lost');
  assert.ok(
    tester.rxPackets! <= forwarder.txPackets! && forwarder.rxPackets! <= tester.txPackets!,
    'no hop hands on more than it was given',
  );
  assert.ok(forwarder.rxPackets! > 0 && tester.rxPackets! > 0, 'frames went through the forwarder and back');
  assert.equal(apps.size, 2);
  assert.equal(c.cpus!.forwarder!.length, 1);
  assert.equal(c.cpuShared, true);
  assertRunTotals(join(out, 'results.sqlite'));
  assertNoLeaks(before);
  assertDpdkClean(dpdkBefore);
});
