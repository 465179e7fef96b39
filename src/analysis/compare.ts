// Two runs of the same (or an overlapping) plan, case by case: the ratio B/A of mean rx rates,
// with a confidence interval where both sides have repetitions, and a verdict; or one run against
// a history of runs (compareWithHistory). Pure.
import type { SummaryCase } from '../store/summary.js';
import { groupRepetitions, type RepetitionGroup } from './repetitions.js';
import { studentTQuantile } from './stats.js';
import { predictionInterval, trendOf, type CaseSeries } from './trend.js';

/** Without a confidence interval, a B/A ratio below 1 − this is a regression (above 1 + it, an improvement). */
export const DEFAULT_REGRESSION_THRESHOLD = 0.05;

export type Verdict = 'regression' | 'improvement' | 'unchanged' | 'only-a' | 'only-b' | 'not-measured';

export interface CaseComparison {
  tupleKey: string;
  a: RepetitionGroup | null;
  b: RepetitionGroup | null;
  /** Mean rx rate of B ÷ that of A; null when either side has no figure. */
  ratio: number | null;
  /** 95 % interval of the ratio, when both sides have two or more repetitions. */
  ciLow: number | null;
  ciHigh: number | null;
  verdict: Verdict;
  reason: string;
}

export function compareRuns(
  aCases: readonly SummaryCase[],
  bCases: readonly SummaryCase[],
  options: { threshold?: number; confidence?: number } = {},
): CaseComparison[] {
  const threshold = options.threshold ?? DEFAULT_REGRESSION_THRESHOLD;
  const confidence = options.confidence ?? 0.95;
  const aGroups = new Map(groupRepetitions(aCases).map((g) => [g.tupleKey, g]));
  const bGroups = new Map(groupRepetitions(bCases).map((g) => [g.tupleKey, g]));
  const keys = [...aGroups.keys(), ...[...bGroups.keys()].filter((k) => !aGroups.has(k))];
  return keys.map((tupleKey): CaseComparison => {
    const a = aGroups.get(tupleKey) ?? null;
    const b = bGroups.get(tupleKey) ?? null;
    const base = { tupleKey, a, b, ratio: null, ciLow: null, ciHigh: null };
    if (!b) return { ...base, verdict: 'only-a', reason: 'not in B' };
    if (!a) return { ...base, verdict: 'only-b', reason: 'not in A' };
    if (!a.rxPps && !b.rxPps) return { ...base, verdict: 'not-measured', reason: 'no figures in either run' };
    if (!b.rxPps)
      return {
        ...base,
        verdict: 'regression',
        reason: `measured in A, not in B (${b.sample.status}${b.sample.error ? `: ${b.sample.error}` : ''})`,
      };
    if (!a.rxPps) return { ...base, verdict: 'improvement', reason: 'measured in B, not in A' };
    if (a.rxPps.mean === 0)
      return { ...base, verdict: b.rxPps.mean > 0 ? 'improvement' : 'unchanged', reason: 'A received nothing' };

    const ratio = b.rxPps.mean / a.rxPps.mean;
    const sA = a.rxPps.stddev;
    const sB = b.rxPps.stddev;
    if (sA !== null && sB !== null && b.rxPps.mean > 0) {
      // Delta method on log(B/A): var ≈ sA²/(nA·mA²) + sB²/(nB·mB²); the interval is taken on the
      // log scale so it stays positive. Degrees of freedom: the smaller side's n − 1 (conservative).
      const relSe = Math.sqrt(sA ** 2 / (a.rxPps.n * a.rxPps.mean ** 2) + sB ** 2 / (b.rxPps.n * b.rxPps.mean ** 2));
      const t = studentTQuantile(1 - (1 - confidence) / 2, Math.min(a.rxPps.n, b.rxPps.n) - 1);
      const ciLow = ratio * Math.exp(-t * relSe);
      const ciHigh = ratio * Math.exp(t * relSe);
      const pct = `${Math.round(confidence * 100)} % CI`;
      if (ciHigh < 1)
        return { ...base, ratio, ciLow, ciHigh, verdict: 'regression', reason: `${pct} of B/A entirely below 1` };
      if (ciLow > 1)
        return { ...base, ratio, ciLow, ciHigh, verdict: 'improvement', reason: `${pct} of B/A entirely above 1` };
      return { ...base, ratio, ciLow, ciHigh, verdict: 'unchanged', reason: `${pct} of B/A includes 1` };
    }
    const pct = `${(threshold * 100).toFixed(1)} %`;
    if (ratio < 1 - threshold)
      return { ...base, ratio, verdict: 'regression', reason: `more than ${pct} lower (no repetitions for a CI)` };
    if (ratio > 1 + threshold)
      return { ...base, ratio, verdict: 'improvement', reason: `more than ${pct} higher (no repetitions for a CI)` };
    return { ...base, ratio, verdict: 'unchanged', reason: `within ${pct} (no repetitions for a CI)` };
  });
}

