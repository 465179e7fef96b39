// Across repetitions: cases with the same tuple (D, L, S, V, backend, P, R, B) and different
// repetition numbers are one measurement taken n times; their mean gets a Student-t 95 %
// confidence interval. Pure.
import type { SummaryCase } from '../store/summary.js';
import { meanWithCi, type MeanCi } from './stats.js';

export interface RepetitionGroup {
  /** The case id without its `/r<repetition>` tail: the same in every run of the same plan. */
  tupleKey: string;
  /** The first repetition, for its tuple fields. */
  sample: SummaryCase;
  cases: SummaryCase[];
  /** Repetitions that produced throughput figures (status ok). */
  measured: number;
  rxPps: MeanCi | null;
  txPps: MeanCi | null;
  rxGbps: MeanCi | null;
  lossRatio: MeanCi | null;
}

export function tupleKeyOf(caseId: string): string {
  return caseId.replace(/\/r\d+$/, '');
}

/** Groups cases by tuple, in the order each tuple first appears. */
export function groupRepetitions(cases: readonly SummaryCase[]): RepetitionGroup[] {
  const groups = new Map<string, SummaryCase[]>();
  for (const c of cases) {
    const key = tupleKeyOf(c.id);
    const list = groups.get(key) ?? [];
    list.push(c);
    groups.set(key, list);
  }
  return [...groups.entries()].map(([tupleKey, list]) => {
    const measured = list.flatMap((c) => (c.throughput ? [c.throughput] : []));
    return {
      tupleKey,
      sample: list[0]!,
      cases: list,
      measured: measured.length,
      rxPps: meanWithCi(measured.map((t) => t.rxPps)),
      txPps: meanWithCi(measured.map((t) => t.txPps)),
      rxGbps: meanWithCi(measured.map((t) => t.rxGbps)),
      lossRatio: meanWithCi(measured.map((t) => t.lossRatio)),
    };
  });
}
