// summary.json, built from the database alone (so the file and the database cannot disagree).
// Contract (README "Outputs"): { run: {...}, cases: [ { id, dimension, locality, containers, pairs, switch,
// backend, mode, clientThreads, packetSize, sizeMix?, flows, rate, burst, repetition, status, error?, throughput: {...} | null } ] }.
import type Database from 'better-sqlite3';
import { histogramFigures, mergeHistograms, type Percentile } from '../analysis/histogram.js';
import { hasTable, readHistograms, type HistogramKind, type RecordedCpus, type SqlRow } from './db.js';
import { failedTrials, type FailedTrials } from '../search/search.js';

/** What each kind of histogram measures, and on which clock (summary.json says it beside each). */
export const HISTOGRAM_CLOCKS: Record<HistogramKind, string> = {
  rtt: "round trip: the client's send and receive times, one process's clock",
  'one-way':
    "one way: the sender's timestamp to the receiver's receive time, both CLOCK_MONOTONIC of one host (clock_gettime in both apps)",
};

/**
 * One latency histogram of a case: its steady window merged over pairs, of the case's own traffic
 * (run '') or of one latency run of a search. Percentiles are the buckets' (histogram.ts), so the
 * exported histogram gives the same; one that needs more samples than were recorded is null.
 */
export interface SummaryHistogram {
  /** '' the case's own traffic; `probe` or `<goal>@<fraction>` a search's latency run. */
  run: string;
  kind: HistogramKind;
  /** What was measured, on which clock. */
  clock: string;
  /** Latency runs: the goal and fraction of its conditional throughput (0 and null for the probe), the rate per sender. */
  goal?: string | null;
  fraction?: number;
  ratePps?: number;
  /** Latency runs: steady-window packets sent and received, all pairs; and whether the run failed. */
  txPackets?: number | null;
  rxPackets?: number | null;
  status?: 'ok' | 'failed';
  error?: string;
  samples: number;
  /** One-way: frames later than 1 s, not in the histogram; null for RTT. */
  late: number | null;
  minNs: number | null;
  maxNs: number | null;
  percentiles: Record<string, Percentile>;
}

export interface SummaryCase {
  id: string;
  dimension: string;
  locality: string;
  /** The container runtime the case ran in (netns, lxc). */
  containers: string;
  /** Pairs; with layout tester, testers; with layout chain, chains (one tester each). */
  pairs: number;
  /** Absent for the paper's layout, pairs: `tester` or `chain` (plan/schema.ts LAYOUTS). */
  layout?: 'tester' | 'chain';
  /** Layout chain: forwarders per chain, and chains. */
  chainLength?: number;
  chains?: number;
  /**
   * Layouts tester and chain: each app's whole-run counters from its summary, testers and
   * forwarders alike (a forwarder's rx and tx are what passed through it).
   */
  apps?: SummaryApp[];
  switch: string;
  backend: string;
  /** polling or blocking (the apps' `--blocking`); always written by buildSummary. */
  mode?: string;
  /** Latency: client threads (1 = clientst, 2 = a pinned receive thread); 1 for throughput. */
  clientThreads?: number;
  /** Frame bytes without FCS; with `sizeMix`, the mix's mean frame, rounded. */
  packetSize: number;
  /** The case's frame-size mix (label, e.g. imix, and its sizes and weights); absent for one size. */
  sizeMix?: { label: string; frames: { size: number; weight: number }[] };
  /** 5-tuples per sender; always written by buildSummary (1 from databases before schema 6). */
  flows?: number;
  /** Queues per app port; written when above 1 (schema 7's `queues`). */
  queues?: number;
  /** Packets/s per sender, "max" for unpaced, or "search" for a throughput search. */
  rate: number | 'max' | 'search';
  burst: number;
  repetition: number;
  status: 'ok' | 'failed' | 'skipped';
  error?: string;
  cpuShared: boolean;
  /** The CPUs each app was pinned to and, where the switch spins threads, the switch's (db.ts RecordedCpus). */
  cpus?: RecordedCpus | null;
  throughput: {
    txPps: number;
    rxPps: number;
    txGbps: number;
    rxGbps: number;
    lossRatio: number;
    lostPackets: number;
    unsentPackets: number;
    corruptPackets: number;
    reorderedPackets: number;
    steadySeconds: number;
    /**
     * Kept apart from the path's loss: the packets/s asked of all senders together (null for
     * max), and the share of it they did not send, max(0, 1 − txPps ÷ intendedPps) — the
     * generator's shortfall (null for max). Always written by buildSummary.
     */
    intendedPps?: number | null;
    shortfallRatio?: number | null;
  } | null;
  /** Round-trip latency (latency cases): steady-window RTT percentiles over all pairs. */
  /** A search case: per goal, the bounds found (packets/s per sender). */
  search?: Record<
    string,
    {
      status: string;
      lowerBound: number | null;
      upperBound: number | null;
      conditionalThroughput: number | null;
      trials: number;
      generatorLimited: boolean;
      /**
       * The search's highest load at which the generator sent what it was asked (within its
       * tolerance), and lowerBound ÷ that: near 1 the generator may be the limit, well below 1 the
       * path is. Null when unknown (results before schema 5) or without a lower bound.
       */
      generatorAccuratePps?: number | null;
      lowerBoundToGeneratorRatio?: number | null;
      /**
       * The case's trials that failed this goal: on the path's side, on the generator's, and by
       * verdict (search.ts TrialVerdict; schema 5 and 6 files: path-loss and generator-shortfall
       * only). Null before schema 5.
       */
      failedTrials?: FailedTrials | null;
      /**
       * Whose the frames the senders' send calls refused are, by their port's kind
       * (switches/types.ts REFUSED_FRAMES_COUNT_AS): `path-loss` or `generator-shortfall`; and
       * the case's trials' totals of refused frames and pacer stalls. Null before schema 7.
       */
      unsentCountsAs?: string | null;
      unsentPackets?: number | null;
      stalls?: number | null;
    }
  > | null;
  /** A back-to-back baseline case (plan latencyBaseline): the apps over a bare veth pair; absent otherwise. */
  baseline?: true;
  /** Latency histograms whole (schema 6): RTT of latency cases, one-way of receivers with --latency, a search's latency runs. */
  latencyHistograms?: SummaryHistogram[];
  latency?: {
    samples: number;
    minUs: number;
    avgUs: number;
    p50Us: number;
    p90Us: number;
    p99Us: number;
    p999Us: number;
    maxUs: number;
    txPackets: number;
    lostPackets: number;
    latePackets: number;
    unmatchedPackets: number;
  } | null;
}

