// Two runs of the same (or an overlapping) plan, case by case: the ratio B/A of mean rx rates,
// with a confidence interval where both sides have repetitions, and a verdict. Pure.
import type { SummaryCase } from '../store/summary.js';
import { groupRepetitions, type RepetitionGroup } from './repetitions.js';
import { studentTQuantile } from './stats.js';

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
  aCases: readonly SummaryCase[], bCases: readonly SummaryCase[],
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
    if (!b.rxPps) return { ...base, verdict: 'regression', reason: `measured in A, not in B (${b.sample.status}${b.sample.error ? `: ${b.sample.error}` : ''})` };
    if (!a.rxPps) return { ...base, verdict: 'improvement', reason: 'measured in B, not in A' };
    if (a.rxPps.mean === 0) return { ...base, verdict: b.rxPps.mean > 0 ? 'improvement' : 'unchanged', reason: 'A received nothing' };

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
      if (ciHigh < 1) return { ...base, ratio, ciLow, ciHigh, verdict: 'regression', reason: `${pct} of B/A entirely below 1` };
      if (ciLow > 1) return { ...base, ratio, ciLow, ciHigh, verdict: 'improvement', reason: `${pct} of B/A entirely above 1` };
      return { ...base, ratio, ciLow, ciHigh, verdict: 'unchanged', reason: `${pct} of B/A includes 1` };
    }
    const pct = `${(threshold * 100).toFixed(1)} %`;
    if (ratio < 1 - threshold) return { ...base, ratio, verdict: 'regression', reason: `more than ${pct} lower (no repetitions for a CI)` };
    if (ratio > 1 + threshold) return { ...base, ratio, verdict: 'improvement', reason: `more than ${pct} higher (no repetitions for a CI)` };
    return { ...base, ratio, verdict: 'unchanged', reason: `within ${pct} (no repetitions for a CI)` };
  });
}
