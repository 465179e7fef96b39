// Each figure's data checked against the database it was built from (plain SQL here, the
// analysis there), on a synthetic paper-like sweep with known capacities.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadRun } from '../../src/store/run-data.js';
import type { LatencyRunRecord, SqlRow } from '../../src/store/db.js';
import { histogramFigures, histogramOf } from '../../src/analysis/histogram.js';
import { analyzeRun } from '../../src/analysis/index.js';
import { buildFigures, type Datum, type FigureSet } from '../../src/report/figures.js';
import { mergeRuns } from '../../src/report/merge.js';
import { searchTraceData } from '../../src/report/search-figure.js';
import { CAPACITY_PPS, modelSearch, paperSweep, writeResults, type SynthCase } from './synthetic.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function figuresOf(
  cases: SynthCase[],
  environment?: Record<string, string>,
): { set: FigureSet; db: Database.Database } {
  const dir = writeResults(cases, environment ? { environment } : {});
  dirs.push(dir);
  const db = new Database(join(dir, 'results.sqlite'), { readonly: true });
  after(() => db.close());
  return { set: buildFigures(analyzeRun(loadRun(db))), db };
}

const close = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const byId = (set: FigureSet, id: string) =>
  set.figures.find((f) => f.id === id) ?? assert.fail(`no ${id}; skipped: ${JSON.stringify(set.skipped)}`);

/** Mean rx rate over repetitions per tuple, from the database. */
function meanRxByTuple(
  db: Database.Database,
): { backend: string; size: number; pairs: number; rate: number | null; burst: number; rxPps: number }[] {
  return db
    .prepare(`
    SELECT c.backend, c.packet_size_bytes AS size, c.pairs, c.rate_pps AS rate, c.burst_packets AS burst, AVG(t.rx_pps) AS rxPps
    FROM cases c JOIN throughput t ON t.case_id = c.id
    GROUP BY c.switch, c.backend, c.packet_size_bytes, c.pairs, c.rate_pps, c.burst_packets`)
    .all() as never;
}

function maxRx(db: Database.Database, backend: string, size: number, pairs: number): number {
  return Math.max(
    ...meanRxByTuple(db)
      .filter((r) => r.backend === backend && r.size === size && r.pairs === pairs)
      .map((r) => r.rxPps),
  );
}

test('the paper sweep draws Figs. 4a-4c, 4e, 4f, Table 2 and Fig. 6, and says why the others are left out', () => {
  const { set } = figuresOf(paperSweep());
  assert.deepEqual(
    set.figures.map((f) => f.id),
    ['fig4a', 'fig4b', 'fig4c', 'fig4e', 'fig4f', 'table2', 'fig6'],
  );
  assert.deepEqual(
    set.skipped.map((s) => s.figure),
    ['fig4d', 'fig4g', 'fig4h', 'fig5a-c', 'fig5d-f', 'search', 'latency-load', 'latency-spectrum', 'flows'],
  );
  assert.match(set.skipped.find((s) => s.figure === 'search')!.reason, /no search case \(plan `search`/);
  assert.match(
    set.skipped.find((s) => s.figure === 'fig5a-c')!.reason,
    /no local latency results \(plan `dimension: latency`\)/,
  );
  for (const f of set.figures) {
    assert.ok(f.data.length > 0, `${f.id} is not drawn empty`);
    const spec = JSON.stringify(f.spec);
    assert.match(
      spec,
      /"title":"[^"]*\((Mpps|Gbps|kpps|bytes, log scale|CPUs: 1 = one core busy)\)/,
      `${f.id} has an axis with a unit`,
    );
  }
});

