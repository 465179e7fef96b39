// A real throughput search (MLRsearch-style) over linux-bridge, with short trials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Summary } from '../../src/store/summary.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';

const PLAN = `name: search
backends: [udp-mmsg]
search:
  goals:
    - { name: ndr, lossRatio: 0, finalTrialDurationS: 0.5, durationSumS: 0.5, width: 0.2 }
    - { name: pdr, lossRatio: 0.005, finalTrialDurationS: 0.5, durationSumS: 0.5, width: 0.2 }
  minRatePps: 1000
  maxRatePps: 200000
`;

test('a search brackets NDR and PDR and stores every trial', async () => {
  const before = hostState();
  const dir = tempDir({ 'p.yaml': PLAN });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /ndr: \[[\d.]+k, [\d.]+k\] conditional/);
  const c = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary).cases[0]!;
  assert.equal(c.rate, 'search');
  assert.equal(c.status, 'ok', c.error);
  const { ndr, pdr } = c.search!;
  for (const g of [ndr!, pdr!]) {
    assert.ok(g.lowerBound === null || g.upperBound === null || g.lowerBound < g.upperBound, JSON.stringify(g));
    assert.ok(g.trials >= 0, 'trials the search chose for this goal (another goal\'s trials may settle it)');
  }
  assert.ok((ndr!.lowerBound ?? 0) <= (pdr!.upperBound ?? Infinity), 'NDR lies below the PDR bracket');
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    const trials = db.prepare('SELECT rate_pps, loss_ratio, path_loss_ratio, offered_pps, received_pps FROM search_trials ORDER BY trial').all() as
      { rate_pps: number; loss_ratio: number; path_loss_ratio: number; offered_pps: number; received_pps: number }[];
    assert.ok(trials.length >= 2);
    assert.equal(trials[0]!.rate_pps, 200000, 'the search starts at the maximum rate');
    for (const t of trials) {
      assert.ok(t.received_pps <= t.offered_pps * 1.0001, 'received ≤ offered in every trial (whole-trial totals)');
      assert.ok(t.loss_ratio >= t.path_loss_ratio - 1e-12, 'a generator shortfall only adds to the loss');
    }
  } finally {
    db.close();
  }
  assertNoLeaks(before);
});
