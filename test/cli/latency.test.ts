// Latency (client/server) and raw-socket throughput cases, for real, through the executable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readHistograms } from '../../src/store/db.js';
import type { Summary } from '../../src/store/summary.js';
import { nfvperf, runPlan, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { appSummaries, assertRunTotals } from '../helpers/results.js';

test('latency cases measure round trips over udp-mmsg and raw-mmsg', async () => {
  const before = hostState();
  const dir = tempDir({
    'p.yaml':
      'name: lat\ndimension: latency\nbackends: [udp-mmsg, raw-mmsg]\nrates: [2000]\nbursts: [4]\nduration: 2\nwarmup: 1\ncooldown: 0\n',
  });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  for (const c of summary.cases) {
    assert.equal(c.status, 'ok', c.error);
    assert.equal(c.throughput, null);
    const l = c.latency!;
    // Window edges: echoes of packets sent just before the window may land in it, and vice versa.
    assert.ok(Math.abs(l.samples - l.txPackets) <= 0.1 * l.txPackets, `${l.samples} echoes of ${l.txPackets}`);
    assert.ok(
      l.minUs > 0 &&
        l.minUs <= l.p50Us &&
        l.p50Us <= l.p90Us &&
        l.p90Us <= l.p99Us &&
        l.p99Us <= l.p999Us &&
        l.p999Us <= l.maxUs,
      `ordered percentiles: ${JSON.stringify(l)}`,
    );
    assert.equal(l.unmatchedPackets, 0);
  }
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    // The stored per-second histograms (HdrHistogram blobs) add up to the steady-window sample count.
    const ids = db.prepare('SELECT id FROM cases ORDER BY id').pluck().all() as number[];
    assert.deepEqual(
      ids.map((id) =>
        readHistograms(db, id, { steadyOnly: true })
          .filter((h) => h.kind === 'rtt' && h.run === '')
          .reduce((n, h) => n + h.histogram.count, 0),
      ),
      summary.cases.map((c) => c.latency!.samples),
    );
  } finally {
    db.close();
  }
  assertNoLeaks(before);
});

test('a latency plan with inflight: 1 at rate max runs a closed-loop ping-pong: one round trip at a time, none lost', async () => {
  const before = hostState();
  const { out, summary } = await runPlan(
    'name: pingpong\ndimension: latency\ninflight: 1\nrates: [max]\nbursts: [1]\nduration: 1\nwarmup: 1\ncooldown: 0\n',
  );
  assert.equal(summary.cases.length, 1);
  const c = summary.cases[0]!;
  assert.equal(c.status, 'ok', c.error);
  assert.match(c.id, /\/inflight1\//);
  const rows = appSummaries(join(out, 'results.sqlite'), 'latency').filter((r) => r.role === 'client');
  assert.equal(rows.length, 1);
  const s = JSON.parse(rows[0]!.summary_json) as {
    txPackets: number;
    lost: number;
    durationNs: string;
    rtt: { count: number; avgNs: number };
  };
  assert.ok(s.txPackets > 100, `${s.txPackets} round trips`);
  assert.deepEqual([s.rtt.count, s.lost], [s.txPackets, 0]);
  assert.ok(s.rtt.avgNs * s.rtt.count <= Number(BigInt(s.durationNs)), 'round trips never overlap');
  assertNoLeaks(before);
});

test('raw and raw-mmsg throughput cases deliver packets through the bridge', async () => {
  const before = hostState();
  const dir = tempDir({
    'p.yaml': 'name: raw\nbackends: [raw, raw-mmsg, af-xdp]\nrates: [20000]\nduration: 2\nwarmup: 1\ncooldown: 0\n',
  });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  for (const c of summary.cases) {
    assert.equal(c.status, 'ok', c.error);
    const t = c.throughput!;
    // Received never exceeds sent, and loss is what the gaps say, on the apps' run totals
    // (assertRunTotals below): per one-second window a loaded machine moves queued packets, and a
    // late sender's catch-up, across the edges.
    assert.ok(t.rxPps > 0, `packets arrived: rx ${t.rxPps}, tx ${t.txPps}`);
    assert.equal(t.lossRatio > 0, t.lostPackets > 0, 'a loss ratio only with lost packets');
    assert.equal(t.corruptPackets, 0);
  }
  assertRunTotals(join(out, 'results.sqlite'));
  assertNoLeaks(before);
});