test('Fig. 4a: one point per paced rate, the mean over repetitions of the stored rx rate', () => {
  const { set, db } = figuresOf(paperSweep());
  const f = byId(set, 'fig4a');
  const stored = meanRxByTuple(db).filter((r) => r.pairs === 1 && r.rate !== null);
  assert.equal(f.data.length, stored.length, 'every 1vs1 paced tuple, nothing else');
  for (const r of stored) {
    const d = f.data.find(
      (x) => x.backend === r.backend && x.packetSizeBytes === r.size && x.requestedMpps === r.rate! / 1e6,
    )!;
    close(d.rxMpps as number, r.rxPps / 1e6, `${r.backend} ${r.size} B at ${r.rate}`);
  }
  // At 200 kpps, 1500 B udp saturates at 0.6 × 300 kpps, the mean of 180 k and 176.4 k.
  const saturated = f.data.find((d) => d.backend === 'udp' && d.packetSizeBytes === 1500 && d.requestedMpps === 0.2)!;
  close(saturated.rxMpps as number, (180_000 + 176_400) / 2 / 1e6, 'saturated udp 1500 B');
  assert.ok((saturated.rxMppsCiLow as number) < (saturated.rxMpps as number), 'two repetitions give an interval');
  assert.equal(new Set(f.data.map((d) => d.series)).size, 8, 'series: 4 backends × 2 sizes');
});