export interface SummaryApp {
  role: string;
  pair: number;
  txPackets: number | null;
  rxPackets: number | null;
  /** Frames its port refused (a forwarder's drops). */
  unsent: number | null;
  lost: number | null;
}

export interface SummaryHost {
  name: string;
  role: 'senders' | 'receivers';
  environment: Record<string, string>;
}

export interface Summary {
  run: {
    id: number;
    name: string;
    planFile: string;
    nfvperfVersion: string;
    startedAt: string;
    finishedAt: string | null;
    outcome: string;
    environment: Record<string, string>;
    /** A remote run: each host's environment manifest (present once a case has reached it). */
    hosts?: SummaryHost[];
    /** The host's pre-flight check at the start of the run (testbed/preflight.ts); absent in runs before schema 5. */
    preflight?: SummaryFinding[];
  };
  cases: SummaryCase[];
}

export interface SummaryFinding {
  rule: string;
  status: string;
  found: string;
  meaning: string;
  fix: string | null;
}

export function buildSummary(db: Database.Database, runId?: number): Summary {
  const run = (
    runId === undefined
      ? db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT 1').get()
      : db.prepare('SELECT * FROM runs WHERE id = ?').get(runId)
  ) as Record<string, unknown> | undefined;
  if (!run) throw new Error('the database holds no run');
  const environment: Record<string, string> = {};
  for (const row of db.prepare('SELECT key, value FROM environment WHERE run_id = ? ORDER BY key').all(run.id) as {
    key: string;
    value: string;
  }[]) {
    environment[row.key] = row.value;
  }
  const hosts = hostEnvironments(db, run.id as number);
  const preflight = preflightFindings(db, run.id as number);
  const rows = db
    .prepare(`
    SELECT c.*, t.tx_pps, t.rx_pps, t.tx_gbps, t.rx_gbps, t.loss_ratio, t.lost_packets, t.unsent_packets,
      t.corrupt_packets, t.reordered_packets, t.steady_seconds, t.case_id AS has_throughput,
      l.case_id AS has_latency, l.samples AS l_samples, l.min_us, l.avg_us, l.p50_us, l.p90_us, l.p99_us, l.p999_us,
      l.max_us, l.tx_packets AS l_tx, l.lost_packets AS l_lost, l.late_packets AS l_late, l.unmatched_packets AS l_unmatched
    FROM cases c LEFT JOIN throughput t ON t.case_id = c.id LEFT JOIN latency l ON l.case_id = c.id WHERE c.run_id = ? ORDER BY c.case_index, c.id`)
    .all(run.id) as SqlRow[];
  return {
    run: {
      id: run.id as number,
      name: run.name as string,
      planFile: run.plan_file as string,
      nfvperfVersion: run.nfvperf_version as string,
      startedAt: run.started_at as string,
      finishedAt: (run.finished_at as string | null) ?? null,
      outcome: run.outcome as string,
      environment,
      ...(hosts.length > 0 ? { hosts } : {}),
      ...(preflight.length > 0 ? { preflight } : {}),
    },
    cases: rows.map(
      (r): SummaryCase => ({
        id: r.case_key,
        dimension: r.dimension,
        locality: r.locality,
        containers: r.containers,
        pairs: r.pairs,
        ...layoutOf(db, r),
        switch: r.switch,
        backend: r.backend,
        mode: r.io_mode,
        clientThreads: r.client_threads,
        packetSize: r.packet_size_bytes,
        ...(r.size_mix_json ? { sizeMix: JSON.parse(r.size_mix_json) as SummaryCase['sizeMix'] } : {}),
        flows: r.flows ?? 1,
        ...((r.queues ?? 1) > 1 ? { queues: r.queues } : {}),
        rate: r.rate_pps ?? (r.search_json ? 'search' : 'max'),
        burst: r.burst_packets,
        repetition: r.repetition,
        status: r.status,
        ...(r.error ? { error: r.error } : {}),
        cpuShared: r.cpu_shared === 1,
        ...(r.baseline === 1 ? { baseline: true as const } : {}),
        cpus: r.cpus_json ? (JSON.parse(r.cpus_json) as SummaryCase['cpus']) : null,
        throughput:
          r.has_throughput === null
            ? null
            : {
                txPps: r.tx_pps,
                rxPps: r.rx_pps,
                txGbps: r.tx_gbps,
                rxGbps: r.rx_gbps,
                lossRatio: r.loss_ratio,
                lostPackets: r.lost_packets,
                unsentPackets: r.unsent_packets,
                corruptPackets: r.corrupt_packets,
                reorderedPackets: r.reordered_packets,
                steadySeconds: r.steady_seconds,
                ...shortfallOf(r.rate_pps, r.pairs, r.tx_pps),
              },
        search: r.search_json === null ? null : searchOf(db, r.id),
        latencyHistograms: caseHistograms(db, r.id),
        latency:
          r.has_latency === null
            ? null
            : {
                samples: r.l_samples,
                minUs: r.min_us,
                avgUs: r.avg_us,
                p50Us: r.p50_us,
                p90Us: r.p90_us,
                p99Us: r.p99_us,
                p999Us: r.p999_us,
                maxUs: r.max_us,
                txPackets: r.l_tx,
                lostPackets: r.l_lost,
                latePackets: r.l_late,
                unmatchedPackets: r.l_unmatched,
              },
      }),
    ),
  };
}

