// The results database: one SQLite file per run directory (<out>/results.sqlite), WAL mode,
// each case committed in one transaction so a crash loses at most the case that was running.
import Database from 'better-sqlite3';
import type { Case } from '../plan/expand.js';
import type { SampleRow, ThroughputFigures } from '../analysis/steady.js';
import type { LatencyFigures, RttInterval } from '../analysis/latency.js';
import { decodeV2, encodeV2Compressed } from '../analysis/hdr.js';
import { mergeHistograms, type Histogram } from '../analysis/histogram.js';
import { UsageError } from '../common/errors.js';
import type { SearchResult } from '../search/search.js';

/**
 * A row as better-sqlite3 returns it: its columns are what the schema above says, which the
 * type system cannot see; readers name the columns they take.
 */
// biome-ignore lint/suspicious/noExplicitAny: SQLite rows, typed by the schema in this file
export type SqlRow = Record<string, any>;

export const SCHEMA_VERSION = 7;
/**
 * Older schemas a reader still understands: what they lack reads as absent (schema 3: no
 * cpu_samples; no io_mode / client_threads, i.e. every case polling with one-thread clients;
 * schema 4: no search trial verdicts, shortfall or packet totals, no generator-accurate load;
 * schema 5: no layout, i.e. every case pairs; RTT histograms only as rtt_buckets rows, no one-way
 * histograms, no latency runs; no flows or frame-size mix, i.e. one flow of one size; schema 6: no
 * queues, i.e. one queue per port, and no search trial's refused frames or stalls, its verdicts not
 * split by cause).
 */
export const READABLE_SCHEMA_VERSIONS: readonly string[] = ['3', '4', '5', '6', String(SCHEMA_VERSION)];

/** Schema 4: the CPU use of everything beside the apps, per second on the apps' epoch (runner/cpu-sampler.ts). */
const CPU_SAMPLES_TABLE = `
CREATE TABLE IF NOT EXISTS cpu_samples (
  case_id INTEGER NOT NULL REFERENCES cases(id),
  component TEXT NOT NULL,                         -- a switch thread's name, or "softirq cpu<N>" / "irq cpu<N>"
  kind TEXT NOT NULL,                              -- switch | softirq | irq
  cpu INTEGER,                                     -- the CPU of a kernel component; NULL for a thread
  second INTEGER NOT NULL,                         -- interval k of the apps' epoch, as samples.second
  start_offset_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  steady INTEGER NOT NULL,
  busy_us INTEGER NOT NULL,                        -- CPU time in the interval (clock-tick resolution)
  PRIMARY KEY (case_id, component, second)
);`;

/** Schema 5: the host's pre-flight findings at the start of the run (testbed/preflight.ts). */
const PREFLIGHT_TABLE = `
CREATE TABLE IF NOT EXISTS preflight_findings (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  rule TEXT NOT NULL,                              -- isolated-cores, irq-affinity, cpufreq, …, jitter
  status TEXT NOT NULL,                            -- pass | warn | fail | info
  found TEXT NOT NULL,
  meaning TEXT NOT NULL,
  fix TEXT,
  PRIMARY KEY (run_id, rule)
);`;

/**
 * Schema 6: every latency histogram whole, one row per app and interval, in HdrHistogram's
 * compressed V2 encoding (analysis/hdr.ts: ~100 bytes for a typical second, where rtt_buckets took
 * a row per bucket); and a search's latency runs at fractions of the rates it found.
 */
const HISTOGRAM_TABLES = `
CREATE TABLE IF NOT EXISTS histograms (
  case_id INTEGER NOT NULL REFERENCES cases(id),
  run TEXT NOT NULL,                               -- '' the case's own traffic; else a latency run's label (latency_runs)
  pair INTEGER NOT NULL,
  kind TEXT NOT NULL,                              -- rtt (client: round trips) | one-way (recv --latency)
  second INTEGER NOT NULL,                         -- interval k, as samples.second
  steady INTEGER NOT NULL,
  count INTEGER NOT NULL,                          -- samples in it
  late INTEGER,                                    -- one-way: frames over 1 s (not in the histogram)
  hdr BLOB NOT NULL,                               -- HdrHistogram V2, compressed (2 significant digits, values in ns)
  PRIMARY KEY (case_id, run, pair, kind, second)
);
CREATE TABLE IF NOT EXISTS latency_runs (          -- a search case: its runs at fractions of each goal's throughput
  case_id INTEGER NOT NULL REFERENCES cases(id),
  run TEXT NOT NULL,                               -- probe | <goal>@<fraction>
  run_index INTEGER NOT NULL,
  goal TEXT,                                       -- NULL for the probe alone
  fraction REAL NOT NULL,                          -- of the goal's conditional throughput; 0 for the probe
  rate_pps REAL NOT NULL,                          -- per sender
  tx_packets INTEGER, rx_packets INTEGER,          -- steady window, all pairs
  status TEXT NOT NULL,                            -- ok | failed
  error TEXT,
  PRIMARY KEY (case_id, run)
);`;

