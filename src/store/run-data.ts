// Read-only access to one run in results.sqlite: the summary (the same object summary.json
// holds) plus the steady-state samples the analysis needs. The queries live here, beside the
// writes in db.ts; src/analysis is pure over what this returns.
import Database from 'better-sqlite3';
import { UsageError } from '../common/errors.js';
import type { ExpandedSearch } from '../plan/search-schema.js';
import {
  READABLE_SCHEMA_VERSIONS,
  readHistograms,
  SCHEMA_VERSION,
  schemaVersionOf,
  type SqlRow,
  type StoredHistogram,
} from './db.js';
import { buildSummary, type Summary } from './summary.js';
import type { AppRole } from '../apps/protocol.js';

/** One app's counters for one steady second (samples.steady = 1). */
export interface SteadySample {
  pair: number;
  role: AppRole;
  second: number;
  durationNs: number;
  /** The app stopped or started inside the interval: its counters cover less than durationNs of work. */
  partial: boolean;
  txPackets: number | null;
  rxPackets: number | null;
  cpuUserUs: number;
  cpuSysUs: number;
}

/** One component's CPU time for one steady second (table cpu_samples, steady = 1). */
export interface SteadyCpuSample {
  component: string;
  kind: 'switch' | 'softirq' | 'irq';
  cpu: number | null;
  second: number;
  durationNs: number;
  busyUs: number;
}

/** One trial of a search case (table search_trials); rates are packets/s per sender. */
export interface SearchTrialRow {
  /** 0-based position in the search. */
  trial: number;
  /** Trial seconds spent before this trial started. */
  startS: number;
  ratePps: number;
  durationS: number;
  measuredDurationS: number;
  offeredPps: number;
  receivedPps: number;
  pathLossRatio: number;
  /** As classified: 1 − received ÷ intended (a generator shortfall counts as loss). */
  lossRatio: number;
  generatorLimited: boolean;
  phase: string;
  /** Each goal's classification of this trial's load, right after it. */
  classifications: Record<string, string>;
  /** What the generator did not send, max(0, 1 − offered ÷ rate); null in files before schema 5. */
  shortfallRatio: number | null;
  /** Per goal: pass, or why it failed (search.ts TrialVerdict; schema 5 and 6: path-loss or generator-shortfall); null in files before schema 5. */
  verdicts: Record<string, string> | null;
  /**
   * Whole-trial totals over all senders; null where not counted (files before schema 5). unsent
   * (frames the send calls refused), stalls and whose the refused frames are: null before schema 7.
   */
  packets: {
    intended: number;
    sent: number;
    received: number;
    unsent: number | null;
    stalls: number | null;
    unsentCountsAs: string | null;
  } | null;
}

/** One goal's result of a search case (table search_goals), with the goal as the plan set it. */
export interface SearchGoalRow {
  goal: string;
  status: string;
  lowerBoundPps: number | null;
  upperBoundPps: number | null;
  relativeWidth: number | null;
  conditionalThroughputPps: number | null;
  trials: number;
  generatorLimited: boolean;
  /** The search's highest load at which the generator was accurate, and this goal's lower bound ÷ it (null before schema 5). */
  generatorAccuratePps: number | null;
  lowerBoundToGeneratorRatio: number | null;
  /** The goal's loss ratio and width (from the case's search config); null if the config lacks the goal. */
  goalLossRatio: number | null;
  goalWidth: number | null;
}

/** A search case's stored trials and goal results. */
export interface CaseSearch {
  /** The goals and limits that ran (cases.search_json); null if unreadable. */
  config: ExpandedSearch | null;
  trials: SearchTrialRow[];
  goals: SearchGoalRow[];
}

export interface RunData {
  summary: Summary;
  /** Search cases (rate "search") by case id, in run order; empty when the run has none. */
  searches: Map<string, CaseSearch>;
  /** Steady samples by case id (SummaryCase.id); a case with none has no entry. */
  samples: Map<string, SteadySample[]>;
  /** Steady CPU samples of switch threads and the kernel by case id; empty for schema 3 files. */
  cpuSamples: Map<string, SteadyCpuSample[]>;
  /** Tables present in the database (a `latency` table, say, appears only once runs store one). */
  tables: Set<string>;
  /** Steady-window latency histograms by case id, per app and second (absent: none loaded). */
  histograms?: Map<string, StoredHistogram[]>;
}

/**
 * Opens the results file at `path` read-only and loads its newest run; a file of a schema this
 * version cannot read is refused with a UsageError that says so.
 */
export function readRunFile(path: string): RunData {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    // A database of another schema would fail on some missing column deep in a query; say why instead.
    const version = schemaVersionOf(db);
    if (version === undefined || !READABLE_SCHEMA_VERSIONS.includes(version)) {
      throw new UsageError(
        `${path} holds results schema ${version ?? 'unknown'}; this nfvperf reads schema ${SCHEMA_VERSION} (re-run the plan with this version)`,
      );
    }
    return loadRun(db);
  } finally {
    db.close();
  }
}

