// Checks on a stored run that hold exactly, whatever the machine's speed.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Summary } from '../../src/store/summary.js';

export interface AppSummaryRow {
  case_key: string;
  pair: number;
  role: string;
  summary_json: string;
}

/** Every stored app summary (the apps' whole-run totals) of one dimension's cases. */
export function appSummaries(dbPath: string, dimension: 'throughput' | 'latency'): AppSummaryRow[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db
      .prepare(`SELECT c.case_key, s.pair, s.role, s.summary_json FROM app_summaries s JOIN cases c ON c.id = s.case_id
      WHERE c.dimension = ? ORDER BY c.id, s.pair, s.role`)
      .all(dimension) as AppSummaryRow[];
  } finally {
    db.close();
  }
}

/**
 * Whole-run totals per `case_key#pair` of the throughput cases: the sender's (tester's) tx, the
 * receiver's (tester's) rx and lost. Forwarders are part of the path, not an end of it: left out.
 */
export function pairTotals(dbPath: string): Map<string, { tx?: number; rx?: number; lost?: number }> {
  const byPair = new Map<string, { tx?: number; rx?: number; lost?: number }>();
  for (const r of appSummaries(dbPath, 'throughput')) {
    if (r.role === 'forwarder') continue;
    const key = `${r.case_key}#${r.pair}`;
    const entry = byPair.get(key) ?? {};
    const summary = JSON.parse(r.summary_json) as { txPackets?: number; rxPackets?: number; lost?: number };
    if (r.role === 'send' || r.role === 'tester') entry.tx = summary.txPackets;
    if (r.role !== 'send') {
      entry.rx = summary.rxPackets;
      entry.lost = summary.lost;
    }
    byPair.set(key, entry);
  }
  return byPair;
}

/** Over each whole case, every receiver got at most what its sender sent, and counts add up. */
export function assertRunTotals(dbPath: string): void {
  const byPair = pairTotals(dbPath);
  assert.ok(byPair.size > 0, 'the run stored app summaries');
  for (const [key, { tx, rx, lost }] of byPair) {
    assert.ok(tx !== undefined && rx !== undefined, `${key}: both summaries stored`);
    assert.ok(rx <= tx, `${key}: received ${rx} ≤ sent ${tx}`);
    assert.ok(rx + (lost ?? 0) <= tx, `${key}: received + lost ≤ sent`);
  }
}

/** A latency run of one case: ok, percentiles in order, and every echo came back and matched (the client's totals). */
export function assertEveryEchoMatched(t: TestContext, out: string, summary: Summary, label: string): void {
  const [c] = summary.cases;
  assert.equal(c?.status, 'ok', c?.error);
  assert.ok(c.latency!.p50Us > 0 && c.latency!.p50Us <= c.latency!.p99Us, JSON.stringify(c.latency));
  const client = appSummaries(join(out, 'results.sqlite'), 'latency').find((r) => r.role === 'client');
  const s = JSON.parse(client!.summary_json) as {
    txPackets: number;
    rxPackets: number;
    lost: number;
    unmatched: number;
    rtt: { count: number };
  };
  t.diagnostic(`${label} client: ${s.txPackets} sent, ${s.rxPackets} echoes, p50 ${c.latency!.p50Us} µs`);
  assert.ok(s.txPackets > 0);
  assert.deepEqual(
    [s.rxPackets, s.rtt.count, s.lost, s.unmatched],
    [s.txPackets, s.txPackets, 0, 0],
    'every echo came back and matched',
  );
}
