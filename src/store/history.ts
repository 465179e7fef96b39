// Many runs' figures per case, oldest first: read from run directories (every run in each
// results.sqlite), or kept in a history database of its own (`nfvperf history --db FILE DIR…`
// adds runs to it; later runs can be added as they come, and the run directories may be deleted).
// One point per run and case: the mean over the run's repetitions, so a run with repetitions
// counts once, as any other.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../common/errors.js';
import { groupRepetitions } from '../analysis/repetitions.js';
import { fingerprintParts } from '../testbed/fingerprint.js';
import type { CaseSeries, MetricName } from '../analysis/trend.js';
import { buildSummary, type SummaryCase } from './summary.js';
import { READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION, schemaVersionOf } from './db.js';

/** One run as history keeps it. */
export interface HistoryRun {
  /** `<results.sqlite path>#<run id>`: the same run read twice is one run. */
  runKey: string;
  name: string;
  startedAt: string;
  outcome: string;
  fingerprint: Record<string, string>;
  /** caseKey → metric → [mean value, repetitions]. */
  figures: { caseKey: string; metric: MetricName; value: number; repetitions: number }[];
}

const HISTORY_SCHEMA = `
CREATE TABLE IF NOT EXISTS history_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS history_runs (
  run_key TEXT PRIMARY KEY,                        -- <results.sqlite path>#<run id>
  name TEXT NOT NULL,
  started_at TEXT NOT NULL,
  outcome TEXT NOT NULL,
  fingerprint_json TEXT NOT NULL                   -- testbed/fingerprint.ts parts
);
CREATE TABLE IF NOT EXISTS history_points (
  run_key TEXT NOT NULL REFERENCES history_runs(run_key),
  case_key TEXT NOT NULL,                          -- case id without /r<repetition> (+ #<goal> for a search goal)
  metric TEXT NOT NULL,                            -- rxPps | rttP50Us | searchLowerBoundPps
  value REAL NOT NULL,                             -- mean over the run's repetitions
  repetitions INTEGER NOT NULL,
  PRIMARY KEY (run_key, case_key, metric)
);`;

/** Every run stored in each directory's results.sqlite. */
export function readRunDirs(dirs: readonly string[]): HistoryRun[] {
  return dirs.flatMap((dir) => {
    const path = resolve(join(dir, 'results.sqlite'));
    if (!existsSync(path))
      throw new UsageError(`no results in ${dir}: ${path} does not exist (give the --out directory of a run)`);
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const version = schemaVersionOf(db);
      if (version === undefined || !READABLE_SCHEMA_VERSIONS.includes(version)) {
        throw new UsageError(
          `${path} holds results schema ${version ?? 'unknown'}; this nfvperf reads schema ${SCHEMA_VERSION}`,
        );
      }
      const runs = db.prepare('SELECT id, plan_json FROM runs ORDER BY id').all() as {
        id: number;
        plan_json: string;
      }[];
      return runs.map((r) =>
        runOf(`${path}#${r.id}`, buildSummary(db, r.id), JSON.parse(r.plan_json) as Record<string, unknown>),
      );
    } finally {
      db.close();
    }
  });
}

function runOf(runKey: string, summary: ReturnType<typeof buildSummary>, plan: Record<string, unknown>): HistoryRun {
  return {
    runKey,
    name: summary.run.name,
    startedAt: summary.run.startedAt,
    outcome: summary.run.outcome,
    fingerprint: fingerprintParts(summary.run.environment, plan),
    figures: figuresOf(summary.cases),
  };
}

/** Each tuple's figures: rx rate (throughput), RTT p50 (latency), each search goal's lower bound; means over repetitions. */
export function figuresOf(cases: readonly SummaryCase[]): HistoryRun['figures'] {
  const figures: HistoryRun['figures'] = [];
  const add = (caseKey: string, metric: MetricName, values: number[]) => {
    if (values.length > 0)
      figures.push({
        caseKey,
        metric,
        value: values.reduce((a, b) => a + b, 0) / values.length,
        repetitions: values.length,
      });
  };
  for (const g of groupRepetitions(cases)) {
    add(
      g.tupleKey,
      'rxPps',
      g.cases.flatMap((c) => (c.status === 'ok' && c.throughput ? [c.throughput.rxPps] : [])),
    );
    add(
      g.tupleKey,
      'rttP50Us',
      g.cases.flatMap((c) => (c.status === 'ok' && c.latency ? [c.latency.p50Us] : [])),
    );
    const goals = [...new Set(g.cases.flatMap((c) => Object.keys(c.search ?? {})))];
    for (const goal of goals) {
      add(
        `${g.tupleKey}#${goal}`,
        'searchLowerBoundPps',
        g.cases.flatMap((c) => {
          const lower = c.status === 'ok' ? c.search?.[goal]?.lowerBound : null;
          return typeof lower === 'number' ? [lower] : [];
        }),
      );
    }
  }
  return figures;
}