/** Loads the newest run of the database, or run `runId`. */
export function loadRun(db: Database.Database, runId?: number): RunData {
  const summary = buildSummary(db, runId);
  const rows = db
    .prepare(`
    SELECT c.case_key, s.pair, s.role, s.second, s.duration_ns, s.partial, s.tx_packets, s.rx_packets,
      s.cpu_user_us, s.cpu_sys_us
    FROM samples s JOIN cases c ON c.id = s.case_id
    WHERE c.run_id = ? AND s.steady = 1
    ORDER BY c.id, s.pair, s.role, s.second`)
    .all(summary.run.id) as {
    case_key: string;
    pair: number;
    role: SteadySample['role'];
    second: number;
    duration_ns: number;
    partial: number;
    tx_packets: number | null;
    rx_packets: number | null;
    cpu_user_us: number;
    cpu_sys_us: number;
  }[];
  const samples = new Map<string, SteadySample[]>();
  for (const r of rows) {
    let list = samples.get(r.case_key);
    if (!list) samples.set(r.case_key, (list = []));
    list.push({
      pair: r.pair,
      role: r.role,
      second: r.second,
      durationNs: r.duration_ns,
      partial: r.partial === 1,
      txPackets: r.tx_packets,
      rxPackets: r.rx_packets,
      cpuUserUs: r.cpu_user_us,
      cpuSysUs: r.cpu_sys_us,
    });
  }
  const tables = new Set(
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name),
  );
  return {
    summary,
    samples,
    tables,
    cpuSamples: loadCpuSamples(db, summary.run.id, tables),
    searches: loadSearches(db, summary.run.id, tables),
    histograms: loadHistograms(db, summary.run.id),
  };
}

function loadHistograms(db: Database.Database, runId: number): Map<string, StoredHistogram[]> {
  const out = new Map<string, StoredHistogram[]>();
  const cases = db.prepare('SELECT id, case_key FROM cases WHERE run_id = ? ORDER BY id').all(runId) as SqlRow[];
  for (const c of cases) {
    const list = readHistograms(db, c.id, { steadyOnly: true });
    if (list.length > 0) out.set(c.case_key, list);
  }
  return out;
}

function loadCpuSamples(db: Database.Database, runId: number, tables: Set<string>): Map<string, SteadyCpuSample[]> {
  const out = new Map<string, SteadyCpuSample[]>();
  if (!tables.has('cpu_samples')) return out;
  const rows = db
    .prepare(`SELECT c.case_key, s.component, s.kind, s.cpu, s.second, s.duration_ns, s.busy_us
    FROM cpu_samples s JOIN cases c ON c.id = s.case_id WHERE c.run_id = ? AND s.steady = 1
    ORDER BY c.id, s.component, s.second`)
    .all(runId) as {
    case_key: string;
    component: string;
    kind: SteadyCpuSample['kind'];
    cpu: number | null;
    second: number;
    duration_ns: number;
    busy_us: number;
  }[];
  for (const r of rows) {
    const list = out.get(r.case_key) ?? [];
    list.push({
      component: r.component,
      kind: r.kind,
      cpu: r.cpu,
      second: r.second,
      durationNs: r.duration_ns,
      busyUs: r.busy_us,
    });
    out.set(r.case_key, list);
  }
  return out;
}

function loadSearches(db: Database.Database, runId: number, tables: Set<string>): Map<string, CaseSearch> {
  const out = new Map<string, CaseSearch>();
  if (!tables.has('search_trials') || !tables.has('search_goals')) return out;
  const cases = db
    .prepare(
      `SELECT id, case_key, search_json FROM cases WHERE run_id = ? AND search_json IS NOT NULL ORDER BY case_index, id`,
    )
    .all(runId) as { id: number; case_key: string; search_json: string }[];
  const trialsOf = db.prepare('SELECT * FROM search_trials WHERE case_id = ? ORDER BY trial');
  const goalsOf = db.prepare('SELECT * FROM search_goals WHERE case_id = ? ORDER BY rowid');
  for (const c of cases) {
    let config: ExpandedSearch | null = null;
    try {
      config = JSON.parse(c.search_json) as ExpandedSearch;
    } catch {
      /* left null: the goals' attributes are then unknown */
    }
    const trials = (trialsOf.all(c.id) as SqlRow[]).map(
      (t): SearchTrialRow => ({
        trial: t.trial,
        startS: t.start_s,
        ratePps: t.rate_pps,
        durationS: t.duration_s,
        measuredDurationS: t.measured_duration_s,
        offeredPps: t.offered_pps,
        receivedPps: t.received_pps,
        pathLossRatio: t.path_loss_ratio,
        lossRatio: t.loss_ratio,
        generatorLimited: t.generator_limited === 1,
        phase: t.phase,
        classifications: parseObject(t.classifications_json),
        shortfallRatio: t.shortfall_ratio ?? null,
        verdicts: t.verdicts_json ? parseObject(t.verdicts_json) : null,
        packets:
          t.intended_packets === null || t.intended_packets === undefined
            ? null
            : {
                intended: t.intended_packets,
                sent: t.sent_packets,
                received: t.received_packets,
                unsent: t.unsent_packets ?? null,
                stalls: t.stalls ?? null,
                unsentCountsAs: t.unsent_counts_as ?? null,
              },
      }),
    );
    const goals = (goalsOf.all(c.id) as SqlRow[]).map((g): SearchGoalRow => {
      const goal = config?.goals?.find((x) => x.name === g.goal);
      return {
        goal: g.goal,
        status: g.status,
        lowerBoundPps: g.lower_bound_pps,
        upperBoundPps: g.upper_bound_pps,
        relativeWidth: g.relative_width,
        conditionalThroughputPps: g.conditional_throughput_pps,
        trials: g.trials,
        generatorLimited: g.generator_limited === 1,
        goalLossRatio: goal?.lossRatio ?? null,
        goalWidth: goal?.width ?? null,
        generatorAccuratePps: g.generator_accurate_pps ?? null,
        lowerBoundToGeneratorRatio: g.lower_bound_to_generator_ratio ?? null,
      };
    });
    out.set(c.case_key, { config, trials, goals });
  }
  return out;
}

function parseObject(json: string): Record<string, string> {
  try {
    const v = JSON.parse(json) as unknown;
    return v !== null && typeof v === 'object' ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}