/**
 * How a writer brings an older database up to SCHEMA_VERSION, one step per version: each adds
 * what that version introduced; the caller then records the new version.
 */
/** Schema 5: a search trial's shortfall, its verdict per goal and its packet totals; the generator's accurate load per search. */
const SEARCH_SHORTFALL_COLUMNS = {
  trials: [
    'shortfall_ratio REAL',
    'verdicts_json TEXT',
    'intended_packets INTEGER',
    'sent_packets INTEGER',
    'received_packets INTEGER',
  ],
  goals: ['generator_accurate_pps REAL', 'lower_bound_to_generator_ratio REAL'],
};

/** Schema 6: how a case's apps hold the switch's ports (plan/schema.ts LAYOUTS); chain sizes NULL but for chains. */
const LAYOUT_COLUMNS = ["layout TEXT NOT NULL DEFAULT 'pairs'", 'chain_length INTEGER', 'chains INTEGER'];
/** Schema 6: a case's flows per sender and its frame-size mix ({label, frames: [{size, weight}]}; NULL: one size). */
const TRAFFIC_COLUMNS = ['flows INTEGER NOT NULL DEFAULT 1', 'size_mix_json TEXT'];
/** Schema 7: a case's receive and transmit queues per app port (the plan's `queues`). */
const QUEUES_COLUMN = 'queues INTEGER NOT NULL DEFAULT 1';
/** Schema 7: a search trial's refused frames and pacer stalls, and whose the refused frames are (switches/types.ts). */
const SEARCH_REFUSAL_COLUMNS = ['unsent_packets INTEGER', 'stalls INTEGER', 'unsent_counts_as TEXT'];

