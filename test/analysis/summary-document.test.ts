import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryDocument } from '../../src/analysis/summary-document.js';
import type { Summary, SummaryCase } from '../../src/store/summary.js';

function caseOf(repetition: number, rxPps: number, rate: number | 'max' = 'max'): SummaryCase {
  return {
    id: `throughput/local/1vs1/linux-bridge/udp-mmsg/64B/${rate === 'max' ? 'max' : `${rate}pps`}/b32/r${repetition}`,
    dimension: 'throughput', locality: 'local', containers: 'netns', pairs: 1, switch: 'linux-bridge', backend: 'udp-mmsg', packetSize: 64,
    rate, burst: 32, repetition, status: 'ok', cpuShared: false, latency: null,
    throughput: { txPps: rxPps, rxPps, txGbps: 0, rxGbps: (rxPps * 512) / 1e9, lossRatio: 0, lostPackets: 0, unsentPackets: 0,
      corruptPackets: 0, reorderedPackets: 0, steadySeconds: 5 },
  };
}

test('summary.json aggregates repetitions of a tuple with a 95% CI, and only those', () => {
  const summary = { run: {} as Summary['run'], cases: [caseOf(0, 100), caseOf(1, 110), caseOf(2, 120), caseOf(0, 50, 1000)] };
  const doc = summaryDocument(summary);
  assert.equal(doc.repetitions.length, 1, 'the tuple measured once has no aggregate');
  const agg = doc.repetitions[0]!;
  assert.equal(agg.tuple, 'throughput/local/1vs1/linux-bridge/udp-mmsg/64B/max/b32');
  assert.equal(agg.repetitions, 3);
  assert.equal(agg.rxPps!.mean, 110);
  // s = 10, t(0.975, 2) = 4.3027: half-width = 4.3027 × 10 / √3.
  assert.ok(Math.abs(agg.rxPps!.ciHalfWidth! - (4.302653 * 10) / Math.sqrt(3)) < 1e-3);
  assert.deepEqual(doc.cases, summary.cases, 'the per-case records are unchanged');
});
