import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readHistograms, ResultsDb, SCHEMA_VERSION, schemaVersionOf } from '../../src/store/db.js';
import { analyzeDir } from '../../src/report/load.js';
import { modelSearch, writeResults } from '../report/synthetic.js';
import { expandSearch, searchSchema } from '../../src/plan/search-schema.js';
import { runExpandedSearch } from '../../src/search/search.js';
import { trialResult } from '../../src/search/trial.js';

/** Turns a fresh results file back into what schema 6 wrote: no queues per case, no refused frames, stalls or their owner per search trial. */
function downgradeToSchema6(path: string): void {
  const db = new Database(path);
  db.exec(`ALTER TABLE cases DROP COLUMN queues; ALTER TABLE search_trials DROP COLUMN unsent_packets;
    ALTER TABLE search_trials DROP COLUMN stalls; ALTER TABLE search_trials DROP COLUMN unsent_counts_as;
    UPDATE meta SET value = '6' WHERE key = 'schema_version'`);
  db.close();
}

/** Turns a fresh results file back into what schema 5 wrote: no layout columns, no histograms or latency runs, no baseline cases, no flows or frame-size mix per case. */
function downgradeToSchema5(path: string): void {
  downgradeToSchema6(path);
  const db = new Database(path);
  db.exec(`ALTER TABLE cases DROP COLUMN layout; ALTER TABLE cases DROP COLUMN chain_length;
    ALTER TABLE cases DROP COLUMN chains; DROP TABLE histograms; DROP TABLE latency_runs;
    ALTER TABLE cases DROP COLUMN baseline; ALTER TABLE cases DROP COLUMN flows;
    ALTER TABLE cases DROP COLUMN size_mix_json; UPDATE meta SET value = '5' WHERE key = 'schema_version'`);
  db.close();
}

/** Turns a fresh results file back into what schema 4 wrote: no search shortfall, verdicts, packet totals or generator-accurate load. */
function downgradeToSchema4(path: string): void {
  downgradeToSchema5(path);
  const db = new Database(path);
  db.exec(`ALTER TABLE search_trials DROP COLUMN shortfall_ratio; ALTER TABLE search_trials DROP COLUMN verdicts_json;
    ALTER TABLE search_trials DROP COLUMN intended_packets; ALTER TABLE search_trials DROP COLUMN sent_packets;
    ALTER TABLE search_trials DROP COLUMN received_packets; ALTER TABLE search_goals DROP COLUMN generator_accurate_pps;
    ALTER TABLE search_goals DROP COLUMN lower_bound_to_generator_ratio; DROP TABLE preflight_findings;
    UPDATE meta SET value = '4' WHERE key = 'schema_version'`);
  db.close();
}

/** Turns a fresh results file back into what schema 3 wrote: schema 4's, less cpu_samples, io_mode and client_threads. */
function downgradeToSchema3(path: string): void {
  downgradeToSchema4(path);
  const db = new Database(path);
  db.exec(`DROP TABLE cpu_samples; ALTER TABLE cases DROP COLUMN io_mode; ALTER TABLE cases DROP COLUMN client_threads;
    UPDATE meta SET value = '3' WHERE key = 'schema_version'`);
  db.close();
}

test('a schema 6 results file reads as one queue per port, and a writer adds the column (resume)', () => {
  const dir = writeResults([{ rate: 'max', txPps: 1000, rxPps: 1000 }]);
  const path = join(dir, 'results.sqlite');
  downgradeToSchema6(path);
  const before = analyzeDir(dir);
  assert.equal(before.data.summary.cases[0]!.queues, undefined);
  const writer = new ResultsDb(path);
  assert.equal(schemaVersionOf(writer.db), String(SCHEMA_VERSION));
  assert.deepEqual(writer.db.prepare('SELECT queues FROM cases').get(), { queues: 1 });
  writer.close();
});

test('a schema 4 results file with a search is read as it is, and migrated to schema 5 by a writer (resume)', async () => {
  const dir = writeResults([
    { rate: 'search', txPps: 0, rxPps: 0, search: await modelSearch({ capacityPps: 400_000 }) },
  ]);
  const path = join(dir, 'results.sqlite');
  downgradeToSchema4(path);
  const before = analyzeDir(dir);
  assert.ok(before.data.searches.get(before.cases[0]!.case.id)!.trials.length > 0, 'its trials are read');

  const writer = new ResultsDb(path);
  assert.equal(schemaVersionOf(writer.db), String(SCHEMA_VERSION));
  const trials = writer.db
    .prepare(
      `SELECT COUNT(*) AS n, COUNT(verdicts_json) AS verdicts, COUNT(shortfall_ratio) AS shortfalls FROM search_trials`,
    )
    .get();
  assert.deepEqual(
    trials,
    { n: (trials as { n: number }).n, verdicts: 0, shortfalls: 0 },
    'schema 4 trials have no verdicts: NULL, not made up',
  );
  assert.equal(writer.db.prepare(`SELECT COUNT(generator_accurate_pps) FROM search_goals`).pluck().get(), 0);
  writer.close();
});