test('Figs. 4b/4c: maximum rx per backend and packet size, Mpps and Gbps, log x', () => {
  const { set, db } = figuresOf(paperSweep());
  for (const [id, field] of [
    ['fig4b', 'maxRxMpps'],
    ['fig4c', 'maxRxGbps'],
  ] as const) {
    const f = byId(set, id);
    assert.equal(f.data.length, 8);
    for (const d of f.data) {
      const pps = maxRx(db, d.backend as string, d.packetSizeBytes as number, 1);
      close(
        d[field] as number,
        field === 'maxRxMpps' ? pps / 1e6 : (pps * (d.packetSizeBytes as number) * 8) / 1e9,
        `${id} ${d.series} ${d.packetSizeBytes}`,
      );
    }
    assert.match(JSON.stringify(f.spec), /"scale":\{"type":"log"/);
  }
  const udp64 = byId(set, 'fig4b').data.find((d) => d.backend === 'udp' && d.packetSizeBytes === 64)!;
  close(
    udp64.maxRxMpps as number,
    (CAPACITY_PPS.udp! * 1.98) / 2 / 1e6,
    'the model capacity, averaged over repetitions',
  );
});

test('Figs. 4e/4f: total throughput vs pairs at 64 and 1500 B', () => {
  const { set, db } = figuresOf(paperSweep());
  for (const [id, size] of [
    ['fig4e', 64],
    ['fig4f', 1500],
  ] as const) {
    const f = byId(set, id);
    assert.deepEqual([...new Set(f.data.map((d) => d.pairs))].sort(), [1, 2]);
    assert.ok(f.data.every((d) => d.packetSizeBytes === size));
    for (const d of f.data)
      close(
        d.maxRxMpps as number,
        maxRx(db, d.backend as string, size, d.pairs as number) / 1e6,
        `${id} ${d.series} ${d.pairs}`,
      );
  }
});

test("Table 2: the four socket techniques in the paper's order, kpps at 64 B", () => {
  const { set, db } = figuresOf(paperSweep());
  const f = byId(set, 'table2');
  assert.deepEqual(
    f.data.map((d) => d.backend),
    ['udp', 'udp-mmsg', 'raw', 'raw-mmsg'],
  );
  for (const d of f.data)
    close(d.maxRxKpps as number, maxRx(db, d.backend as string, 64, 1) / 1e3, `table2 ${d.backend}`);
});

test('Fig. 6: the CPU of the maximum-throughput case, from the samples', () => {
  const { set, db } = figuresOf(paperSweep());
  const f = byId(set, 'fig6');
  assert.equal(f.data.length, 8 * 5, '4 backends × 2 pair counts, at 64 B, × 5 component classes');
  // Unpaced cases are the maxima here; their apps used (0.1 + 0.9) + (0.1 + 0.8) CPUs per pair.
  const perCase = db
    .prepare(`
    SELECT c.case_key, c.pairs, c.backend, SUM(s.cpu_user_us + s.cpu_sys_us) * 1000.0 / SUM(s.duration_ns) * COUNT(DISTINCT s.pair || s.role) AS cpus
    FROM cases c JOIN samples s ON s.case_id = c.id
    WHERE s.steady = 1 AND c.rate_pps IS NULL AND c.packet_size_bytes = 64 GROUP BY c.id`)
    .all() as { pairs: number; backend: string; cpus: number }[];
  for (const d of f.data) {
    const expected = perCase.filter((r) => r.pairs === d.pairs && r.backend === d.backend).map((r) => r.cpus);
    close(d.appCpus as number, expected.reduce((a, b) => a + b, 0) / expected.length, `fig6 ${d.config}`);
    close(d.appCpus as number, 1.9 * (d.pairs as number), 'the synthetic CPU times');
    // Per class: senders 0.1 + 0.9, receivers 0.1 + 0.8 per pair; no switch thread or kernel samples.
    const want = { senders: 1.0, receivers: 0.9, 'switch threads': 0, softirq: 0, irq: 0 }[d.component as string]!;
    close(d.cpus as number, want * (d.pairs as number), `fig6 ${d.config} ${d.component}`);
    close(d.totalCores as number, 1.9 * (d.pairs as number), `fig6 ${d.config} total`);
  }
});

test('a figure whose data the run lacks is left out with the plan field to change', () => {
  const one = (rate: number | 'max', extra: Partial<SynthCase> = {}): SynthCase => ({
    rate,
    txPps: 1000,
    rxPps: 1000,
    ...extra,
  });
  const { set } = figuresOf([one(1000), one('max')]);
  const reasons = Object.fromEntries(set.skipped.map((s) => [s.figure, s.reason]));
  assert.match(reasons.fig4a!, /two paced rates.*`rates`/);
  assert.match(reasons.fig4b!, /two packet sizes.*`packetSizes`/);
  assert.match(reasons.fig4e!, /two pair counts.*`pairs`/);
  assert.match(reasons.fig4f!, /no local throughput results at 1500 B/);
  assert.deepEqual(
    set.figures.map((f) => f.id),
    ['table2', 'fig6'],
    'what one udp case can show',
  );
  assert.deepEqual(
    byId(set, 'table2').data.map((d: Datum) => d.backend),
    ['udp'],
  );

  const failed = figuresOf([{ rate: 'max', txPps: 0, rxPps: 0, status: 'failed', error: 'boom' }]).set;
  assert.deepEqual(failed.figures, [], 'no results, no figures');
  assert.equal(failed.skipped.length, 16);
  assert.match(reasons.flows!, /two flow counts \(plan `flows`\)/);
});

test('throughput vs flow count: one line per switch, each point the maximum at that count; flows stay out of the paper figures', () => {
  const counts = [1, 1000, 100_000];
  const cases: SynthCase[] = (['linux-bridge', 'ovs'] as const).flatMap((sw, s) =>
    counts.flatMap((flows, i) =>
      [0, 1].map((repetition) => ({
        switch: sw,
        backend: 'raw' as const,
        flows,
        rate: 'max' as const,
        repetition,
        txPps: 2e6,
        rxPps: (s + 1) * 1e6 * (1 - i / 4) + repetition * 1e4,
      })),
    ),
  );
  const { set } = figuresOf(cases);
  const f = byId(set, 'flows');
  assert.deepEqual(
    f.data.map((d) => [d.switch, d.flows, d.repetitions]),
    (['linux-bridge', 'ovs'] as const).flatMap((sw) => counts.map((c) => [sw, c, 2])),
  );
  for (const d of f.data) {
    const s = d.switch === 'ovs' ? 2 : 1;
    const i = counts.indexOf(d.flows as number);
    close(d.maxRxMpps as number, (s * 1e6 * (1 - i / 4) + 5e3) / 1e6, `${d.switch} ${d.flows}`);
  }
  assert.match(JSON.stringify(f.spec), /"title":"maximum received \(Mpps\)"/);
  assert.deepEqual(
    byId(set, 'table2').data.map((d: Datum) => d.maxRxKpps),
    [1005],
    'Table 2 takes linux-bridge at one flow only',
  );
});

test('Figs. 5a-5c: mean average RTT over repetitions vs burst size, one figure per packet size', () => {
  const cases: SynthCase[] = [];
  for (const repetition of [0, 1]) {
    for (const backend of ['udp', 'udp-mmsg'] as const) {
      for (const packetSize of [64, 1500]) {
        for (const burst of [4, 32, 128]) {
          cases.push({
            dimension: 'latency',
            backend,
            packetSize,
            burst,
            repetition,
            rate: 1000,
            txPps: 0,
            rxPps: 0,
            rttAvgUs: 10 + burst / 4 + (backend === 'udp' ? 5 : 0) + repetition + packetSize / 1000,
          });
        }
      }
    }
  }
  cases.push({ dimension: 'latency', packetSize: 512, burst: 4, rate: 1000, txPps: 0, rxPps: 0, rttAvgUs: 20 });
  const { set, db } = figuresOf(cases);
  assert.deepEqual(
    set.figures.filter((f) => f.id.startsWith('fig5')).map((f) => f.id),
    ['fig5a', 'fig5c'],
  );
  assert.match(set.skipped.find((s) => s.figure === 'fig5b')!.reason, /two burst sizes at 512 B.*`bursts`/);
  const stored = db
    .prepare(`
    SELECT c.backend, c.packet_size_bytes AS size, c.burst_packets AS burst, AVG(l.avg_us) AS avgUs
    FROM cases c JOIN latency l ON l.case_id = c.id GROUP BY c.backend, c.packet_size_bytes, c.burst_packets`)
    .all() as { backend: string; size: number; burst: number; avgUs: number }[];
  for (const [id, size] of [
    ['fig5a', 64],
    ['fig5c', 1500],
  ] as const) {
    const f = byId(set, id);
    assert.equal(f.data.length, 6, '2 backends × 3 bursts');
    for (const d of f.data) {
      const row = stored.find((r) => r.backend === d.backend && r.size === size && r.burst === d.burstPackets)!;
      close(d.rttAvgUs as number, row.avgUs, `${id} ${d.backend} B=${d.burstPackets}`);
    }
  }
  assert.equal(
    set.figures.some((f) => f.id === 'fig4a'),
    false,
    'latency cases are not throughput results',
  );
});

test('search trace: one figure per search case, its trials and bounds as stored in search_trials and search_goals', async () => {
  const found = await modelSearch({ capacityPps: 350_000 });
  const limited = await modelSearch({ capacityPps: 500_000, generatorPps: 300_000 });
  const { set, db } = figuresOf([
    { rate: 100_000, txPps: 100_000, rxPps: 100_000 },
    { rate: 'search', backend: 'udp-mmsg', txPps: 0, rxPps: 0, search: found },
    { rate: 'search', backend: 'udp', txPps: 0, rxPps: 0, search: limited },
    { rate: 'search', backend: 'raw', txPps: 0, rxPps: 0, status: 'failed', error: 'receiver exited with status 1' },
  ]);
  assert.deepEqual(
    set.figures.filter((f) => f.id.startsWith('search')).map((f) => f.id),
    ['search1', 'search2'],
  );
  assert.match(
    set.skipped.find((s) => s.figure === 'search3')!.reason,
    /search case .*\/raw\/.* has no trials \(failed: receiver exited with status 1\)/,
  );
  assert.equal(
    set.skipped.some((s) => s.figure === 'search'),
    false,
  );

  const caseIds = db
    .prepare(`SELECT id, case_key, search_json FROM cases WHERE search_json IS NOT NULL ORDER BY case_index`)
    .all() as { id: number; case_key: string; search_json: string }[];
  for (const [k, backend] of [
    [0, 'udp-mmsg'],
    [1, 'udp'],
  ] as const) {
    const f = byId(set, `search${k + 1}`);
    const c = caseIds[k]!;
    assert.match(c.case_key, new RegExp(`/${backend}/64B/search/`));
    assert.match(f.title, new RegExp(`linux-bridge · ${backend} · 64 B`));
    const trials = db.prepare('SELECT * FROM search_trials WHERE case_id = ? ORDER BY trial').all(c.id) as Record<
      string,
      number
    >[];
    const goalLoss = new Map(
      (JSON.parse(c.search_json) as { goals: { name: string; lossRatio: number }[] }).goals.map((g) => [
        g.name,
        g.lossRatio,
      ]),
    );
    assert.deepEqual(
      [...goalLoss],
      [
        ['ndr', 0],
        ['pdr', 0.005],
      ],
      'the quick preset',
    );
    assert.equal(f.data.length, trials.length);
    assert.ok(trials.length > 5);
    trials.forEach((t, i) => {
      const d = f.data[i]!;
      assert.equal(d.trial, t.trial! + 1, 'numbered from 1, in order');
      close(d.ratePps as number, t.rate_pps!, `trial ${i} rate`);
      close(d.rateKpps as number, t.rate_pps! / 1e3, `trial ${i} kpps`);
      close(d.startS as number, t.start_s!, `trial ${i} start`);
      close(d.lossRatio as number, t.loss_ratio!, `trial ${i} loss`);
      assert.equal(d.generatorLimited, t.generator_limited === 1 ? 'yes' : 'no');
      const exceeded = [...goalLoss].filter(([, x]) => t.loss_ratio! > x).map(([n]) => n);
      assert.equal(d.exceededGoals, exceeded.join(', '));
      assert.equal(
        d.outcome,
        exceeded.length === 0
          ? 'low loss for every goal'
          : exceeded.length === 2
            ? 'high loss for every goal'
            : 'high loss for ndr only',
      );
    });
    // The rules: each goal's stored relevant bounds, in the rate panels.
    const goals = db.prepare('SELECT * FROM search_goals WHERE case_id = ? ORDER BY rowid').all(c.id) as SqlRow[];
    const spec = f.spec as { vconcat: { layer: { data: { values: Datum[] }; mark: { type: string } }[] }[] };
    assert.equal(spec.vconcat.length, 3, 'rate, rate near the bounds, loss');
    const rules = spec.vconcat[0]!.layer.filter((l) => l.mark.type === 'rule').flatMap((l) => l.data.values);
    assert.deepEqual(
      spec.vconcat[1]!.layer.filter((l) => l.mark.type === 'rule').flatMap((l) => l.data.values),
      rules,
      'the zoomed panel too',
    );
    assert.deepEqual(
      rules,
      goals.flatMap((g) => [
        { goal: g.goal, bound: 'lower', pps: g.lower_bound_pps, kpps: g.lower_bound_pps / 1e3 },
        { goal: g.goal, bound: 'upper', pps: g.upper_bound_pps, kpps: g.upper_bound_pps / 1e3 },
      ]),
    );
    const lossRules = spec.vconcat[2]!.layer.find((l) => l.mark.type === 'rule')!.data.values;
    assert.deepEqual(lossRules, [
      { goal: 'ndr', lossRatio: 0 },
      { goal: 'pdr', lossRatio: 0.005 },
    ]);
    const json = JSON.stringify(f.spec);
    assert.match(json, /"type":"symlog"/, 'the loss panel handles 0 on a log-like scale');
    assert.match(json, /"title":"rate asked per sender \(kpps, log\)"/);
  }
  assert.ok(
    byId(set, 'search1').data.every((d) => d.generatorLimited === 'no'),
    'a fast generator',
  );
  assert.ok(
    byId(set, 'search2').data.some((d) => d.generatorLimited === 'yes'),
    'a generator capped at 300 kpps',
  );
});

test('search trace outcomes: one goal, and three goals with two loss ratios', () => {
  const trial = (lossRatio: number) => ({
    trial: 0,
    startS: 0,
    ratePps: 1000,
    durationS: 1,
    measuredDurationS: 1,
    offeredPps: 1000,
    receivedPps: 1000 * (1 - lossRatio),
    pathLossRatio: lossRatio,
    lossRatio,
    generatorLimited: false,
    phase: 'final',
    classifications: {},
    shortfallRatio: 0,
    verdicts: null,
    packets: null,
  });
  const goal = (name: string, goalLossRatio: number) => ({
    goal: name,
    status: 'converged',
    lowerBoundPps: 900,
    upperBoundPps: 1000,
    relativeWidth: 0.1,
    conditionalThroughputPps: 900,
    trials: 1,
    generatorLimited: false,
    goalLossRatio,
    goalWidth: 0.01,
    generatorAccuratePps: null,
    lowerBoundToGeneratorRatio: null,
  });
  const one = searchTraceData({ config: null, trials: [trial(0), trial(0.1)], goals: [goal('ndr', 0)] });
  assert.deepEqual(one.outcomes, ['low loss for ndr', 'high loss for ndr']);
  assert.deepEqual(
    one.trials.map((t) => t.outcome),
    ['low loss for ndr', 'high loss for ndr'],
  );
  const three = searchTraceData({
    config: null,
    trials: [trial(0), trial(0.001), trial(0.02)],
    goals: [goal('ndr', 0), goal('pdr', 0.005), goal('pdr2', 0.005)],
  });
  assert.deepEqual(three.outcomes, ['low loss for every goal', 'high loss for ndr only', 'high loss for every goal']);
  assert.deepEqual(
    three.trials.map((t) => t.exceededGoals),
    ['', 'ndr', 'ndr, pdr, pdr2'],
  );
  assert.equal(three.bounds.length, 6);
});

/** The paper sweep again, measured between two hosts: remote cases at 64 and 1500 B, 1-2 pairs, and latency at two bursts. */
function remoteSweep(): SynthCase[] {
  const throughput = paperSweep()
    .filter((c) => c.status !== 'failed' && c.backend === 'udp-mmsg')
    .map((c) => ({ ...c, locality: 'remote' as const }));
  const latency = [1, 32].flatMap((burst) =>
    [64, 1500].map(
      (packetSize): SynthCase => ({
        dimension: 'latency',
        locality: 'remote',
        backend: 'udp',
        packetSize,
        burst,
        rate: 1000,
        txPps: 0,
        rxPps: 0,
        rttAvgUs: 30 + burst + packetSize / 100,
      }),
    ),
  );
  return [...paperSweep(), ...throughput, ...latency];
}

test('remote cases draw Figs. 4d, 4g, 4h and 5d-5e from the remote rows only, as the local figures do', () => {
  const { set, db } = figuresOf(remoteSweep());
  for (const id of ['fig4d', 'fig4g', 'fig4h', 'fig5d', 'fig5e']) byId(set, id);
  assert.deepEqual(
    set.skipped.map((s) => s.figure),
    ['fig5a-c', 'search', 'latency-load', 'latency-spectrum', 'flows'],
    'only what the run lacks is left out',
  );
  const remoteMax = (size: number, pairs: number) =>
    Math.max(
      ...(
        db
          .prepare(`
    SELECT AVG(t.rx_pps) AS rx FROM cases c JOIN throughput t ON t.case_id = c.id
    WHERE c.locality = 'remote' AND c.packet_size_bytes = ? AND c.pairs = ?
    GROUP BY c.rate_pps, c.burst_packets`)
          .all(size, pairs) as { rx: number }[]
      ).map((r) => r.rx),
    );
  const d4 = byId(set, 'fig4d').data;
  assert.deepEqual(
    d4.map((d) => d.packetSizeBytes),
    [64, 1500],
  );
  for (const d of d4)
    close(
      d.maxRxGbps as number,
      (remoteMax(d.packetSizeBytes as number, 1) * (d.packetSizeBytes as number) * 8) / 1e9,
      `4d ${d.packetSizeBytes} B`,
    );
  for (const [id, size] of [
    ['fig4g', 64],
    ['fig4h', 1500],
  ] as const) {
    const data = byId(set, id).data;
    assert.deepEqual(
      data.map((d) => d.pairs),
      [1, 2],
    );
    for (const d of data)
      close(d.maxRxMpps as number, remoteMax(size, d.pairs as number) / 1e6, `${id} ${d.pairs} pairs`);
  }
  const d5 = byId(set, 'fig5d').data;
  const rtt = db
    .prepare(`SELECT c.burst_packets AS burst, l.avg_us AS avg FROM cases c JOIN latency l ON l.case_id = c.id
    WHERE c.locality = 'remote' AND c.packet_size_bytes = 64 ORDER BY burst`)
    .all() as { burst: number; avg: number }[];
  assert.deepEqual(
    d5.map((d) => [d.burstPackets, d.rttAvgUs]),
    rtt.map((r) => [r.burst, r.avg]),
  );
  // The local figures did not take remote rows: Fig. 4b is what the local sweep alone draws.
  assert.deepEqual(byId(set, 'fig4b').data, byId(figuresOf(paperSweep()).set, 'fig4b').data);
});

test('latency vs load and the percentile spectrum: histograms merged exactly over seconds, pairs and repetitions', async () => {
  const search = await modelSearch({ capacityPps: 400_000 });
  const values = (base: number, n: number, rep: number) =>
    Array.from({ length: n }, (_, i) => base + ((i * 7919 + rep * 104729) % 5000));
  const run = (rep: number, label: string, fraction: number, base: number): LatencyRunRecord => ({
    run: label,
    goal: label === 'probe' ? null : 'pdr',
    fraction,
    ratePps: 1000,
    txPackets: 3000,
    rxPackets: 3000,
    status: 'ok',
    histograms: [1, 2, 3].map((second) => ({
      run: label,
      pair: 0,
      kind: 'one-way' as const,
      second,
      steady: true,
      histogram: histogramOf(values(base + second * 100, 1000, rep)),
      late: 0,
    })),
  });
  const runs = (rep: number) => [run(rep, 'probe', 0, 10_000), run(rep, 'pdr@0.5', 0.5, 20_000)];
  const { set } = figuresOf([
    { rate: 'search', txPps: 0, rxPps: 0, search, repetition: 0, latencyRuns: runs(0) },
    { rate: 'search', txPps: 0, rxPps: 0, search, repetition: 1, latencyRuns: runs(1) },
  ]);
  const load = byId(set, 'latency-load-pdr');
  const all = (base: number) =>
    histogramOf([0, 1].flatMap((rep) => [1, 2, 3].flatMap((s) => values(base + s * 100, 1000, rep))));
  for (const [loadPercent, base] of [
    [0, 10_000],
    [50, 20_000],
  ] as const) {
    const mine = load.data.filter((d) => d.loadPercent === loadPercent);
    const f = histogramFigures(all(base));
    assert.deepEqual(
      Object.fromEntries(mine.map((d) => [d.percentile, d.latencyUs])),
      {
        p50: f.percentiles.p50!.ns! / 1000,
        p90: f.percentiles.p90!.ns! / 1000,
        p99: f.percentiles.p99!.ns! / 1000,
        'p99.9': f.percentiles['p99.9']!.ns! / 1000,
      },
      `${loadPercent} %: one histogram of every sample of both repetitions`,
    );
    assert.ok(mine.every((d) => d.samples === 6000 && d.repetitions === 2));
  }
  const spectrum = byId(set, 'latency-spectrum1');
  assert.deepEqual(
    spectrum.data.filter((d) => d.histogram === 'probe · one-way').map((d) => d.percentile),
    ['p50', 'p90', 'p99', 'p99.9'],
    '6000 samples: p99.99 and p99.999 are not drawn',
  );

  // A reproduction merges its experiments' runs into one report: the histograms come along.
  const { db } = figuresOf([{ rate: 'search', txPps: 0, rxPps: 0, search, repetition: 0, latencyRuns: runs(0) }]);
  const alone = buildFigures(analyzeRun(loadRun(db)));
  const merged = buildFigures(
    analyzeRun(mergeRuns('reproduce-quick', 'nfvperf reproduce', [{ name: 'fig5', data: loadRun(db) }])),
  );
  const unprefixed = (d: Datum[]) =>
    d.map((row) => ('case' in row ? { ...row, case: String(row.case).replace(/^fig5\//, '') } : row));
  for (const id of ['latency-load-pdr', 'latency-spectrum1'])
    assert.deepEqual(unprefixed(byId(merged, id).data), byId(alone, id).data, `${id} drawn alike from the merged run`);

  // One spectrum per path: two bursts of one switch and backend are two sets of lines in one figure.
  const bursts = figuresOf(
    [16, 64].map((burst) => ({
      rate: 'search' as const,
      burst,
      txPps: 0,
      rxPps: 0,
      search,
      latencyRuns: runs(0),
    })),
  ).set;
  assert.deepEqual(
    bursts.figures.filter((f) => f.id.startsWith('latency-spectrum')).map((f) => f.title),
    ['Latency percentile spectrum — linux-bridge · udp · local'],
  );
  assert.deepEqual(
    [...new Set(byId(bursts, 'latency-spectrum1').data.map((d) => d.histogram))].sort(),
    ['B=16 · pdr@0.5 · one-way', 'B=16 · probe · one-way', 'B=64 · pdr@0.5 · one-way', 'B=64 · probe · one-way'],
    'each line named by what differs between the cases',
  );
});
