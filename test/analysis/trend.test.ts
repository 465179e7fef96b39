// The trend finder on synthetic series: a steady series and pure noise (CV 5 %) give no change,
// a 10 % step down or up is found where it is, with its size and confidence; and the false-alarm
// rate over 1,000 seeded noise-only series. Then the interval a rerun should fall in, and a run
// compared against a history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findChanges } from '../../src/analysis/jumpavg.js';
import { predictionInterval, trendOf, type CaseSeries } from '../../src/analysis/trend.js';
import { compareWithHistory } from '../../src/analysis/compare.js';
import type { SummaryCase } from '../../src/store/summary.js';

/** xorshift32: the same series on every machine. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Standard normal (Box–Muller). */
function normal(r: () => number): number {
  let u = 0;
  while (u === 0) u = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** `n` values around `level(i)` with coefficient of variation `cv`. */
function series(seed: number, n: number, cv: number, level: (i: number) => number): number[] {
  const r = random(seed);
  return Array.from({ length: n }, (_, i) => level(i) * (1 + cv * normal(r)));
}

const RATE = { higherIsBetter: true };

test('steady (CV 1 %) and noise only (CV 5 %): one group, no change', () => {
  for (const values of [series(1, 20, 0.01, () => 1e5), series(2, 20, 0.05, () => 1e5)]) {
    const { groups, changes } = findChanges(values, RATE);
    assert.deepEqual(changes, []);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.size, 20);
  }
});

test('a 10 % step down is a regression at the step; a step up a progression; sizes and confidence reported', () => {
  const down = findChanges(
    series(3, 20, 0.02, (i) => (i < 10 ? 1e5 : 0.9e5)),
    RATE,
  );
  assert.equal(down.changes.length, 1);
  const [d] = down.changes;
  assert.equal(d!.kind, 'regression');
  assert.equal(d!.at, 10);
  assert.ok(Math.abs(d!.relativeChange + 0.1) < 0.03, `size ${d!.relativeChange}`);
  assert.ok(d!.confidence! > 0.99 && d!.evidenceBits > 0, `confidence ${d!.confidence}, ${d!.evidenceBits} bits`);

  const up = findChanges(
    series(4, 20, 0.02, (i) => (i < 12 ? 1e5 : 1.1e5)),
    RATE,
  );
  assert.deepEqual(
    up.changes.map((c) => [c.kind, c.at]),
    [['progression', 12]],
  );
  // For a latency, the same rise is a regression.
  assert.equal(
    findChanges(
      series(4, 20, 0.02, (i) => (i < 12 ? 100 : 110)),
      { higherIsBetter: false },
    ).changes[0]!.kind,
    'regression',
  );
});

test('false alarms over 1,000 seeded noise-only series (20 runs, CV 5 %) stay below 2 %', (t) => {
  let alarms = 0;
  let found = 0;
  for (let seed = 1; seed <= 1000; seed++) {
    if (
      findChanges(
        series(seed, 20, 0.05, () => 1e5),
        RATE,
      ).changes.length > 0
    )
      alarms++;
    const step = findChanges(
      series(seed + 5000, 20, 0.02, (i) => (i < 10 ? 1e5 : 0.9e5)),
      RATE,
    ).changes;
    if (step.length === 1 && step[0]!.kind === 'regression' && Math.abs(step[0]!.at - 10) <= 1) found++;
  }
  t.diagnostic(
    `false-alarm rate ${(alarms / 10).toFixed(1)} % (${alarms} of 1000 noise-only series); 10 % step at CV 2 % found in ${found / 10} %`,
  );
  assert.ok(alarms < 20, `${alarms} false alarms`);
  assert.ok(found > 950, `step found in ${found} of 1000`);
});

const point = (value: number, i: number, fingerprint: Record<string, string> = { kernel: 'Linux 6.1' }) => ({
  runKey: `run${i}`,
  startedAt: `2026-12-0${i}`,
  value,
  repetitions: 1,
  fingerprint,
});

test("the newest run against the earlier runs' 95 % prediction interval; a change names what changed in the environment", () => {
  assert.equal(predictionInterval([1]), null);
  // On the logarithms: ln 50, ln 100, ln 200 have mean ln 100 and s = ln 2; t(0.975, 2) = 4.303, √(1 + 1/3).
  const pi = predictionInterval([50, 100, 200])!;
  const half = 4.3027 * Math.LN2 * Math.sqrt(4 / 3);
  assert.ok(
    Math.abs(pi.high / (100 * Math.exp(half)) - 1) < 1e-3 && Math.abs(pi.low / (100 * Math.exp(-half)) - 1) < 1e-3,
    JSON.stringify(pi),
  );
  assert.ok(predictionInterval([-1, 1])!.low < -1, 'not all positive: linear');
  const values = [100, 101, 99, 100, 102, 98, 100, 90, 91, 89, 90, 91];
  const s: CaseSeries = {
    caseKey: 'c',
    metric: 'rxPps',
    points: values.map((v, i) => point(v, i, { kernel: i < 7 ? 'Linux 6.1' : 'Linux 6.18' })),
  };
  const trend = trendOf(s);
  assert.deepEqual(
    trend.changes.map((c) => [c.kind, c.at, c.environmentChanged]),
    [['regression', 7, ['kernel: Linux 6.1 → Linux 6.18']]],
  );
  assert.ok(Math.abs(trend.lastVsBest! + 0.1) < 0.01, 'the last group is 10 % below the best');
  assert.deepEqual(
    [trend.newest!.inside, trend.newest!.earlierRuns],
    [true, 4],
    '91 is inside the interval of the 4 runs since the step',
  );
  assert.ok(trend.newest!.high < 95, 'the runs before the step do not widen it');
  const outlier = trendOf({
    caseKey: 'c',
    metric: 'rxPps',
    points: [100, 101, 99, 100, 102, 98, 100, 60].map((v, i) => point(v, i)),
  });
  assert.equal(outlier.newest!.inside, false, 'one run far below the earlier ones is outside their interval');
  assert.deepEqual(outlier.changes, [], '…but one run is no change yet');
});

test('compare against a history: the level since the last change is the baseline', () => {
  const history: CaseSeries[] = [
    {
      caseKey: 'throughput/x',
      metric: 'rxPps',
      points: [200, 201, 199, 200, 100, 101, 99, 100, 102].map((v, i) => point(v * 1000, i)),
    },
  ];
  const b = (rxPps: number): SummaryCase =>
    ({ id: 'throughput/x/r0', status: 'ok', throughput: { rxPps } }) as unknown as SummaryCase;
  const [same] = compareWithHistory(history, [b(100_500)]);
  assert.equal(same!.verdict, 'unchanged', 'against the newer level, 100k is no regression');
  assert.equal(same!.baselineRuns, 5);
  assert.equal(compareWithHistory(history, [b(90_000)])[0]!.verdict, 'regression');
  assert.equal(compareWithHistory(history, [{ ...b(0), id: 'throughput/y/r0' }])[0]!.verdict, 'only-b');
});