/** A tester or chain case's layout fields and its apps' counters; nothing for pairs (and schema 5 files, all pairs). */
function layoutOf(db: Database.Database, r: SqlRow): Pick<SummaryCase, 'layout' | 'chainLength' | 'chains' | 'apps'> {
  if (r.layout === undefined || r.layout === 'pairs') return {};
  const apps = (
    db
      .prepare('SELECT role, pair, summary_json FROM app_summaries WHERE case_id = ? ORDER BY role DESC, pair')
      .all(r.id) as { role: string; pair: number; summary_json: string }[]
  ).map((a): SummaryApp => {
    const s = JSON.parse(a.summary_json) as Record<string, number | undefined>;
    return {
      role: a.role,
      pair: a.pair,
      txPackets: s.txPackets ?? null,
      rxPackets: s.rxPackets ?? null,
      unsent: s.unsent ?? null,
      lost: s.lost ?? null,
    };
  });
  return {
    layout: r.layout,
    ...(r.layout === 'chain' ? { chainLength: r.chain_length, chains: r.chains } : {}),
    apps,
  };
}

/** A case's histograms, steady window merged over pairs, per run and kind; latency runs in the order they ran. */
export function caseHistograms(db: Database.Database, caseId: number): SummaryHistogram[] {
  const stored = readHistograms(db, caseId, { steadyOnly: true });
  const runs = hasTable(db, 'latency_runs')
    ? (db.prepare('SELECT * FROM latency_runs WHERE case_id = ? ORDER BY run_index').all(caseId) as SqlRow[])
    : [];
  const groups = new Map<string, { run: string; kind: HistogramKind }>();
  for (const h of stored) groups.set(`${h.run}\0${h.kind}`, { run: h.run, kind: h.kind });
  // A latency run that failed or recorded nothing still has its place.
  for (const r of runs)
    if (!groups.has(`${r.run}\0one-way`)) groups.set(`${r.run}\0one-way`, { run: r.run, kind: 'one-way' });
  const order = (run: string) => (run === '' ? -1 : runs.findIndex((r) => r.run === run));
  return [...groups.values()]
    .sort((a, b) => order(a.run) - order(b.run) || a.kind.localeCompare(b.kind))
    .map(({ run, kind }): SummaryHistogram => {
      const parts = stored.filter((h) => h.run === run && h.kind === kind);
      const lr = runs.find((r) => r.run === run);
      const late = kind === 'one-way' ? parts.reduce((n, h) => n + (h.late ?? 0), 0) : null;
      return {
        run,
        kind,
        clock: HISTOGRAM_CLOCKS[kind],
        ...(lr
          ? {
              goal: lr.goal,
              fraction: lr.fraction,
              ratePps: lr.rate_pps,
              txPackets: lr.tx_packets,
              rxPackets: lr.rx_packets,
              status: lr.status,
              ...(lr.error ? { error: lr.error } : {}),
            }
          : {}),
        late,
        ...histogramFigures(mergeHistograms(parts.map((h) => h.histogram))),
      };
    });
}

