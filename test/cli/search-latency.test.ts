// A real short search on linux-bridge that ends with latency at 0 (the probe alone), 10, 50 and
// 90 % of the PDR it found: four one-way histograms of the probe — alone, every frame the
// receivers got in the steady window; under load, the probes beside it and not the load's frames
// — and the exported HdrHistogram log gives summary.json's percentiles back exactly. (Whether
// p50 rises with load is a benchmark's claim, not this test's.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseHdrLog } from '../../src/analysis/hdr.js';
import { histogramFigures, mergeHistograms } from '../../src/analysis/histogram.js';
import type { Summary } from '../../src/store/summary.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';

const PLAN = `name: search-latency
backends: [udp]
duration: 1
warmup: 1
cooldown: 1
search:
  goals:
    - { name: pdr, lossRatio: 0.005, finalTrialDurationS: 0.5, durationSumS: 0.5, width: 0.3 }
  minRatePps: 1000
  maxRatePps: 200000
  latency:
    fractions: [0.1, 0.5, 0.9]
    probeRatePps: 2000
`;

test('a search ends with one-way latency at 0/10/50/90 % of its PDR, stored whole and exported', async () => {
  const before = hostState();
  const dir = tempDir({ 'p.yaml': PLAN });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const c = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary).cases[0]!;
  assert.equal(c.status, 'ok', c.error);
  const pdr = c.search!.pdr!.conditionalThroughput!;
  const hists = c.latencyHistograms!;
  assert.deepEqual(
    hists.map((h) => [h.run, h.kind, h.fraction, h.ratePps, h.status]),
    [
      ['probe', 'one-way', 0, 2000, 'ok'],
      ['pdr@0.1', 'one-way', 0.1, Math.max(1, Math.round(0.1 * pdr)), 'ok'],
      ['pdr@0.5', 'one-way', 0.5, Math.max(1, Math.round(0.5 * pdr)), 'ok'],
      ['pdr@0.9', 'one-way', 0.9, Math.max(1, Math.round(0.9 * pdr)), 'ok'],
    ],
  );
  for (const h of hists) {
    assert.match(h.clock, /CLOCK_MONOTONIC of one host/);
    assert.ok(h.rxPackets! > 0, `${h.run}: frames arrived in the steady window`);
    const timed = h.samples + h.late!;
    if (h.run === 'probe') {
      // Alone, the probe is all there is: every frame received in the steady window is in the
      // histogram, or late (over 1 s).
      assert.equal(timed, h.rxPackets, `${h.run}: ${JSON.stringify(h)}`);
    } else {
      // Under load, only the probes are timed: at most the 2000 of the 1 s steady window (give or
      // take a frame in flight at each edge), and about their share of what arrived (a sender
      // that falls behind on a loaded host drops load and probes alike), not the load's frames.
      const share = timed / h.rxPackets!;
      const probeShare = 2000 / (h.ratePps! + 2000);
      assert.ok(timed > 0 && timed <= 2002, `${h.run}: ${timed} probes timed, ${JSON.stringify(h)}`);
      assert.ok(share > 0.5 * probeShare && share < 1.5 * probeShare, `${h.run}: ${timed} of ${h.rxPackets} timed`);
    }
  }
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    // Every second of every run is stored, warm-up and cool-down too (one row per receiver and second).
    const runs = db.prepare('SELECT DISTINCT run FROM histograms ORDER BY run').pluck().all();
    assert.deepEqual(runs, ['pdr@0.1', 'pdr@0.5', 'pdr@0.9', 'probe']);
    const seconds = db.prepare(`SELECT COUNT(*) FROM histograms WHERE run = 'probe'`).pluck().get() as number;
    assert.ok(seconds >= 3, `warm-up, steady and cool-down seconds of the probe: ${seconds}`);
  } finally {
    db.close();
  }
  // The exported log, merged per case and run, gives summary.json's percentiles exactly.
  const logFile = join(dir, 'h.hlog');
  const e = await nfvperf(['export', out, '--format', 'hdr', '--output', logFile]);
  assert.equal(e.code, 0, e.stderr);
  const lines = parseHdrLog(readFileSync(logFile, 'utf8'));
  for (const h of hists) {
    const mine = lines.filter((l) => l.tag!.startsWith(`${c.id}:${h.run}:one-way:`));
    assert.ok(mine.length >= 1, h.run);
    const { samples, minNs, maxNs, percentiles } = histogramFigures(mergeHistograms(mine.map((l) => l.histogram)));
    assert.deepEqual(
      { samples, minNs, maxNs, percentiles },
      {
        samples: h.samples,
        minNs: h.minNs,
        maxNs: h.maxNs,
        percentiles: h.percentiles,
      },
    );
  }
  assertNoLeaks(before);
});
