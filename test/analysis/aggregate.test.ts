// Across cases: repetitions → mean and CI, maximum throughput per configuration, run comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns } from '../../src/analysis/compare.js';
import { compareRates, LOSS_THRESHOLD, maxThroughputs } from '../../src/analysis/max-throughput.js';
import { groupRepetitions, tupleKeyOf } from '../../src/analysis/repetitions.js';
import { caseId } from '../../src/plan/expand.js';
import type { SummaryCase } from '../../src/store/summary.js';

interface Spec {
  backend?: string;
  packetSize?: number;
  rate: number | 'max';
  burst?: number;
  repetition?: number;
  rxPps: number | null;
  lossRatio?: number;
  status?: 'ok' | 'failed';
}

function c(s: Spec): SummaryCase {
  const tuple = {
    dimension: 'throughput' as const,
    locality: 'local' as const,
    pairs: 1,
    switch: 'linux-bridge' as const,
    backend: (s.backend ?? 'udp') as 'udp',
    packetSize: s.packetSize ?? 64,
    rate: s.rate,
    burst: s.burst ?? 32,
    repetition: s.repetition ?? 0,
    mode: 'polling' as const,
    clientThreads: 1,
  };
  return {
    ...tuple,
    containers: 'netns',
    id: caseId(tuple),
    status: s.status ?? (s.rxPps === null ? 'failed' : 'ok'),
    cpuShared: false,
    throughput:
      s.rxPps === null
        ? null
        : {
            txPps: s.rxPps,
            rxPps: s.rxPps,
            txGbps: 0,
            rxGbps: (s.rxPps * (s.packetSize ?? 64) * 8) / 1e9,
            lossRatio: s.lossRatio ?? 0,
            lostPackets: 0,
            unsentPackets: 0,
            corruptPackets: 0,
            reorderedPackets: 0,
            steadySeconds: 3,
          },
  };
}

test('repetitions of one tuple form one group with a Student-t CI', () => {
  const groups = groupRepetitions([
    c({ rate: 1000, repetition: 0, rxPps: 100 }),
    c({ rate: 2000, repetition: 0, rxPps: 500 }),
    c({ rate: 1000, repetition: 1, rxPps: 110 }),
    c({ rate: 2000, repetition: 1, rxPps: null }),
    c({ rate: 1000, repetition: 2, rxPps: 120 }),
  ]);
  assert.deepEqual(
    groups.map((g) => [g.tupleKey, g.cases.length, g.measured]),
    [
      ['throughput/local/1vs1/linux-bridge/udp/64B/1000pps/b32', 3, 3],
      ['throughput/local/1vs1/linux-bridge/udp/64B/2000pps/b32', 2, 1],
    ],
  );
  const rx = groups[0]!.rxPps!;
  assert.equal(rx.mean, 110);
  assert.ok(Math.abs(rx.ciHalfWidth! - (4.3027 * 10) / Math.sqrt(3)) < 1e-3);
  assert.equal(groups[1]!.rxPps!.ciLow, null, 'one measured repetition: no interval');
  assert.equal(
    tupleKeyOf('throughput/local/1vs1/linux-bridge/udp/64B/max/b32/r12'),
    'throughput/local/1vs1/linux-bridge/udp/64B/max/b32',
  );
});

