// The paper beside the data: each finding of paper-facts.ts judged on synthetic runs whose
// outcome is known — in the paper's order, against it, and against it on shared CPUs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { analyzeDir } from '../../src/report/index.js';
import { buildFigures } from '../../src/report/figures.js';
import { analyzeRun } from '../../src/analysis/index.js';
import { mergeRuns } from '../../src/report/merge.js';
import { compareWithPaper } from '../../src/report/paper-compare.js';
import { PAPER_FACTS } from '../../src/report/paper-facts.js';
import { paperSweep, writeResults, type SynthCase } from './synthetic.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function compare(cases: SynthCase[]) {
  const dir = writeResults(cases);
  dirs.push(dir);
  const analysis = analyzeDir(dir);
  return compareWithPaper(analysis, buildFigures(analysis));
}
const verdictOf = (list: ReturnType<typeof compare>, figure: string, section: string) =>
  list.find((p) => p.figure === figure && p.fact.section.startsWith(section)) ??
  assert.fail(`no ${figure} ${section}: ${JSON.stringify(list.map((p) => [p.figure, p.fact.section]))}`);

test('every fact names its section and a figure of the report', () => {
  for (const f of PAPER_FACTS) {
    assert.match(f.section, /^§4\.\d/);
    for (const id of f.figures) assert.match(id, /^(table2|fig[4-6][a-h]?)$/);
  }
  const numbers = JSON.stringify(PAPER_FACTS);
  for (const n of [
    '"udp":338',
    '"udp-mmsg":409',
    '"raw":360',
    '"raw-mmsg":440',
    '0.440 Mpps',
    '"snabb":64',
    '"sriov":12.4',
    '"vale":85',
  ])
    assert.ok(numbers.includes(n), n);
});

test("the paper sweep: Table 2 in the paper's order agrees, the orderings across switches cannot tell, unmeasured figures say why", () => {
  const list = compare(paperSweep());
  const t2 = verdictOf(list, 'table2', '§4.2');
  assert.equal(t2.verdict, 'agrees', t2.found);
  assert.match(t2.found, /raw-mmsg 446 \(paper 440, ×1\.01\)/);
  assert.equal(verdictOf(list, 'fig4b', '§4.3').verdict, 'agrees', 'Mpps falls with size');
  assert.equal(verdictOf(list, 'fig4c', '§4.3').verdict, 'agrees', 'Gbps grows with size');
  const tiers = verdictOf(list, 'fig4b', '§4.2–4.3');
  assert.equal(tiers.verdict, 'cannot tell');
  assert.match(tiers.found, /measured at 64 B: linux-bridge/);
  const fig5 = verdictOf(list, 'fig5a', '§4.5');
  assert.equal(fig5.verdict, 'cannot tell');
  assert.match(fig5.found, /^not drawn: no local latency results/);
});

test('an ordering against the paper differs; the same on shared CPUs cannot tell', () => {
  const at64 = (sw: 'ovs' | 'vpp' | 'linux-bridge', rxPps: number, cpuShared = false): SynthCase[] =>
    [64, 1500].map((packetSize) => ({
      switch: sw,
      backend: sw === 'linux-bridge' ? 'udp' : 'dpdk',
      packetSize,
      rate: 'max',
      txPps: 5e6,
      rxPps: packetSize === 64 ? rxPps : rxPps / 4,
      cpuShared,
    }));
  // The paper: VPP above OVS, both above linux-bridge.
  const ok = verdictOf(
    compare([...at64('vpp', 3e6), ...at64('ovs', 2e6), ...at64('linux-bridge', 4e5)]),
    'fig4b',
    '§4.2–4.3',
  );
  assert.equal(ok.verdict, 'agrees', ok.found);
  const against = verdictOf(compare([...at64('vpp', 1e6), ...at64('ovs', 2e6)]), 'fig4b', '§4.2–4.3');
  assert.equal(against.verdict, 'differs');
  assert.match(against.found, /^ovs ahead of vpp/);
  const shared = verdictOf(compare([...at64('vpp', 1e6, true), ...at64('ovs', 2e6)]), 'fig4b', '§4.2–4.3');
  assert.equal(shared.verdict, 'cannot tell');
  assert.match(shared.found, /^CPU shared in 2 cases of vpp; measured: ovs ahead of vpp/);
});

test("a reproduction's runs merged: every case once, prefixed by its experiment, figures from both", () => {
  const throughput = writeResults(paperSweep());
  const latency = writeResults(
    [4, 32].map((burst) => ({
      dimension: 'latency' as const,
      backend: 'udp' as const,
      rate: 1000,
      burst,
      txPps: 1000,
      rxPps: 1000,
      rttAvgUs: 20 + burst,
    })),
  );
  dirs.push(throughput, latency);
  const parts = [
    { name: 'table2', data: analyzeDir(throughput).data },
    { name: 'fig5', data: analyzeDir(latency).data },
  ];
  const merged = mergeRuns('reproduce-quick', 'nfvperf reproduce --scale quick', parts);
  assert.equal(merged.summary.cases.length, parts[0]!.data.summary.cases.length + 2);
  assert.ok(merged.summary.cases.every((c) => /^(table2|fig5)\/(throughput|latency)\//.test(c.id)));
  assert.equal(merged.samples.size, parts[0]!.data.samples.size + parts[1]!.data.samples.size);
  const set = buildFigures(analyzeRun(merged));
  for (const id of ['table2', 'fig4b', 'fig5a'])
    assert.ok(
      set.figures.some((f) => f.id === id),
      id,
    );
});