const MIGRATIONS: Record<string, string> = {
  // 3 → 4: the apps' I/O mode and client threads per case (defaults: what schema 3 always ran),
  // and per-second CPU samples of the switch threads and the kernel.
  '3': `ALTER TABLE cases ADD COLUMN io_mode TEXT NOT NULL DEFAULT 'polling';
ALTER TABLE cases ADD COLUMN client_threads INTEGER NOT NULL DEFAULT 1;
${CPU_SAMPLES_TABLE}`,
  // 4 → 5: the pre-flight findings of each run; shortfall and loss kept apart in search trials
  // (NULL in the rows schema 4 wrote).
  '4': [
    PREFLIGHT_TABLE,
    ...SEARCH_SHORTFALL_COLUMNS.trials.map((c) => `ALTER TABLE search_trials ADD COLUMN ${c};`),
    ...SEARCH_SHORTFALL_COLUMNS.goals.map((c) => `ALTER TABLE search_goals ADD COLUMN ${c};`),
  ].join('\n'),
  // 5 → 6: the layout of each case (every case before it: pairs); the histogram tables
  // (rtt_buckets rows are re-encoded into them by migrateRttBuckets); whether a case is a
  // back-to-back baseline; each case's flows per sender and frame-size mix (defaults: what
  // schema 5 always ran).
  '5': [
    ...LAYOUT_COLUMNS.map((c) => `ALTER TABLE cases ADD COLUMN ${c};`),
    HISTOGRAM_TABLES,
    'ALTER TABLE cases ADD COLUMN baseline INTEGER NOT NULL DEFAULT 0;',
    ...TRAFFIC_COLUMNS.map((c) => `ALTER TABLE cases ADD COLUMN ${c};`),
  ].join('\n'),
  // 6 → 7: each case's queues per app port (default: what schema 6 always ran), and each search
  // trial's refused frames and stalls (NULL in the rows schema 6 wrote: not counted then, so not
  // made up now).
  '6': [
    `ALTER TABLE cases ADD COLUMN ${QUEUES_COLUMN};`,
    ...SEARCH_REFUSAL_COLUMNS.map((c) => `ALTER TABLE search_trials ADD COLUMN ${c};`),
  ].join('\n'),
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  plan_file TEXT NOT NULL,
  plan_yaml TEXT NOT NULL,
  plan_json TEXT NOT NULL,
  nfvperf_version TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  outcome TEXT NOT NULL DEFAULT 'running'          -- running | completed | interrupted | failed
);
CREATE TABLE IF NOT EXISTS environment (
  run_id INTEGER NOT NULL REFERENCES runs(id),
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS host_environment (      -- a remote run: each host's manifest, as its agent gathered it
  run_id INTEGER NOT NULL REFERENCES runs(id),
  host TEXT NOT NULL,                              -- the host's name in the testbed file
  role TEXT NOT NULL,                              -- senders | receivers
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, host, key)
);
CREATE TABLE IF NOT EXISTS cases (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  case_key TEXT NOT NULL,                          -- the tuple as a path, see expand.ts
  case_index INTEGER NOT NULL,
  dimension TEXT NOT NULL, locality TEXT NOT NULL, containers TEXT NOT NULL,
  pairs INTEGER NOT NULL, switch TEXT NOT NULL, backend TEXT NOT NULL,
  packet_size_bytes INTEGER NOT NULL,
  rate_pps REAL,                                   -- NULL: unpaced ("max") or a search
  search_json TEXT,                                -- a search case: its goals and limits
  burst_packets INTEGER NOT NULL, repetition INTEGER NOT NULL,
  duration_s INTEGER NOT NULL, warmup_s INTEGER NOT NULL, cooldown_s INTEGER NOT NULL,
  touch_data INTEGER NOT NULL,
  io_mode TEXT NOT NULL DEFAULT 'polling',         -- polling | blocking (the apps' --blocking)
  client_threads INTEGER NOT NULL DEFAULT 1,       -- latency: 2 = the client receives on a second thread
  layout TEXT NOT NULL DEFAULT 'pairs',            -- pairs | tester | chain (pairs: number of testers or chains)
  chain_length INTEGER, chains INTEGER,            -- layout chain: forwarders per chain, chains
  baseline INTEGER NOT NULL DEFAULT 0,             -- 1: a back-to-back baseline (latencyBaseline: the apps over bare veth)
  flows INTEGER NOT NULL DEFAULT 1,                -- 5-tuples per sender
  size_mix_json TEXT,                              -- a frame-size mix {label, frames}; packet_size_bytes is then its rounded mean
  queues INTEGER NOT NULL DEFAULT 1,               -- receive and transmit queues per app port
  status TEXT NOT NULL,                            -- ok | failed | skipped
  error TEXT,
  cpu_shared INTEGER NOT NULL DEFAULT 0,
  cpus_json TEXT,                                  -- {"send":[..],"recv":[..]} per pair; {"tester":[..],"forwarder":[..]}
  started_at TEXT, finished_at TEXT,
  UNIQUE (run_id, case_key)
);
CREATE TABLE IF NOT EXISTS samples (
  case_id INTEGER NOT NULL REFERENCES cases(id),
  pair INTEGER NOT NULL,
  role TEXT NOT NULL,                              -- send | recv | client | server | tester | forwarder
  second INTEGER NOT NULL,                         -- interval k: [epoch + k s, epoch + (k+1) s)
  start_offset_ns INTEGER NOT NULL,                -- measured start, relative to the epoch
  duration_ns INTEGER NOT NULL,
  partial INTEGER NOT NULL,
  steady INTEGER NOT NULL,                         -- inside the steady-state window
  tx_packets INTEGER, tx_bytes INTEGER, unsent_packets INTEGER, stalls INTEGER,
  rx_packets INTEGER, rx_bytes INTEGER, lost_packets INTEGER, reordered_packets INTEGER,
  duplicate_packets INTEGER, corrupt_packets INTEGER, foreign_packets INTEGER,
  late_packets INTEGER, unmatched_packets INTEGER,  -- client: echoes later than 1 s / of nothing sent
  rtt_count INTEGER, rtt_min_ns REAL, rtt_avg_ns REAL, rtt_max_ns REAL,  -- client: this second's RTTs
  cpu_user_us INTEGER NOT NULL, cpu_sys_us INTEGER NOT NULL,
  PRIMARY KEY (case_id, pair, role, second)
);
CREATE TABLE IF NOT EXISTS rtt_buckets (          -- client: this second's RTT histogram, non-empty buckets
  case_id INTEGER NOT NULL REFERENCES cases(id),
  pair INTEGER NOT NULL,
  second INTEGER NOT NULL,
  low_ns INTEGER NOT NULL,                         -- bucket lower bound; width: see analysis/latency.ts
  count INTEGER NOT NULL,
  PRIMARY KEY (case_id, pair, second, low_ns)
);
CREATE TABLE IF NOT EXISTS search_trials (       -- a search case: every trial, in order
  case_id INTEGER NOT NULL REFERENCES cases(id),
  trial INTEGER NOT NULL,
  start_s REAL NOT NULL,                           -- trial seconds spent before this trial
  rate_pps REAL NOT NULL,                          -- asked for, per sender
  duration_s REAL NOT NULL, measured_duration_s REAL NOT NULL,
  offered_pps REAL NOT NULL, received_pps REAL NOT NULL,   -- per sender
  path_loss_ratio REAL NOT NULL,                   -- 1 - received/sent
  loss_ratio REAL NOT NULL,                        -- as classified: 1 - received/intended
  generator_limited INTEGER NOT NULL,
  phase TEXT NOT NULL,
  classifications_json TEXT NOT NULL,              -- {goal: lower|upper|undecided} after this trial
  shortfall_ratio REAL,                            -- max(0, 1 - offered/rate): what the generator did not send
  verdicts_json TEXT,                              -- {goal: pass|path-loss|path-refused|sender-behind|sender-refused} (search.ts TrialVerdict)
  intended_packets INTEGER, sent_packets INTEGER, received_packets INTEGER,  -- whole trial, all senders
  unsent_packets INTEGER,                          -- refused by the senders' send calls (port ring, socket buffer, qdisc)
  stalls INTEGER,                                  -- times a pacer fell behind beyond its catch-up bound
  unsent_counts_as TEXT,                           -- path-loss | generator-shortfall: by the tx port's kind (switches/types.ts)
  PRIMARY KEY (case_id, trial)
);
CREATE TABLE IF NOT EXISTS search_goals (
  case_id INTEGER NOT NULL REFERENCES cases(id),
  goal TEXT NOT NULL,
  status TEXT NOT NULL,
  lower_bound_pps REAL, upper_bound_pps REAL, relative_width REAL, conditional_throughput_pps REAL,
  trials INTEGER NOT NULL, generator_limited INTEGER NOT NULL,
  generator_accurate_pps REAL,                     -- the search's highest load with every trial's generator accurate
  lower_bound_to_generator_ratio REAL,             -- lower_bound_pps / generator_accurate_pps
  PRIMARY KEY (case_id, goal)
);
CREATE TABLE IF NOT EXISTS latency (
  case_id INTEGER PRIMARY KEY REFERENCES cases(id),
  samples INTEGER NOT NULL, min_us REAL NOT NULL, avg_us REAL NOT NULL, p50_us REAL NOT NULL,
  p90_us REAL NOT NULL, p99_us REAL NOT NULL, p999_us REAL NOT NULL, max_us REAL NOT NULL,
  tx_packets INTEGER NOT NULL, lost_packets INTEGER NOT NULL, late_packets INTEGER NOT NULL,
  unmatched_packets INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS app_summaries (
  case_id INTEGER NOT NULL REFERENCES cases(id),
  pair INTEGER NOT NULL,
  role TEXT NOT NULL,
  summary_json TEXT NOT NULL,                      -- the app's final summary line, verbatim
  PRIMARY KEY (case_id, pair, role)
);
${CPU_SAMPLES_TABLE}
${PREFLIGHT_TABLE}
${HISTOGRAM_TABLES}
CREATE TABLE IF NOT EXISTS throughput (
  case_id INTEGER PRIMARY KEY REFERENCES cases(id),
  tx_pps REAL NOT NULL, rx_pps REAL NOT NULL, tx_gbps REAL NOT NULL, rx_gbps REAL NOT NULL,
  loss_ratio REAL NOT NULL, lost_packets INTEGER NOT NULL, unsent_packets INTEGER NOT NULL,
  corrupt_packets INTEGER NOT NULL, reordered_packets INTEGER NOT NULL, steady_seconds INTEGER NOT NULL
);
`;

/** The results schema a database was written with; undefined for a new (or foreign) file. */
export function schemaVersionOf(db: Database.Database): string | undefined {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get() !== undefined;
  return hasMeta
    ? (db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get() as string | undefined)
    : undefined;
}

export interface StoredSample extends SampleRow {
  startOffsetNs: number;
  steady: boolean;
  stalls: number | null;
  duplicates: number | null;
  foreign: number | null;
  late?: number | null;
  unmatched?: number | null;
  rtt?: RttInterval | null;
  /** A receiver with --latency: this second's one-way latencies (`late`: over 1 s, not in it). */
  oneWay?: (RttInterval & { late: number }) | null;
  cpuUserUs: number;
  cpuSysUs: number;
}

export type HistogramKind = 'rtt' | 'one-way';

/** One app's latency histogram of one interval (the `histograms` table). */
export interface StoredHistogram {
  /** '' for the case's own traffic, else the latency run's label. */
  run: string;
  pair: number;
  kind: HistogramKind;
  second: number;
  steady: boolean;
  histogram: Histogram;
  late: number | null;
}

/** A search case's run at a fraction of one goal's conditional throughput, or of the probe alone. */
export interface LatencyRunRecord {
  /** `probe`, or `<goal>@<fraction>` (e.g. pdr@0.5). */
  run: string;
  goal: string | null;
  /** Of the goal's conditional throughput; 0 for the probe alone. */
  fraction: number;
  /** Per sender. */
  ratePps: number;
  txPackets: number | null;
  rxPackets: number | null;
  status: 'ok' | 'failed';
  error?: string;
  histograms: StoredHistogram[];
}

/**
 * A case's stored histograms, decoded, in (run, kind, pair, second) order; a schema 5 file read as
 * it is gives its rtt_buckets rows as histograms.
 */
export function readHistograms(
  db: Database.Database,
  caseId: number,
  options: { steadyOnly?: boolean } = {},
): StoredHistogram[] {
  const steady = options.steadyOnly ? ' AND steady = 1' : '';
  if (!hasTable(db, 'histograms'))
    return rttBucketHistograms(db, `b.case_id = ?${steady.replace('steady', 's.steady')}`, [caseId]).map((g) => g.h);
  return (
    db
      .prepare(`SELECT * FROM histograms WHERE case_id = ?${steady} ORDER BY run, kind, pair, second`)
      .all(caseId) as SqlRow[]
  ).map((r) => ({
    run: r.run,
    pair: r.pair,
    kind: r.kind,
    second: r.second,
    steady: r.steady === 1,
    histogram: decodeV2(r.hdr),
    late: r.late,
  }));
}

/** Schema 5's rtt_buckets rows, one histogram per case, pair and second (steady as its client sample says). */
function rttBucketHistograms(
  db: Database.Database,
  where: string,
  params: unknown[],
): { caseId: number; h: StoredHistogram }[] {
  const rows = db
    .prepare(
      `SELECT b.case_id, b.pair, b.second, b.low_ns, b.count, s.steady FROM rtt_buckets b
       JOIN samples s ON s.case_id = b.case_id AND s.pair = b.pair AND s.second = b.second AND s.role = 'client'
       WHERE ${where} ORDER BY b.case_id, b.pair, b.second, b.low_ns`,
    )
    .all(...params) as SqlRow[];
  const groups = new Map<string, { caseId: number; h: StoredHistogram }>();
  for (const r of rows) {
    const key = `${r.case_id}/${r.pair}/${r.second}`;
    const g = groups.get(key) ?? {
      caseId: r.case_id,
      h: {
        run: '',
        pair: r.pair,
        kind: 'rtt' as const,
        second: r.second,
        steady: r.steady === 1,
        histogram: { buckets: [] as [number, number][], count: 0 },
        late: null,
      },
    };
    g.h.histogram.buckets.push([r.low_ns, r.count]);
    g.h.histogram.count += r.count;
    groups.set(key, g);
  }
  return [...groups.values()];
}

export function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/** The histograms of a case's samples: clients' RTTs and receivers' one-way latencies. */
export function sampleHistograms(samples: readonly StoredSample[], run = ''): StoredHistogram[] {
  return samples.flatMap((s): StoredHistogram[] => {
    const of = (kind: HistogramKind, h: RttInterval, late: number | null): StoredHistogram => ({
      run,
      pair: s.pair,
      kind,
      second: s.second,
      steady: s.steady,
      histogram: mergeHistograms([h]),
      late,
    });
    return [...(s.rtt ? [of('rtt', s.rtt, null)] : []), ...(s.oneWay ? [of('one-way', s.oneWay, s.oneWay.late)] : [])];
  });
}

/** One second of one component's CPU time beside the apps' own (switch thread, softirq, irq). */
export interface StoredCpuSample {
  component: string;
  kind: 'switch' | 'softirq' | 'irq';
  cpu: number | null;
  second: number;
  startOffsetNs: number;
  durationNs: number;
  steady: boolean;
  busyUs: number;
}

/** Latency figures of a case plus the packet accounting of its clients' steady window. */
export interface LatencyRecord extends LatencyFigures {
  txPackets: number;
  lostPackets: number;
  latePackets: number;
  unmatchedPackets: number;
}

/**
 * The CPU each busy thread got, per role by app number: `send`/`recv` each pair's apps (clients'
 * and servers' too), `clientRx` a two-thread client's receive thread, `tester`/`forwarder` the
 * two-port apps of layouts tester and chain, `switch` the switch's pollers.
 */
export interface RecordedCpus {
  send?: number[];
  recv?: number[];
  clientRx?: number[];
  tester?: number[];
  forwarder?: number[];
  switch?: number[];
}

export interface CaseRecord {
  case: Case;
  status: 'ok' | 'failed' | 'skipped';
  error?: string;
  cpuShared: boolean;
  /** CPUs of each app and, where the switch spins threads, of the switch. */
  cpus?: RecordedCpus;
  startedAt?: string;
  finishedAt?: string;
  samples: StoredSample[];
  /** Switch threads' and kernel CPU time per second (absent: not sampled, as in remote cases). */
  cpuSamples?: StoredCpuSample[];
  summaries: { pair: number; role: string; json: string }[];
  throughput: ThroughputFigures | null;
  latency?: LatencyRecord | null;
  search?: SearchResult;
  /** A search case with `search.latency`: its runs at fractions of the rates found. */
  latencyRuns?: LatencyRunRecord[];
}

export class ResultsDb {
  readonly db: Database.Database;

  constructor(path: string, options: { readonly?: boolean } = {}) {
    this.db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    const version = schemaVersionOf(this.db);
    const migrate = !options.readonly && version !== undefined && MIGRATIONS[version] !== undefined;
    if (version !== undefined && version !== String(SCHEMA_VERSION) && !migrate) {
      this.db.close();
      throw new UsageError(
        `${path} was written with results schema ${version}; this nfvperf uses schema ${SCHEMA_VERSION}`,
      );
    }
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      this.db.exec(SCHEMA);
      if (migrate) this.migrateFrom(version!);
      this.db
        .prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)')
        .run('schema_version', String(SCHEMA_VERSION));
    }
  }

  /** Applies the steps from `version` up to SCHEMA_VERSION in one transaction (resume of an older run). */
  private migrateFrom(version: string): void {
    this.db.transaction(() => {
      for (let v = Number(version); v < SCHEMA_VERSION; v++) this.db.exec(MIGRATIONS[String(v)]!);
      if (Number(version) <= 5) this.migrateRttBuckets();
      this.db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION));
    })();
  }

  /** 5 → 6: each interval's rtt_buckets rows become one histograms row (steady as its sample says). */
  private migrateRttBuckets(): void {
    for (const g of rttBucketHistograms(this.db, '1', [])) this.saveHistograms(g.caseId, [g.h]);
    this.db.exec('DELETE FROM rtt_buckets');
  }

  startRun(run: {
    name: string;
    planFile: string;
    planYaml: string;
    planJson: string;
    version: string;
    environment: Record<string, string>;
  }): number {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO runs (name, plan_file, plan_yaml, plan_json, nfvperf_version, started_at) VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .run(run.name, run.planFile, run.planYaml, run.planJson, run.version, new Date().toISOString())
          .lastInsertRowid,
      );
      const env = this.db.prepare('INSERT INTO environment (run_id, key, value) VALUES (?, ?, ?)');
      for (const [key, value] of Object.entries(run.environment)) env.run(id, key, value);
      return id;
    })();
  }

  /** Stores (or replaces) a remote host's environment manifest for the run. */
  saveHostEnvironment(
    runId: number,
    host: string,
    role: 'senders' | 'receivers',
    environment: Record<string, string>,
  ): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM host_environment WHERE run_id = ? AND host = ?').run(runId, host);
      const row = this.db.prepare(
        'INSERT INTO host_environment (run_id, host, role, key, value) VALUES (?, ?, ?, ?, ?)',
      );
      for (const [key, value] of Object.entries(environment)) row.run(runId, host, role, key, value);
    })();
  }

  /** Stores the pre-flight findings taken at the start of the run (replacing earlier ones: a resumed run checks again). */
  savePreflight(
    runId: number,
    findings: readonly { rule: string; status: string; found: string; meaning: string; fix: string | null }[],
  ): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM preflight_findings WHERE run_id = ?').run(runId);
      const row = this.db.prepare(
        'INSERT INTO preflight_findings (run_id, rule, status, found, meaning, fix) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const f of findings) row.run(runId, f.rule, f.status, f.found, f.meaning, f.fix);
    })();
  }

  /** The newest run in this database, for --resume. */
  latestRun(): { id: number; planJson: string } | undefined {
    const row = this.db.prepare('SELECT id, plan_json FROM runs ORDER BY id DESC LIMIT 1').get() as
      | { id: number; plan_json: string }
      | undefined;
    return row && { id: row.id, planJson: row.plan_json };
  }

  /**
   * Keys of the cases a run measured successfully: resume does not run them again. A failed case
   * (an app or switch that died, a host that went away) is run again, and replaces its old record.
   */
  storedCaseKeys(runId: number): Set<string> {
    return new Set(
      (
        this.db.prepare(`SELECT case_key FROM cases WHERE run_id = ? AND status = 'ok'`).all(runId) as {
          case_key: string;
        }[]
      ).map((r) => r.case_key),
    );
  }

  /** Removes a stored case and everything recorded for it (inside the caller's transaction). */
  private deleteCase(runId: number, caseKey: string): void {
    const row = this.db.prepare('SELECT id FROM cases WHERE run_id = ? AND case_key = ?').get(runId, caseKey) as
      | { id: number }
      | undefined;
    if (!row) return;
    for (const table of [
      'samples',
      'cpu_samples',
      'app_summaries',
      'throughput',
      'rtt_buckets',
      'histograms',
      'latency_runs',
      'latency',
      'search_trials',
      'search_goals',
    ]) {
      this.db.prepare(`DELETE FROM ${table} WHERE case_id = ?`).run(row.id);
    }
    this.db.prepare('DELETE FROM cases WHERE id = ?').run(row.id);
  }

  /** Marks a stored run as running again (resume). */
  reopenRun(runId: number): void {
    this.db.prepare(`UPDATE runs SET outcome = 'running', finished_at = NULL WHERE id = ?`).run(runId);
  }

  finishRun(runId: number, outcome: 'completed' | 'interrupted' | 'failed'): void {
    this.db
      .prepare('UPDATE runs SET finished_at = ?, outcome = ? WHERE id = ?')
      .run(new Date().toISOString(), outcome, runId);
  }

  /** Stores one finished case — row, samples, app summaries, figures — in one transaction. */
  saveCase(runId: number, rec: CaseRecord): number {
    return this.db.transaction(() => {
      const c = rec.case;
      this.deleteCase(runId, c.id); // a resumed run replaces the record of a case that failed before
      const caseId = Number(
        this.db
          .prepare(`
        INSERT INTO cases (run_id, case_key, case_index, dimension, locality, containers, pairs, switch, backend,
          packet_size_bytes, rate_pps, search_json, burst_packets, repetition, duration_s, warmup_s, cooldown_s, touch_data,
          io_mode, client_threads, layout, chain_length, chains, baseline, flows, size_mix_json, queues, status, error,
          cpu_shared, cpus_json, started_at, finished_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(
            runId,
            c.id,
            c.index,
            c.dimension,
            c.locality,
            c.containers,
            c.pairs,
            c.switch,
            c.backend,
            c.packetSize,
            typeof c.rate === 'number' ? c.rate : null,
            c.search ? JSON.stringify(c.search) : null,
            c.burst,
            c.repetition,
            c.durationS,
            c.warmupS,
            c.cooldownS,
            c.touchData ? 1 : 0,
            c.mode,
            c.clientThreads,
            c.layout ?? 'pairs',
            c.chainLength ?? null,
            c.chains ?? null,
            c.baseline ? 1 : 0,
            c.flows,
            c.sizeMix ? JSON.stringify(c.sizeMix) : null,
            c.queues ?? 1,
            rec.status,
            rec.error ?? null,
            rec.cpuShared ? 1 : 0,
            rec.cpus ? JSON.stringify(rec.cpus) : null,
            rec.startedAt ?? null,
            rec.finishedAt ?? null,
          ).lastInsertRowid,
      );
      const sample = this.db.prepare(`
        INSERT INTO samples (case_id, pair, role, second, start_offset_ns, duration_ns, partial, steady,
          tx_packets, tx_bytes, unsent_packets, stalls, rx_packets, rx_bytes, lost_packets, reordered_packets,
          duplicate_packets, corrupt_packets, foreign_packets, late_packets, unmatched_packets,
          rtt_count, rtt_min_ns, rtt_avg_ns, rtt_max_ns, cpu_user_us, cpu_sys_us)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const s of rec.samples) {
        sample.run(
          caseId,
          s.pair,
          s.role,
          s.second,
          s.startOffsetNs,
          s.durationNs,
          s.partial ? 1 : 0,
          s.steady ? 1 : 0,
          s.txPackets,
          s.txBytes,
          s.unsent,
          s.stalls,
          s.rxPackets,
          s.rxBytes,
          s.lost,
          s.reordered,
          s.duplicates,
          s.corrupt,
          s.foreign,
          s.late ?? null,
          s.unmatched ?? null,
          s.rtt?.count ?? null,
          s.rtt?.minNs ?? null,
          s.rtt?.avgNs ?? null,
          s.rtt?.maxNs ?? null,
          s.cpuUserUs,
          s.cpuSysUs,
        );
      }
      const cpuSample =
        this.db.prepare(`INSERT INTO cpu_samples (case_id, component, kind, cpu, second, start_offset_ns,
        duration_ns, steady, busy_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const s of rec.cpuSamples ?? []) {
        cpuSample.run(
          caseId,
          s.component,
          s.kind,
          s.cpu,
          s.second,
          s.startOffsetNs,
          s.durationNs,
          s.steady ? 1 : 0,
          s.busyUs,
        );
      }
      const summary = this.db.prepare(
        'INSERT INTO app_summaries (case_id, pair, role, summary_json) VALUES (?, ?, ?, ?)',
      );
      for (const s of rec.summaries) summary.run(caseId, s.pair, s.role, s.json);
      const t = rec.throughput;
      if (t) {
        this.db
          .prepare(`
          INSERT INTO throughput (case_id, tx_pps, rx_pps, tx_gbps, rx_gbps, loss_ratio, lost_packets, unsent_packets,
            corrupt_packets, reordered_packets, steady_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(
            caseId,
            t.txPps,
            t.rxPps,
            t.txGbps,
            t.rxGbps,
            t.lossRatio,
            t.lostPackets,
            t.unsentPackets,
            t.corruptPackets,
            t.reorderedPackets,
            t.steadySeconds,
          );
      }
      if (rec.search) {
        const trial =
          this.db.prepare(`INSERT INTO search_trials (case_id, trial, start_s, rate_pps, duration_s, measured_duration_s,
          offered_pps, received_pps, path_loss_ratio, loss_ratio, generator_limited, phase, classifications_json,
          shortfall_ratio, verdicts_json, intended_packets, sent_packets, received_packets, unsent_packets, stalls,
          unsent_counts_as) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
        for (const t of rec.search.trace) {
          trial.run(
            caseId,
            t.index,
            t.tS,
            t.ratePps,
            t.durationS,
            t.measuredDurationS,
            t.offeredPps,
            t.receivedPps,
            t.pathLossRatio,
            t.lossRatio,
            t.generatorLimited ? 1 : 0,
            t.phase,
            JSON.stringify(t.goalClassifications),
            t.shortfallRatio,
            JSON.stringify(t.verdicts),
            t.packets?.intended ?? null,
            t.packets?.sent ?? null,
            t.packets?.received ?? null,
            t.packets?.unsent ?? null,
            t.packets?.stalls ?? null,
            t.packets?.unsentCountsAs ?? null,
          );
        }
        const goal = this.db.prepare(`INSERT INTO search_goals (case_id, goal, status, lower_bound_pps, upper_bound_pps,
          relative_width, conditional_throughput_pps, trials, generator_limited, generator_accurate_pps, lower_bound_to_generator_ratio)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
        for (const g of rec.search.goals) {
          goal.run(
            caseId,
            g.name,
            g.status,
            g.lowerBoundPps,
            g.upperBoundPps,
            g.relativeWidth,
            g.conditionalThroughputPps,
            g.trials,
            g.generatorLimited ? 1 : 0,
            rec.search.generatorAccuratePps,
            g.lowerBoundToGeneratorRatio,
          );
        }
      }
      this.saveHistograms(caseId, sampleHistograms(rec.samples));
      const latencyRun = this.db.prepare(`INSERT INTO latency_runs (case_id, run, run_index, goal, fraction, rate_pps,
        tx_packets, rx_packets, status, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const [i, r] of (rec.latencyRuns ?? []).entries()) {
        latencyRun.run(
          caseId,
          r.run,
          i,
          r.goal,
          r.fraction,
          r.ratePps,
          r.txPackets,
          r.rxPackets,
          r.status,
          r.error ?? null,
        );
        this.saveHistograms(caseId, r.histograms);
      }
      const l = rec.latency;
      if (l) {
        this.db
          .prepare(`
          INSERT INTO latency (case_id, samples, min_us, avg_us, p50_us, p90_us, p99_us, p999_us, max_us,
            tx_packets, lost_packets, late_packets, unmatched_packets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
          .run(
            caseId,
            l.samples,
            l.minUs,
            l.avgUs,
            l.p50Us,
            l.p90Us,
            l.p99Us,
            l.p999Us,
            l.maxUs,
            l.txPackets,
            l.lostPackets,
            l.latePackets,
            l.unmatchedPackets,
          );
      }
      return caseId;
    })();
  }

  private saveHistograms(caseId: number, histograms: readonly StoredHistogram[]): void {
    const row = this.db.prepare(
      'INSERT INTO histograms (case_id, run, pair, kind, second, steady, count, late, hdr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const h of histograms) {
      row.run(
        caseId,
        h.run,
        h.pair,
        h.kind,
        h.second,
        h.steady ? 1 : 0,
        h.histogram.count,
        h.late,
        encodeV2Compressed(h.histogram),
      );
    }
  }

  /**
   * Closes the database. A writer folds the write-ahead log back into the file and leaves WAL
   * mode, so results.sqlite alone holds everything (no -wal/-shm files to lose in a copy).
   */
  close(): void {
    if (!this.db.readonly) {
      try {
        this.db.pragma('journal_mode = DELETE');
      } catch {
        /* a full disk or another reader: the WAL files stay, and still hold the data */
      }
    }
    this.db.close();
  }
}
