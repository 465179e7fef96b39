// Layouts in the report: tester and chain cases are their own configurations, named by their shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupRepetitions } from '../../src/analysis/repetitions.js';
import { maxThroughputs } from '../../src/analysis/max-throughput.js';
import { SUMMARY_COLUMNS } from '../../src/report/table.js';
import { toCsv } from '../../src/report/export.js';
import type { SummaryCase } from '../../src/store/summary.js';
import { analyzeRun } from '../../src/analysis/index.js';
import { buildHeadline, headlineSentence } from '../../src/report/headline.js';

function summaryCase(id: string, shape: Partial<SummaryCase>, rxPps: number): SummaryCase {
  return {
    id,
    dimension: 'throughput',
    locality: 'local',
    containers: 'netns',
    pairs: 1,
    switch: 'ovs',
    backend: 'dpdk',
    packetSize: 64,
    rate: 'max',
    burst: 32,
    repetition: 0,
    status: 'ok',
    cpuShared: false,
    ...shape,
    throughput: {
      txPps: rxPps,
      rxPps,
      txGbps: 0,
      rxGbps: 0,
      lossRatio: 0,
      lostPackets: 0,
      unsentPackets: 0,
      corruptPackets: 0,
      reorderedPackets: 0,
      steadySeconds: 5,
    },
  };
}

const CASES = [
  summaryCase('throughput/local/1vs1/ovs/dpdk/64B/max/b32/r0', {}, 20_000),
  summaryCase('throughput/local/1tester/ovs/dpdk/64B/max/b32/r0', { layout: 'tester' }, 2_000_000),
  summaryCase(
    'throughput/local/1chain2/ovs/dpdk/64B/max/b32/r0',
    { layout: 'chain', chainLength: 2, chains: 1 },
    900_000,
  ),
];

test('the case table writes S with its layout', () => {
  const s = SUMMARY_COLUMNS.find((c) => c.key === 'pairs')!;
  assert.deepEqual(
    CASES.map((c) => s.value(c)),
    ['1vs1', '1tester', '1chain2'],
  );
});

test('CSV export carries layout, chainLength and chains', () => {
  const rows = CASES.map((c) => ({ case: c, variation: null, cpu: null, warnings: [] }));
  const [header, ...lines] = toCsv(rows)
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));
  const at = (k: string) => header!.indexOf(k);
  assert.deepEqual(
    lines.map((l) => [l[at('pairs')], l[at('layout')], l[at('chainLength')], l[at('chains')]]),
    [
      ['1', 'pairs', '', ''],
      ['1', 'tester', '', ''],
      ['1', 'chain', '2', '1'],
    ],
  );
});

test('maximum throughput keeps each layout a configuration of its own', () => {
  const maxima = maxThroughputs(groupRepetitions(CASES));
  assert.deepEqual(
    maxima.map((m) => [m.layout, m.chainLength, m.rxPps.mean]),
    [
      [undefined, undefined, 20_000],
      ['tester', undefined, 2_000_000],
      ['chain', 2, 900_000],
    ],
  );
});

/** The headline over these cases, as the report writes it (no samples: the summary alone). */
function headlineOver(cases: SummaryCase[]): string {
  const run = { id: 1, name: 'layouts', planFile: 'p.yaml', nfvperfVersion: '0', startedAt: '', finishedAt: null };
  const analysis = analyzeRun({
    summary: { run: { ...run, outcome: 'completed', environment: {} }, cases },
    searches: new Map(),
    samples: new Map(),
    cpuSamples: new Map(),
    tables: new Set(),
  });
  return headlineSentence(buildHeadline(analysis).items[0]!);
}

test("the headline writes S as the case ids do: one layout's form, or each layout's", () => {
  assert.equal(
    headlineOver([
      CASES[1]!,
      summaryCase('throughput/local/1tester/vpp/dpdk/64B/max/b32/r0', { layout: 'tester', switch: 'vpp' }, 1_000_000),
    ]),
    'Best throughput path (local, 64 B, 1tester): ovs · dpdk · tester at 2.000 Mpps: ×2.00 the rate of the next, vpp · dpdk · tester (1.000 Mpps).',
  );
  assert.match(
    headlineOver(CASES),
    /^Best throughput path \(local, 64 B, 1tester \/ 1chain2 \/ 1vs1\): ovs · dpdk · tester /,
  );
});
