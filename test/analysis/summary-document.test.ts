import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summaryDocument, summaryDocumentOf } from '../../src/analysis/summary-document.js';
import type { Summary, SummaryCase } from '../../src/store/summary.js';

function caseOf(repetition: number, rxPps: number, rate: number | 'max' = 'max'): SummaryCase {
  return {
    id: `throughput/local/1vs1/linux-bridge/udp-mmsg/64B/${rate === 'max' ? 'max' : `${rate}pps`}/b32/r${repetition}`,
    dimension: 'throughput',
    locality: 'local',
    containers: 'netns',
    pairs: 1,
    switch: 'linux-bridge',
    backend: 'udp-mmsg',
    packetSize: 64,
    rate,
    burst: 32,
    repetition,
    status: 'ok',
    cpuShared: false,
    latency: null,
    throughput: {
      txPps: rxPps,
      rxPps,
      txGbps: 0,
      rxGbps: (rxPps * 512) / 1e9,
      lossRatio: 0,
      lostPackets: 0,
      unsentPackets: 0,
      corruptPackets: 0,
      reorderedPackets: 0,
      steadySeconds: 5,
    },
  };
}

test('summary.json aggregates repetitions of a tuple with a 95% CI, and only those', () => {
  const summary = {
    run: {} as Summary['run'],
    cases: [caseOf(0, 100), caseOf(1, 110), caseOf(2, 120), caseOf(0, 50, 1000)],
  };
  const doc = summaryDocument(summary);
  assert.equal(doc.repetitions.length, 1, 'the tuple measured once has no aggregate');
  const agg = doc.repetitions[0]!;
  assert.equal(agg.tuple, 'throughput/local/1vs1/linux-bridge/udp-mmsg/64B/max/b32');
  assert.equal(agg.repetitions, 3);
  assert.equal(agg.rxPps!.mean, 110);
  // s = 10, t(0.975, 2) = 4.3027: half-width = 4.3027 × 10 / √3.
  assert.ok(Math.abs(agg.rxPps!.ciHalfWidth! - (4.302653 * 10) / Math.sqrt(3)) < 1e-3);
  assert.deepEqual(
    doc.cases,
    summary.cases.map((c) => ({ ...c, cpu: null })),
    'the per-case records are unchanged, with no CPU figures given',
  );
});

test('summary.json cases carry cpu: per component from the stored samples, total cores, cycles per packet', async () => {
  const { writeResults } = await import('../report/synthetic.js');
  const { loadRun } = await import('../../src/store/run-data.js');
  const { analyzeRun } = await import('../../src/analysis/index.js');
  const Database = (await import('better-sqlite3')).default;
  const { join } = await import('node:path');
  const dir = writeResults(
    [
      { switch: 'ovs', backend: 'dpdk', rate: 'max', txPps: 2e6, rxPps: 1e6, switchCpu: 0.97, softirqCpu: 0.3 },
      {
        switch: 'ovs',
        backend: 'dpdk',
        rate: 'max',
        pairs: 2,
        txPps: 2e6,
        rxPps: 1e6,
        switchCpu: 0.5,
        cpuShared: true,
      },
    ],
    { environment: { tscHz: '2000000000', irqTimeAccounting: 'no' } },
  );
  const db = new Database(join(dir, 'results.sqlite'), { readonly: true });
  try {
    const analysis = analyzeRun(loadRun(db));
    const doc = summaryDocumentOf(analysis.data);
    const cpu = doc.cases[0]!.cpu!;
    // From the database: each component's steady busy time over its steady wall time.
    const stored = db
      .prepare(`SELECT component, SUM(busy_us) * 1000.0 / SUM(duration_ns) AS cpus FROM cpu_samples
      WHERE steady = 1 AND case_id = (SELECT MIN(id) FROM cases) GROUP BY component`)
      .all() as { component: string; cpus: number }[];
    for (const r of stored)
      assert.ok(
        Math.abs(cpu.perComponent[r.component]! - r.cpus) < 1e-9,
        `${r.component}: ${cpu.perComponent[r.component]} vs ${r.cpus}`,
      );
    assert.deepEqual(Object.keys(cpu.perComponent), ['recv 0', 'send 0', 'ovs-vswitchd pmd-c02/id:8', 'softirq cpu0']);
    assert.deepEqual(
      cpu.notInTotal,
      ['softirq cpu0'],
      "softirq on the sender's CPU is already in its system time (irqTimeAccounting no)",
    );
    const apps = 0.2 + 0.6 + 0.1 + 0.5; // the synthetic apps' user + sys
    assert.ok(Math.abs(cpu.totalCores! - (apps + 0.97)) < 1e-9, `total cores ${cpu.totalCores}`);
    assert.ok(
      Math.abs(cpu.cyclesPerPacket! - ((apps + 0.97) * 2e9) / 1e6) < 1e-6,
      `cycles per packet ${cpu.cyclesPerPacket}`,
    );
    assert.deepEqual(
      analysis.cases[0]!.warnings.map((w) => w.kind),
      [],
    );
    assert.ok(
      analysis.cases[1]!.warnings.some((w) => w.kind === 'SwitchSharesAppCpu' && /CPU 0/.test(w.message)),
      "the PMD on the sender's CPU is warned about",
    );
  } finally {
    db.close();
  }
});