/** A run's case against its history: the level since the history's last change (trend.ts), not one earlier run. */
export interface HistoryComparison {
  tupleKey: string;
  /** The newest group of the history's series: its runs and mean rx rate. */
  baselineRuns: number;
  baselineMean: number | null;
  /** 95 % prediction interval of that group for one more run (two runs or more). */
  low: number | null;
  high: number | null;
  bRxPps: number | null;
  ratio: number | null;
  verdict: Verdict;
  reason: string;
}

/**
 * Each of B's throughput cases against the history's series of the same case (rx rate): the
 * baseline is the last group the trend finder left (the level since the last change, so a change
 * long accepted is not counted again), and B regressed when it falls below that group's 95 %
 * prediction interval (improved above it); with one run in the group, the threshold decides.
 */
export function compareWithHistory(
  history: readonly CaseSeries[],
  bCases: readonly SummaryCase[],
  options: { threshold?: number } = {},
): HistoryComparison[] {
  const threshold = options.threshold ?? DEFAULT_REGRESSION_THRESHOLD;
  const byKey = new Map(history.filter((s) => s.metric === 'rxPps').map((s) => [s.caseKey, s]));
  return groupRepetitions(bCases).map((b): HistoryComparison => {
    const series = byKey.get(b.tupleKey);
    const bRxPps = b.rxPps?.mean ?? null;
    const base = {
      tupleKey: b.tupleKey,
      baselineRuns: 0,
      baselineMean: null,
      low: null,
      high: null,
      bRxPps,
      ratio: null,
    };
    if (!series) return { ...base, verdict: 'only-b', reason: 'not in the history' };
    const last = trendOf(series).groups.at(-1)!;
    const values = series.points.slice(last.start).map((p) => p.value);
    const interval = predictionInterval(values);
    const known = {
      ...base,
      baselineRuns: values.length,
      baselineMean: last.avg,
      low: interval?.low ?? null,
      high: interval?.high ?? null,
    };
    if (bRxPps === null)
      return {
        ...known,
        verdict: 'regression',
        reason: `measured in the history, not in B (${b.sample.status}${b.sample.error ? `: ${b.sample.error}` : ''})`,
      };
    const ratio = last.avg > 0 ? bRxPps / last.avg : null;
    const withRatio = { ...known, ratio };
    const level = `the last ${values.length} run${values.length === 1 ? '' : 's'} since the history's last change`;
    if (interval) {
      if (bRxPps < interval.low)
        return { ...withRatio, verdict: 'regression', reason: `below the 95 % interval of ${level}` };
      if (bRxPps > interval.high)
        return { ...withRatio, verdict: 'improvement', reason: `above the 95 % interval of ${level}` };
      return { ...withRatio, verdict: 'unchanged', reason: `inside the 95 % interval of ${level}` };
    }
    const pct = `${(threshold * 100).toFixed(1)} %`;
    if (ratio !== null && ratio < 1 - threshold)
      return { ...withRatio, verdict: 'regression', reason: `more than ${pct} below ${level} (one run: no interval)` };
    if (ratio !== null && ratio > 1 + threshold)
      return { ...withRatio, verdict: 'improvement', reason: `more than ${pct} above ${level} (one run: no interval)` };
    return { ...withRatio, verdict: 'unchanged', reason: `within ${pct} of ${level} (one run: no interval)` };
  });
}