/** A history database: opened (created unless `readonly`) with its tables. */
export class HistoryDb {
  readonly db: Database.Database;

  constructor(path: string, options: { readonly?: boolean } = {}) {
    if (options.readonly && !existsSync(path))
      throw new UsageError(`no history database at ${path} (make one with \`nfvperf history --db ${path} DIR…\`)`);
    if (existsSync(path) && statSync(path).isDirectory())
      throw new UsageError(`--db ${path} is a directory; give a file`);
    this.db = new Database(path, { readonly: options.readonly ?? false });
    const kind = this.hasTable('history_meta')
      ? this.db.prepare(`SELECT value FROM history_meta WHERE key = 'kind'`).pluck().get()
      : undefined;
    const runResults = this.hasTable('meta');
    if (runResults || (this.hasTable('history_meta') && kind !== 'nfvperf-history')) {
      this.db.close();
      throw new UsageError(
        `${path} is not an nfvperf history database${runResults ? " (it is a run's results.sqlite: give its directory instead)" : ''}`,
      );
    }
    if (!options.readonly) {
      this.db.exec(HISTORY_SCHEMA);
      this.db.prepare(`INSERT OR IGNORE INTO history_meta (key, value) VALUES ('kind', 'nfvperf-history')`).run();
    }
  }

  private hasTable(name: string): boolean {
    return this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
  }

  /** Adds runs (a run already stored is replaced: a resumed run may have more cases now). Returns how many were new. */
  add(runs: readonly HistoryRun[]): number {
    let added = 0;
    this.db.transaction(() => {
      for (const r of runs) {
        const known = this.db.prepare('SELECT 1 FROM history_runs WHERE run_key = ?').get(r.runKey) !== undefined;
        if (!known) added++;
        this.db.prepare('DELETE FROM history_points WHERE run_key = ?').run(r.runKey);
        this.db
          .prepare(
            'INSERT OR REPLACE INTO history_runs (run_key, name, started_at, outcome, fingerprint_json) VALUES (?, ?, ?, ?, ?)',
          )
          .run(r.runKey, r.name, r.startedAt, r.outcome, JSON.stringify(r.fingerprint));
        const point = this.db.prepare(
          'INSERT INTO history_points (run_key, case_key, metric, value, repetitions) VALUES (?, ?, ?, ?, ?)',
        );
        for (const f of r.figures) point.run(r.runKey, f.caseKey, f.metric, f.value, f.repetitions);
      }
    })();
    return added;
  }

  runs(): HistoryRun[] {
    if (!this.hasTable('history_runs')) return [];
    const rows = this.db.prepare('SELECT * FROM history_runs').all() as {
      run_key: string;
      name: string;
      started_at: string;
      outcome: string;
      fingerprint_json: string;
    }[];
    const points = this.db.prepare(
      'SELECT case_key, metric, value, repetitions FROM history_points WHERE run_key = ? ORDER BY rowid',
    );
    return rows.map((r) => ({
      runKey: r.run_key,
      name: r.name,
      startedAt: r.started_at,
      outcome: r.outcome,
      fingerprint: JSON.parse(r.fingerprint_json) as Record<string, string>,
      figures: (
        points.all(r.run_key) as { case_key: string; metric: MetricName; value: number; repetitions: number }[]
      ).map((p) => ({ caseKey: p.case_key, metric: p.metric, value: p.value, repetitions: p.repetitions })),
    }));
  }

  close(): void {
    this.db.close();
  }
}

/** The runs of a history database and/or run directories, oldest first (one run read twice counts once). */
export function loadHistory(source: { dirs: readonly string[]; db?: string }): HistoryRun[] {
  const runs = new Map<string, HistoryRun>();
  if (source.db) {
    const db = new HistoryDb(source.db, { readonly: true });
    try {
      for (const r of db.runs()) runs.set(r.runKey, r);
    } finally {
      db.close();
    }
  }
  for (const r of readRunDirs(source.dirs)) runs.set(r.runKey, r);
  return [...runs.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** One series per case and metric, points oldest first; runs that did not measure a case leave no point. */
export function seriesOf(runs: readonly HistoryRun[]): CaseSeries[] {
  const series = new Map<string, CaseSeries>();
  for (const run of runs) {
    for (const f of run.figures) {
      const key = `${f.caseKey} ${f.metric}`;
      const s = series.get(key) ?? { caseKey: f.caseKey, metric: f.metric, points: [] };
      s.points.push({
        runKey: run.runKey,
        startedAt: run.startedAt,
        value: f.value,
        repetitions: f.repetitions,
        fingerprint: run.fingerprint,
      });
      series.set(key, s);
    }
  }
  return [...series.values()];
}
