// `nfvperf reproduce`: bad input refused through the real executable (exit 2, one line, nothing
// written), and the quick plans derived from the examples keep every figure drawable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readTopology } from '../../src/testbed/cpus.js';
import { join } from 'node:path';
import { parse } from 'yaml';
import { nfvperf, ROOT, tempDir } from '../helpers/cli.js';
import { derivePlans, EXPERIMENTS } from '../../src/cli/commands/reproduce.js';
import { expandPlan } from '../../src/plan/expand.js';
import { parsePlan } from '../../src/plan/load.js';
import type { SwitchName } from '../../src/plan/schema.js';
import type { RunAnalysis } from '../../src/analysis/index.js';
import { buildFigures } from '../../src/report/figures.js';
import { analyzeDir } from '../../src/report/index.js';
import { compareWithPaper, type PaperComparison } from '../../src/report/paper-compare.js';
import { writeResults, type SynthCase } from '../report/synthetic.js';

test('reproduce refuses an unknown scale, a missing testbed, a testbed `doctor --testbed` finds not ready, an unknown experiment and an --out holding another run: exit 2, one line, nothing touched', async () => {
  const dir = tempDir();
  // Two hosts whose agents exit at once: loaded fine, refused by the checks of `doctor --testbed`.
  const agentDown = (name: string, uplink: string) =>
    `  - name: ${name}\n    local: true\n    agent: [/bin/false]\n    uplink: ${uplink}\n`;
  writeFileSync(join(dir, 'down.yaml'), `hosts:\n${agentDown('a', 'eth1')}${agentDown('b', 'eth2')}`);
  const other = join(dir, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'results.sqlite'), 'not ours');
  const earlier = join(dir, 'earlier');
  mkdirSync(earlier);
  writeFileSync(
    join(earlier, 'reproduce.json'),
    JSON.stringify({ scale: 'paper', testbed: null, experiments: ['table2'] }),
  );
  const cases: [string[], string, string][] = [
    [
      ['--scale', 'huge', '--out', join(dir, 'a')],
      'nfvperf: unknown --scale huge: expected quick or paper',
      join(dir, 'a'),
    ],
    [
      ['--testbed', join(dir, 'none.yaml'), '--out', join(dir, 'b')],
      `${join(dir, 'none.yaml')}:1:1: cannot read testbed file`,
      join(dir, 'b'),
    ],
    [['--only', 'fig9', '--out', join(dir, 'c')], 'nfvperf: unknown --only fig9', join(dir, 'c')],
    [
      ['--testbed', join(dir, 'down.yaml'), '--only', 'remote', '--out', join(dir, 'd')],
      `nfvperf: the testbed ${join(dir, 'down.yaml')} is not ready: host a: connection to the agent lost (the agent exited with code 1); host b:`,
      join(dir, 'd'),
    ],
    [['--out', other], `nfvperf: ${other} holds something other than a reproduction`, other],
    [
      ['--scale', 'quick', '--out', earlier],
      `nfvperf: ${earlier} holds a reproduction at --scale paper without --testbed`,
      earlier,
    ],
  ];
  for (const [args, expected, out] of cases) {
    const before = existsSync(out) ? readdirSync(out).sort() : null;
    const r = await nfvperf(['reproduce', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(expected), `${expected} … in ${r.stderr}`);
    assert.deepEqual(existsSync(out) ? readdirSync(out).sort() : null, before, `${out} untouched`);
  }
});