test('a search trial stores its refused frames, stalls and whose they are; a schema 6 file has none (NULL), and a writer adds the columns (resume)', async () => {
  // A sender whose own socket refuses 1 % of what it is asked and whose pacer stalls once per trial.
  const search = await runExpandedSearch(
    expandSearch(searchSchema.parse({ preset: 'quick', maxRatePps: 100_000 })),
    async (ratePps, durationS) => {
      const intended = Math.round(ratePps * durationS);
      const unsent = Math.round(intended / 100);
      return trialResult(
        ratePps,
        1,
        [
          {
            txPackets: intended - unsent,
            unsent,
            stalls: 1,
            sendingS: durationS,
            unsentCountsAs: 'generator-shortfall',
          },
        ],
        intended - unsent,
      );
    },
  );
  const dir = writeResults([{ rate: 'search', txPps: 0, rxPps: 0, search }]);
  const path = join(dir, 'results.sqlite');
  const unsentTotal = search.trace.reduce((n, t) => n + t.packets!.unsent!, 0);
  const fresh = analyzeDir(dir).data.summary.cases[0]!.search!.ndr!;
  assert.deepEqual(
    [fresh.unsentCountsAs, fresh.unsentPackets, fresh.stalls],
    ['generator-shortfall', unsentTotal, search.trace.length],
  );
  assert.equal(fresh.failedTrials!.byVerdict['sender-refused'], fresh.failedTrials!.generatorShortfall);
  assert.ok(fresh.failedTrials!.generatorShortfall > 0, JSON.stringify(fresh.failedTrials));

  downgradeToSchema6(path);
  const old = analyzeDir(dir);
  const oldNdr = old.data.summary.cases[0]!.search!.ndr!;
  assert.deepEqual([oldNdr.unsentCountsAs, oldNdr.unsentPackets, oldNdr.stalls], [null, null, null]);
  assert.deepEqual(oldNdr.failedTrials, fresh.failedTrials, 'the verdicts stored then are read as they are');
  const trial = old.data.searches.get(old.cases[0]!.case.id)!.trials[0]!;
  assert.deepEqual([trial.packets!.unsent, trial.packets!.stalls, trial.packets!.unsentCountsAs], [null, null, null]);

  const writer = new ResultsDb(path);
  assert.equal(schemaVersionOf(writer.db), String(SCHEMA_VERSION));
  assert.deepEqual(
    writer.db
      .prepare(
        'SELECT COUNT(*) AS n, COUNT(unsent_packets) AS unsent, COUNT(stalls) AS stalls, COUNT(unsent_counts_as) AS owners FROM search_trials',
      )
      .get(),
    { n: search.trace.length, unsent: 0, stalls: 0, owners: 0 },
    'not counted then: NULL, not made up',
  );
  writer.close();
});

test('a schema 5 results file reads as one flow of one size, and a writer adds the columns (resume)', () => {
  const dir = writeResults([{ rate: 'max', txPps: 1000, rxPps: 900 }]);
  const path = join(dir, 'results.sqlite');
  downgradeToSchema5(path);
  const analysis = analyzeDir(dir);
  assert.deepEqual(
    [analysis.cases[0]!.case.flows, analysis.cases[0]!.case.sizeMix, analysis.maxima[0]!.flows],
    [1, undefined, 1],
  );
  const writer = new ResultsDb(path);
  assert.equal(schemaVersionOf(writer.db), String(SCHEMA_VERSION));
  assert.deepEqual(writer.db.prepare(`SELECT flows, size_mix_json FROM cases`).get(), {
    flows: 1,
    size_mix_json: null,
  });
  writer.close();
});

