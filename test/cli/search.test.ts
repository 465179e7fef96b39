// A real throughput search (MLRsearch-style) over linux-bridge, with short trials; and the same
// search with a sender that cannot keep up (a fixture that caps its rate), reported as such.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Summary } from '../../src/store/summary.js';
import { nfvperf, ROOT, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';

const PLAN = `name: search
backends: [udp-mmsg]
search:
  goals:
    - { name: ndr, lossRatio: 0, finalTrialDurationS: 0.5, durationSumS: 0.5, width: 0.2 }
    - { name: pdr, lossRatio: 0.005, finalTrialDurationS: 0.5, durationSumS: 0.5, width: 0.2 }
  minRatePps: 1000
  maxRatePps: 2000000
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
    assert.ok(g.trials >= 0, "trials the search chose for this goal (another goal's trials may settle it)");
  }
  assert.ok((ndr!.lowerBound ?? 0) <= (pdr!.upperBound ?? Infinity), 'NDR lies below the PDR bracket');
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    const trials = db
      .prepare(
        'SELECT rate_pps, loss_ratio, path_loss_ratio, offered_pps, received_pps FROM search_trials ORDER BY trial',
      )
      .all() as {
      rate_pps: number;
      loss_ratio: number;
      path_loss_ratio: number;
      offered_pps: number;
      received_pps: number;
    }[];
    assert.ok(trials.length >= 2);
    assert.equal(trials[0]!.rate_pps, 2000000, 'the search starts at the maximum rate');
    for (const t of trials) {
      assert.ok(t.received_pps <= t.offered_pps * 1.0001, 'received ≤ offered in every trial (whole-trial totals)');
      assert.ok(t.loss_ratio >= t.path_loss_ratio - 1e-12, 'a generator shortfall only adds to the loss');
    }
  } finally {
    db.close();
  }
  assertNoLeaks(before);
});

test('a slow sender: the search says the generator, not the path, was the limit, trial by trial', async () => {
  const before = hostState();
  const CAP = 20000; // test/fixtures/slow-sender.sh
  const dir = tempDir({ 'p.yaml': PLAN });
  const out = join(dir, 'out');
  process.env.NFVPERF_APP = join(ROOT, 'test', 'fixtures', 'slow-sender.sh');
  let r: Awaited<ReturnType<typeof nfvperf>>;
  try {
    r = await nfvperf(['run', join(dir, 'p.yaml'), '--out', out]);
  } finally {
    delete process.env.NFVPERF_APP;
  }
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(
    r.stdout,
    /ndr: .* — the sender fell short of the rate at the upper bound, with no loss counted on the path; on this kernel path .*; failed trials: .* on generator shortfall \(\d+ sender behind its schedule\); generator accurate up to/,
  );
  const c = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary).cases[0]!;
  const ndr = c.search!.ndr!;
  assert.equal(ndr.generatorLimited, true, JSON.stringify(ndr));
  // (A busy machine can starve the sender below its cap: the bounds may lie lower, never higher.)
  assert.ok(ndr.lowerBound! <= CAP * 1.001, JSON.stringify(ndr));
  assert.ok(
    ndr.generatorAccuratePps! <= CAP * 1.001,
    `the generator held at most its cap: ${ndr.generatorAccuratePps}`,
  );
  assert.ok(ndr.failedTrials!.generatorShortfall >= 1, JSON.stringify(ndr.failedTrials));
  // The capped sender offers fewer frames than asked (its pacer runs at the cap): "behind", not
  // refused. Its port, a kernel socket, is its own: refused frames would be its shortfall.
  assert.deepEqual(
    [ndr.failedTrials!.byVerdict['sender-behind'], ndr.failedTrials!.byVerdict['sender-refused']],
    [ndr.failedTrials!.generatorShortfall, 0],
    JSON.stringify(ndr.failedTrials),
  );
  assert.deepEqual([ndr.unsentCountsAs, ndr.unsentPackets], ['generator-shortfall', 0]);
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    const trials = db
      .prepare(`SELECT rate_pps, duration_s, shortfall_ratio, path_loss_ratio, generator_limited, verdicts_json,
      intended_packets, sent_packets, received_packets, unsent_packets, stalls, unsent_counts_as
      FROM search_trials ORDER BY trial`)
      .all() as {
      rate_pps: number;
      duration_s: number;
      shortfall_ratio: number;
      path_loss_ratio: number;
      generator_limited: number;
      verdicts_json: string;
      intended_packets: number;
      sent_packets: number;
      received_packets: number;
      unsent_packets: number;
      stalls: number;
      unsent_counts_as: string;
    }[];
    assert.equal(
      trials.reduce(
        (n, t) => n + Number((JSON.parse(t.verdicts_json) as Record<string, string>).ndr === 'sender-behind'),
        0,
      ),
      ndr.failedTrials!.byVerdict['sender-behind'],
      'the summary counts the stored verdicts',
    );
    for (const t of trials) {
      const what = JSON.stringify(t);
      // Every trial stores its refused frames (none: 20 kpps never fills a socket buffer) and stalls.
      assert.deepEqual([t.unsent_packets, t.unsent_counts_as], [0, 'generator-shortfall'], what);
      assert.ok(Number.isInteger(t.stalls) && t.stalls >= 0, what);
      const verdict = (JSON.parse(t.verdicts_json) as Record<string, string>).ndr;
      // Whole-trial totals: the capped sender sends CAP × d frames (its last burst cut to fit), never the asked rate.
      assert.ok(t.sent_packets <= Math.ceil(Math.min(t.rate_pps, CAP) * t.duration_s * 1.01), what);
      assert.ok(t.received_packets <= t.sent_packets, what);
      // Intended: the rate over the sender's own run time (epoch or its late start, to when it noticed the end).
      // (intended is rate × run time rounded to whole packets: equal to within one packet)
      assert.ok(
        Math.abs(t.shortfall_ratio - Math.max(0, 1 - t.sent_packets / t.intended_packets)) <= 1 / t.intended_packets,
        `shortfall = 1 − sent ÷ intended: ${what}`,
      );
      if (t.rate_pps > CAP * 1.01) {
        assert.equal(t.generator_limited, 1, what);
        assert.ok(t.shortfall_ratio > 0.9 * (1 - CAP / t.rate_pps), what);
        assert.equal(verdict, t.path_loss_ratio > 0 ? 'path-loss' : 'sender-behind', what);
      }
    }
  } finally {
    db.close();
  }
  assertNoLeaks(before);
});