test('reproduce --dry-run lists every run with its cases and seconds of traffic, the remote ones skipped without a testbed, and writes nothing', async () => {
  const out = join(tempDir(), 'dry');
  const r = await nfvperf(['reproduce', '--dry-run', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(out), false, 'nothing written');
  const lines = r.stdout.trim().split('\n');
  const runs = lines.flatMap((l) => {
    const m = /^(\S+): (\d+) cases to run, (\d+) s of traffic/.exec(l);
    return m ? [{ name: m[1]!, cases: Number(m[2]), seconds: Number(m[3]) }] : [];
  });
  // Quick trials: 1 s warm-up, 3 s measured, 1 s cool-down.
  for (const run of runs) assert.equal(run.seconds, run.cases * 5, run.name);
  const total = /^all: (\d+) cases, (\d+) s of traffic/.exec(lines.at(-1)!);
  assert.ok(total, lines.at(-1));
  assert.equal(
    Number(total[1]),
    runs.reduce((t, x) => t + x.cases, 0),
  );
  assert.ok(lines.includes('remote: skipped — Figs. 4d, 4g-h need a second host: give --testbed FILE'));
  assert.ok(lines.includes('fig5-remote: skipped — Figs. 5d-f need a second host: give --testbed FILE'));
  // The polling switches' tester run exists exactly where a 1vs1 and a poller do not fit the cores.
  assert.equal(
    runs.some((x) => x.name === 'fig4bc-dpdk-tester'),
    readTopology().cores.length < 3,
    r.stdout,
  );
});

const derived = (name: string, scale: string, testbed: string | null, cores: number) =>
  derivePlans(
    EXPERIMENTS.find((e) => e.name === name)!,
    readFileSync(join(ROOT, 'examples', `${name}.yaml`), 'utf8'),
    scale,
    testbed,
    { cores },
  ).map((p) => ({
    name: p.name,
    plan: parse(p.source) as Record<string, unknown>,
    cases: expandPlan(parsePlan(p.source).plan),
  }));

test('quick plans on two cores: short trials, one repetition, fewer points with the ends of each sweep kept, and exact case counts', () => {
  // Cases per run at --scale quick on a 2-core host: what the 20-minute budget is made of.
  const expected: Record<string, number> = {
    table2: 8, // 4 backends × 2 rates
    fig4a: 6, // 2 backends × 3 of 6 rates
    fig4bc: 10, // 5 switches × 2 of 4 sizes
    'fig4bc-dpdk': 4, // memif and vale (no poller of their own) × 2 sizes
    'fig4bc-dpdk-tester': 10, // ovs, basicfwd, vpp, vpp-memif, snabb × 2 sizes
    fig4ef: 4, // 2 of 3 pair counts × 2 sizes
    fig5: 9, // all 3 sizes (one figure each) × 3 of 6 bursts
    'fig5-dpdk': 10, // 5 switches × 64 B × 2 of 6 bursts
    fig6: 4,
    'fig6-dpdk-tester': 2,
    remote: 4,
    'fig5-remote': 9,
  };
  const counted: Record<string, number> = {};
  for (const e of EXPERIMENTS) {
    const example = parse(readFileSync(join(ROOT, 'examples', `${e.name}.yaml`), 'utf8')) as Record<string, unknown>;
    const runs = derived(e.name, 'quick', '/lab.yaml', 2);
    assert.deepEqual(
      runs.flatMap((r) => r.plan.switches as string[]).sort(),
      [...(example.switches as string[])].sort(),
      `${e.name}: every switch of the example runs once`,
    );
    for (const { name, plan, cases } of runs) {
      counted[name] = cases.length;
      assert.equal(plan.duration, 3, name);
      assert.equal(plan.repetitions, 1, name);
      for (const key of ['packetSizes', 'pairs', 'rates', 'bursts'] as const) {
        const was = example[key] as unknown[] | undefined;
        const now = plan[key] as unknown[] | undefined;
        if (!Array.isArray(was)) continue;
        assert.ok(now!.length <= was.length, `${name} ${key}: ${JSON.stringify(now)}`);
        assert.equal(now![0], was[0], `${name} ${key} keeps its first`);
        if (now!.length > 1) assert.equal(now!.at(-1), was.at(-1), `${name} ${key} keeps its last`);
      }
      if (e.remote) assert.equal(plan.testbed, '/lab.yaml');
    }
  }
  assert.deepEqual(counted, expected);
  assert.equal(
    Object.values(counted).reduce((t, n) => t + n, 0),
    80,
  );
});

test("polling switches whose 1vs1 needs more busy threads than the cores run as one tester, in a run of their own; with the cores, the paper's pairs", () => {
  const [pairs, tester] = derived('fig4bc-dpdk', 'quick', null, 2);
  assert.deepEqual(pairs!.plan.switches, ['memif', 'vale']);
  assert.equal(pairs!.plan.layout, undefined);
  assert.equal(tester!.name, 'fig4bc-dpdk-tester');
  assert.deepEqual(tester!.plan.switches, ['ovs', 'basicfwd', 'vpp', 'vpp-memif', 'snabb']);
  assert.deepEqual(tester!.plan.layout, ['tester']);
  // A tester and the switch's poller: two busy threads, no core shared.
  assert.equal(tester!.plan.cpuShared, undefined);
  assert.ok(tester!.cases.every((c) => c.layout === 'tester' && c.pairs === 1));
  const [fig6] = derived('fig6-dpdk', 'paper', null, 2);
  assert.equal(fig6!.name, 'fig6-dpdk-tester');
  assert.deepEqual(fig6!.plan.layout, ['tester']);
  // Three cores hold a 1vs1 and the poller: every experiment as the paper ran it.
  for (const name of ['fig4bc-dpdk', 'fig6-dpdk']) {
    const runs = derived(name, 'quick', null, 3);
    assert.equal(runs.length, 1, name);
    assert.equal(runs[0]!.name, name);
    assert.equal(runs[0]!.plan.layout, undefined, name);
  }
  // Latency has no tester layout: fig5-dpdk stays pairs (and says CPU shared in its cases).
  assert.equal(derived('fig5-dpdk', 'quick', null, 2)[0]!.plan.layout, undefined);
});

test('paper plans: the example sweeps as written, at least 3 repetitions', () => {
  for (const e of EXPERIMENTS) {
    const example = parse(readFileSync(join(ROOT, 'examples', `${e.name}.yaml`), 'utf8')) as Record<string, unknown>;
    for (const { name, plan } of derived(e.name, 'paper', null, 64)) {
      assert.ok((plan.repetitions as number) >= 3, name);
      for (const key of ['packetSizes', 'pairs', 'rates', 'bursts', 'switches', 'duration'] as const)
        assert.deepEqual(plan[key], example[key], `${name} ${key}`);
    }
  }
});

// The verdicts a reproduction prints, on synthetic runs whose outcome is known.
const judged = (cases: SynthCase[], tweak: (a: RunAnalysis) => void = () => {}) => {
  const dir = writeResults(cases);
  try {
    const analysis = analyzeDir(dir);
    tweak(analysis);
    return compareWithPaper(analysis, buildFigures(analysis), {
      notHere: new Map([['sriov', 'no SR-IOV capable NIC (no /sys/class/net/*/device/sriov_totalvfs)']]),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
const finding = (list: PaperComparison[], figure: string, section: string) =>
  list.find((p) => p.figure === figure && p.fact.section.startsWith(section)) ?? assert.fail(`no ${figure} ${section}`);

test("Fig. 4a: a sender short of the lowest rate with nothing lost is the generator's shortfall, not judged; lost packets differ", () => {
  const sweep = (backend: 'udp' | 'udp-mmsg', low: { txPps: number; rxPps: number }): SynthCase[] => [
    { backend, rate: 50_000, ...low },
    { backend, rate: 400_000, txPps: 400_000, rxPps: 250_000 },
    { backend, rate: 1_600_000, txPps: 1_600_000, rxPps: 250_000 },
  ];
  const followed = { txPps: 50_000, rxPps: 50_000 };
  const short = finding(
    judged([...sweep('udp', { txPps: 46_000, rxPps: 46_000 }), ...sweep('udp-mmsg', followed)]),
    'fig4a',
    '§4.3',
  );
  assert.equal(short.verdict, 'agrees', short.found);
  assert.match(short.found, /^1 series follow .*not judged: .*udp\b.*sent 0\.046 of the 0\.050 Mpps asked, none lost/);
  const lost = finding(
    judged([...sweep('udp', { txPps: 50_000, rxPps: 40_000 }), ...sweep('udp-mmsg', followed)]),
    'fig4a',
    '§4.3',
  );
  assert.equal(lost.verdict, 'differs', lost.found);
  assert.match(lost.found, /udp\b.* short of the lowest rate asked/);
});

test("orderings: only the paper's switches are judged, caveats come from the cases compared, a tester layout and a missing switch are said", () => {
  const sizes = (sw: SwitchName, rxPps: number, cpuShared = false): SynthCase[] =>
    [64, 1500].map((packetSize) => ({
      switch: sw,
      backend: sw === 'linux-bridge' || sw === 'ovs-afxdp' ? 'udp-mmsg' : 'dpdk',
      packetSize,
      rate: 'max',
      txPps: 9e6,
      rxPps: packetSize === 64 ? rxPps : rxPps / 4,
      cpuShared,
    }));
  const cases = [
    ...sizes('vpp', 1e6),
    ...sizes('ovs', 2e6),
    ...sizes('linux-bridge', 3e5),
    // Not the paper's: sharing its CPUs says nothing about the paper's ordering.
    ...sizes('ovs-afxdp', 5e5, true),
    {
      switch: 'vale' as const,
      backend: 'dpdk' as const,
      rate: 'max' as const,
      txPps: 0,
      rxPps: 0,
      status: 'skipped' as const,
      error: 'switch vale is unavailable here: no netmap module (/dev/netmap is missing), and more',
    },
  ];
  const asTesters = (a: RunAnalysis) => {
    for (const c of a.cases) if (c.case.switch === 'ovs' || c.case.switch === 'vpp') c.case.layout = 'tester';
  };
  const tiers = finding(judged(cases, asTesters), 'fig4b', '§4.2–4.3');
  assert.equal(tiers.verdict, 'differs', tiers.found);
  assert.match(tiers.found, /^ovs ahead of vpp/);
  assert.doesNotMatch(tiers.found, /CPU shared|ovs-afxdp/);
  assert.match(
    tiers.found,
    /vpp, ovs measured with layout tester \(one app holds both ports; the paper: a sender and a receiver per pair\)/,
  );
  assert.match(tiers.found, /not measured: sriov \(no SR-IOV capable NIC\), .*vale \(no netmap module\)/);
  // Without the tester layout, nothing is said of it.
  assert.doesNotMatch(finding(judged(cases), 'fig4b', '§4.2–4.3').found, /layout/);
});