/** A paced case's intended rate (all senders) and the generator's shortfall from it; null for unpaced. */
function shortfallOf(
  ratePps: number | null,
  pairs: number,
  txPps: number,
): { intendedPps: number | null; shortfallRatio: number | null } {
  if (ratePps === null) return { intendedPps: null, shortfallRatio: null };
  const intendedPps = ratePps * pairs;
  return { intendedPps, shortfallRatio: Math.max(0, 1 - txPps / intendedPps) };
}

function searchOf(db: Database.Database, caseId: number): NonNullable<SummaryCase['search']> {
  const goals = db.prepare('SELECT * FROM search_goals WHERE case_id = ? ORDER BY rowid').all(caseId) as SqlRow[];
  // SELECT *: a schema 4 file (read as it is) has no verdicts_json column, a schema 6 file no unsent_packets.
  const trials = db.prepare('SELECT * FROM search_trials WHERE case_id = ? ORDER BY trial').all(caseId) as SqlRow[];
  const verdicts = trials.every((t) => typeof t.verdicts_json === 'string')
    ? trials.map((t) => JSON.parse(t.verdicts_json as string) as Record<string, string>)
    : null;
  const counted = trials.length > 0 && trials.every((t) => t.unsent_packets != null);
  const total = (column: string) => (counted ? trials.reduce((n, t) => n + (t[column] as number), 0) : null);
  return Object.fromEntries(
    goals.map((g) => [
      g.goal,
      {
        status: g.status,
        lowerBound: g.lower_bound_pps,
        upperBound: g.upper_bound_pps,
        conditionalThroughput: g.conditional_throughput_pps,
        trials: g.trials,
        generatorLimited: g.generator_limited === 1,
        generatorAccuratePps: g.generator_accurate_pps ?? null,
        lowerBoundToGeneratorRatio: g.lower_bound_to_generator_ratio ?? null,
        failedTrials: verdicts && verdicts.length > 0 ? failedTrials(verdicts, g.goal) : null,
        unsentCountsAs: counted ? (trials[0]!.unsent_counts_as as string) : null,
        unsentPackets: total('unsent_packets'),
        stalls: total('stalls'),
      },
    ]),
  );
}

/** The pre-flight findings stored with a run, in rule order of the check (none before schema 5). */
function preflightFindings(db: Database.Database, runId: number): SummaryFinding[] {
  const exists =
    db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'preflight_findings'`).get() !== undefined;
  if (!exists) return [];
  return db
    .prepare('SELECT rule, status, found, meaning, fix FROM preflight_findings WHERE run_id = ? ORDER BY rowid')
    .all(runId) as SummaryFinding[];
}

/** The hosts of a remote run, senders' first, each with its manifest (empty for a local run). */
function hostEnvironments(db: Database.Database, runId: number): SummaryHost[] {
  const hosts = new Map<string, SummaryHost>();
  const rows = db
    .prepare(`SELECT host, role, key, value FROM host_environment WHERE run_id = ? ORDER BY role DESC, host, key`)
    .all(runId) as { host: string; role: SummaryHost['role']; key: string; value: string }[];
  for (const r of rows) {
    const h = hosts.get(r.host) ?? { name: r.host, role: r.role, environment: {} };
    h.environment[r.key] = r.value;
    hosts.set(r.host, h);
  }
  return [...hosts.values()];
}