test('maximum throughput: highest rx over rates and bursts, first rate whose loss exceeded the threshold', () => {
  const maxima = maxThroughputs(
    groupRepetitions([
      c({ rate: 100, rxPps: 100 }),
      c({ rate: 200, rxPps: 200 }),
      c({ rate: 300, burst: 32, rxPps: 250, lossRatio: 0.1 }),
      c({ rate: 300, burst: 64, rxPps: 290, lossRatio: LOSS_THRESHOLD / 2 }),
      c({ rate: 400, rxPps: 280, lossRatio: 0.3 }),
      c({ rate: 'max', rxPps: 270, lossRatio: 0.5 }),
      c({ packetSize: 1500, rate: 'max', rxPps: 90, lossRatio: 0 }),
      c({ backend: 'udp-mmsg', rate: 100, rxPps: null }),
    ]),
  );
  assert.equal(maxima.length, 2, 'one per (switch, size, pairs, backend) with figures');
  const small = maxima.find((m) => m.packetSize === 64)!;
  assert.equal(small.rxPps.mean, 290);
  assert.equal(small.best.sample.burst, 64);
  assert.equal(small.firstLossyRate, 400, 'at 300 pps burst 64 kept loss under the threshold');
  assert.equal(small.rates, 5);
  const big = maxima.find((m) => m.packetSize === 1500)!;
  assert.equal(big.firstLossyRate, null);
  assert.deepEqual([300, 'max', 5].sort(compareRates as (a: unknown, b: unknown) => number), [5, 300, 'max']);
});

test('compare: ratio B/A, CI where both runs have repetitions, threshold otherwise', () => {
  const a = [
    c({ rate: 100, repetition: 0, rxPps: 1000 }),
    c({ rate: 100, repetition: 1, rxPps: 1010 }),
    c({ rate: 100, repetition: 2, rxPps: 990 }),
    c({ rate: 200, rxPps: 2000 }),
    c({ rate: 300, rxPps: 3000 }),
    c({ rate: 400, rxPps: 4000 }),
    c({ rate: 500, rxPps: 5000 }),
    c({ rate: 600, rxPps: 6000 }),
  ];
  const b = [
    c({ rate: 100, repetition: 0, rxPps: 900 }),
    c({ rate: 100, repetition: 1, rxPps: 905 }),
    c({ rate: 100, repetition: 2, rxPps: 895 }),
    c({ rate: 200, rxPps: 1960 }),
    c({ rate: 300, rxPps: 2700 }),
    c({ rate: 400, rxPps: 4400 }),
    c({ rate: 500, rxPps: null }),
    c({ rate: 700, rxPps: 7000 }),
  ];
  const rows = new Map(compareRuns(a, b).map((r) => [r.tupleKey.split('/')[6], r]));
  const r100 = rows.get('100pps')!;
  assert.equal(r100.verdict, 'regression');
  assert.ok(Math.abs(r100.ratio! - 0.9) < 1e-12);
  assert.ok(r100.ciLow! < 0.9 && r100.ciHigh! > 0.9 && r100.ciHigh! < 1, `CI ${r100.ciLow}–${r100.ciHigh}`);
  assert.equal(rows.get('200pps')!.verdict, 'unchanged', '2 % lower, within the 5 % threshold');
  assert.equal(rows.get('200pps')!.ciLow, null);
  assert.equal(rows.get('300pps')!.verdict, 'regression', '10 % lower');
  assert.equal(rows.get('400pps')!.verdict, 'improvement');
  assert.equal(rows.get('500pps')!.verdict, 'regression', 'measured in A, failed in B');
  assert.equal(rows.get('600pps')!.verdict, 'only-a');
  assert.equal(rows.get('700pps')!.verdict, 'only-b');
  assert.equal(
    compareRuns(a, b, { threshold: 0.15 }).find((r) => r.tupleKey.includes('/300pps/'))!.verdict,
    'unchanged',
  );

  // Noisy repetitions: a 2 % drop inside the CI is not a regression, even past a tighter threshold.
  const noisyA = [1000, 1100, 900].map((rx, repetition) => c({ rate: 100, repetition, rxPps: rx }));
  const noisyB = [980, 1080, 880].map((rx, repetition) => c({ rate: 100, repetition, rxPps: rx }));
  const noisy = compareRuns(noisyA, noisyB, { threshold: 0.01 })[0]!;
  assert.equal(noisy.verdict, 'unchanged');
  assert.ok(noisy.ciLow! < 1 && noisy.ciHigh! > 1);
});
