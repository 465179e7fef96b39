// Checks on a stored run that hold exactly, whatever the machine's speed.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';

/** Over each whole case, every receiver got at most what its sender sent, and counts add up. */
export function assertRunTotals(dbPath: string): void {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare(`SELECT c.case_key, s.pair, s.role, s.summary_json FROM app_summaries s JOIN cases c ON c.id = s.case_id
      WHERE c.dimension = 'throughput'`).all() as { case_key: string; pair: number; role: string; summary_json: string }[];
    const byPair = new Map<string, { tx?: number; rx?: number; lost?: number }>();
    for (const r of rows) {
      const key = `${r.case_key}#${r.pair}`;
      const entry = byPair.get(key) ?? {};
      const summary = JSON.parse(r.summary_json) as { txPackets?: number; rxPackets?: number; lost?: number };
      if (r.role === 'send') entry.tx = summary.txPackets;
      else { entry.rx = summary.rxPackets; entry.lost = summary.lost; }
      byPair.set(key, entry);
    }
    assert.ok(byPair.size > 0, 'the run stored app summaries');
    for (const [key, { tx, rx, lost }] of byPair) {
      assert.ok(tx !== undefined && rx !== undefined, `${key}: both summaries stored`);
      assert.ok(rx <= tx, `${key}: received ${rx} ≤ sent ${tx}`);
      assert.ok(rx + (lost ?? 0) <= tx, `${key}: received + lost ≤ sent`);
    }
  } finally {
    db.close();
  }
}
