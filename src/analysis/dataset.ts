// Read-only access to one run in results.sqlite: the summary (the same object summary.json
// holds) plus the steady-state samples the analysis needs. Everything else in src/analysis is
// pure over what this returns.
import type Database from 'better-sqlite3';
import { buildSummary, type Summary } from '../store/summary.js';

/** One app's counters for one steady second (samples.steady = 1). */
export interface SteadySample {
  pair: number;
  role: 'send' | 'recv' | 'client' | 'server';
  second: number;
  durationNs: number;
  /** The app stopped or started inside the interval: its counters cover less than durationNs of work. */
  partial: boolean;
  txPackets: number | null;
  rxPackets: number | null;
  cpuUserUs: number;
  cpuSysUs: number;
}

export interface RunData {
  summary: Summary;
  /** Steady samples by case id (SummaryCase.id); a case with none has no entry. */
  samples: Map<string, SteadySample[]>;
  /** Tables present in the database (a `latency` table, say, appears only once runs store one). */
  tables: Set<string>;
}

/** Loads the newest run of the database, or run `runId`. */
export function loadRun(db: Database.Database, runId?: number): RunData {
  const summary = buildSummary(db, runId);
  const rows = db.prepare(`
    SELECT c.case_key, s.pair, s.role, s.second, s.duration_ns, s.partial, s.tx_packets, s.rx_packets,
      s.cpu_user_us, s.cpu_sys_us
    FROM samples s JOIN cases c ON c.id = s.case_id
    WHERE c.run_id = ? AND s.steady = 1
    ORDER BY c.id, s.pair, s.role, s.second`).all(summary.run.id) as {
    case_key: string; pair: number; role: SteadySample['role']; second: number; duration_ns: number; partial: number;
    tx_packets: number | null; rx_packets: number | null; cpu_user_us: number; cpu_sys_us: number;
  }[];
  const samples = new Map<string, SteadySample[]>();
  for (const r of rows) {
    let list = samples.get(r.case_key);
    if (!list) samples.set(r.case_key, (list = []));
    list.push({
      pair: r.pair, role: r.role, second: r.second, durationNs: r.duration_ns, partial: r.partial === 1,
      txPackets: r.tx_packets, rxPackets: r.rx_packets, cpuUserUs: r.cpu_user_us, cpuSysUs: r.cpu_sys_us,
    });
  }
  const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((t) => t.name));
  return { summary, samples, tables };
}