test('a schema 3 results file is read as it is, and migrated to the current schema by a writer (resume)', () => {
  const dir = writeResults([{ rate: 'max', txPps: 1000, rxPps: 900 }]);
  const path = join(dir, 'results.sqlite');
  downgradeToSchema3(path);
  const analysis = analyzeDir(dir);
  assert.equal(analysis.data.cpuSamples.size, 0, 'no cpu_samples table: no component samples');
  assert.ok(analysis.cases[0]!.cpu!.totalCores! > 0, 'the apps still count');

  const writer = new ResultsDb(path);
  assert.equal(schemaVersionOf(writer.db), String(SCHEMA_VERSION));
  assert.equal(writer.db.prepare(`SELECT COUNT(*) FROM cpu_samples`).pluck().get(), 0);
  assert.equal(writer.db.prepare(`SELECT COUNT(*) FROM cases`).pluck().get(), 1, 'the stored case is kept');
  assert.deepEqual(
    writer.db.prepare(`SELECT io_mode, client_threads FROM cases`).get(),
    { io_mode: 'polling', client_threads: 1 },
    'schema 3 cases ran polling with one-thread clients',
  );
  writer.close();
});

test('a schema 4 results file (no pre-flight findings) is read, and a writer adds the table (resume)', () => {
  const dir = writeResults([{ rate: 'max', txPps: 1000, rxPps: 900 }]);
  const path = join(dir, 'results.sqlite');
  downgradeToSchema4(path);
  assert.equal(analyzeDir(dir).data.summary.run.preflight, undefined);
  const writer = new ResultsDb(path);
  writer.savePreflight(1, [
    { rule: 'jitter', status: 'warn', found: 'cpu0: longest 50 µs', meaning: 'gaps', fix: 'isolate' },
  ]);
  assert.equal(schemaVersionOf(writer.db), String(SCHEMA_VERSION));
  writer.close();
  assert.deepEqual(analyzeDir(dir).data.summary.run.preflight, [
    { rule: 'jitter', status: 'warn', found: 'cpu0: longest 50 µs', meaning: 'gaps', fix: 'isolate' },
  ]);
});

test('a schema 5 results file (no layouts) is read as pairs cases, and a writer adds the columns (resume)', () => {
  const dir = writeResults([{ rate: 'max', txPps: 1000, rxPps: 900 }]);
  const path = join(dir, 'results.sqlite');
  const fresh = analyzeDir(dir).data.summary.cases[0]!;
  downgradeToSchema5(path);
  assert.deepEqual(analyzeDir(dir).data.summary.cases[0], fresh, 'the same summary as a schema 6 pairs case');
  const writer = new ResultsDb(path);
  assert.equal(schemaVersionOf(writer.db), String(SCHEMA_VERSION));
  assert.deepEqual(writer.db.prepare(`SELECT layout, chain_length, chains FROM cases`).get(), {
    layout: 'pairs',
    chain_length: null,
    chains: null,
  });
  writer.close();
});

test('a schema 5 file’s RTT buckets are read as histograms, and a writer re-encodes them whole (resume)', () => {
  const dir = writeResults([{ rate: 'max', txPps: 1000, rxPps: 900 }]);
  const path = join(dir, 'results.sqlite');
  downgradeToSchema5(path);
  const buckets: [number, number][] = [
    [100, 3],
    [24064, 5],
    [12058624, 1],
  ];
  const old = new Database(path);
  old.exec(`INSERT INTO samples (case_id, pair, role, second, start_offset_ns, duration_ns, partial, steady,
    cpu_user_us, cpu_sys_us) VALUES (1, 0, 'client', 7, 0, 1000000000, 0, 1, 0, 0)`);
  const row = old.prepare('INSERT INTO rtt_buckets (case_id, pair, second, low_ns, count) VALUES (1, 0, 7, ?, ?)');
  for (const [low, n] of buckets) row.run(low, n);
  const expected = [
    {
      run: '',
      pair: 0,
      kind: 'rtt',
      second: 7,
      steady: true,
      histogram: { buckets, count: 9 },
      late: null,
    },
  ];
  assert.deepEqual(readHistograms(old, 1), expected, 'read as it is');
  old.close();
  const writer = new ResultsDb(path);
  assert.equal(schemaVersionOf(writer.db), String(SCHEMA_VERSION));
  assert.deepEqual(readHistograms(writer.db, 1), expected, 're-encoded, nothing lost');
  assert.equal(writer.db.prepare('SELECT COUNT(*) FROM rtt_buckets').pluck().get(), 0);
  writer.close();
});

test('a results file of an unknown schema is refused, naming both versions', () => {
  const dir = writeResults([{ rate: 'max', txPps: 1000, rxPps: 900 }]);
  const path = join(dir, 'results.sqlite');
  const db = new Database(path);
  db.exec(`UPDATE meta SET value = '2' WHERE key = 'schema_version'`);
  db.close();
  assert.throws(
    () => new ResultsDb(path),
    new RegExp(`written with results schema 2; this nfvperf uses schema ${SCHEMA_VERSION}`),
  );
  assert.throws(() => analyzeDir(dir), /holds results schema 2/);
});
