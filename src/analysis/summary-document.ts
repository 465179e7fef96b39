// summary.json as written: the database's per-case summary plus, for every tuple measured more
// than once (plan `repetitions`), the mean over its repetitions with a 95 % Student-t confidence
// interval — so a reader of the file gets the same aggregate the report shows.
import type { Summary } from '../store/summary.js';
import { groupRepetitions } from './repetitions.js';
import { meanWithCi, type MeanCi } from './stats.js';

export interface RepetitionAggregate {
  /** The case id without its `/r<n>` tail. */
  tuple: string;
  repetitions: number;
  /** Repetitions that gave figures (status ok). */
  measured: number;
  rxPps: MeanCi | null;
  txPps: MeanCi | null;
  rxGbps: MeanCi | null;
  lossRatio: MeanCi | null;
  rttP50Us: MeanCi | null;
  rttP99Us: MeanCi | null;
}

export type SummaryDocument = Summary & { repetitions: RepetitionAggregate[] };

export function summaryDocument(summary: Summary): SummaryDocument {
  const repetitions = groupRepetitions(summary.cases).filter((g) => g.cases.length > 1).map((g): RepetitionAggregate => {
    const latencies = g.cases.flatMap((c) => (c.latency ? [c.latency] : []));
    return {
      tuple: g.tupleKey, repetitions: g.cases.length,
      measured: g.measured + latencies.length,
      rxPps: g.rxPps, txPps: g.txPps, rxGbps: g.rxGbps, lossRatio: g.lossRatio,
      rttP50Us: meanWithCi(latencies.map((l) => l.p50Us)),
      rttP99Us: meanWithCi(latencies.map((l) => l.p99Us)),
    };
  });
  return { ...summary, repetitions };
}
