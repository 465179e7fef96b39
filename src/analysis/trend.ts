// Trends across runs: each case's figure run after run, its groups and changes (analysis/
// jumpavg.ts), whether the newest run falls inside the earlier runs' 95 % interval, and the last
// group against the best earlier group (CSIT's "compare the last group with the long-term
// maximum"). Pure: the series come from store/history.ts.
import { findChanges, type Change, type Group } from './jumpavg.js';
import { mean, stddev, studentTQuantile } from './stats.js';
import { incomparableParts } from '../testbed/fingerprint.js';

/** One run's figure of one case (the mean over the run's repetitions). */
export interface HistoryPoint {
  /** Identifies the run: `<results.sqlite path>#<run id>`. */
  runKey: string;
  startedAt: string;
  value: number;
  repetitions: number;
  /** The run's fingerprint parts (testbed/fingerprint.ts). */
  fingerprint: Record<string, string>;
}

export interface CaseSeries {
  /** The case id without its repetition (the same in every run of a plan), plus `#<goal>` for a search goal. */
  caseKey: string;
  metric: MetricName;
  points: HistoryPoint[];
}

export type MetricName = 'rxPps' | 'rttP50Us' | 'searchLowerBoundPps';

export const METRICS: Record<MetricName, { label: string; higherIsBetter: boolean; scale: number; unit: string }> = {
  rxPps: { label: 'rx rate', higherIsBetter: true, scale: 1e-6, unit: 'Mpps' },
  rttP50Us: { label: 'RTT p50', higherIsBetter: false, scale: 1, unit: 'µs' },
  searchLowerBoundPps: { label: 'search lower bound', higherIsBetter: true, scale: 1e-6, unit: 'Mpps' },
};

/** Where a value lies against the interval of the values before it. */
export interface IntervalCheck {
  /** 95 % prediction interval for one more run: mean ± t(0.975, n − 1) · s · √(1 + 1/n), on the logarithms (predictionInterval). */
  low: number;
  high: number;
  /** The earlier runs the interval is of: those since the series' last change (at least two). */
  earlierRuns: number;
  inside: boolean;
}

export interface ChangeReport extends Change {
  runKey: string;
  startedAt: string;
  /** Fingerprint parts that differ between the runs on either side: the change may be the environment's, not the code's. */
  environmentChanged: string[];
}

export interface SeriesTrend {
  caseKey: string;
  metric: MetricName;
  points: HistoryPoint[];
  groups: Group[];
  changes: ChangeReport[];
  /** The newest run against the interval of the earlier runs since the last change; null with fewer than two earlier runs. */
  newest: IntervalCheck | null;
  /** The last group's average ÷ the best earlier group's − 1 (negative: worse for a rate); null with one group. */
  lastVsBest: number | null;
}

/**
 * 95 % prediction interval of one more value from `earlier` (Student t, n − 1 degrees of freedom):
 * the range a rerun should fall in if nothing changed. Not the mean's confidence interval, which
 * narrows with n and would call every rerun an outlier. Taken on the logarithms when every value
 * is positive — rates and latencies vary by factors (a host twice as busy halves a rate), and a
 * linear interval around a noisy rate reaches below zero — and mapped back, so it is asymmetric
 * and positive. Null with fewer than two values.
 */
export function predictionInterval(
  earlier: readonly number[],
  confidence = 0.95,
): { low: number; high: number } | null {
  if (earlier.length < 2) return null;
  const logScale = earlier.every((v) => v > 0);
  const xs = logScale ? earlier.map(Math.log) : earlier;
  const m = mean(xs)!;
  const half = studentTQuantile(1 - (1 - confidence) / 2, xs.length - 1) * stddev(xs)! * Math.sqrt(1 + 1 / xs.length);
  return logScale ? { low: Math.exp(m - half), high: Math.exp(m + half) } : { low: m - half, high: m + half };
}

export function trendOf(series: CaseSeries, options: { minConfidence?: number } = {}): SeriesTrend {
  const { points } = series;
  const values = points.map((p) => p.value);
  const higherIsBetter = METRICS[series.metric].higherIsBetter;
  const { groups, changes } = findChanges(values, { higherIsBetter, minConfidence: options.minConfidence });
  // The newest run is judged against the earlier runs of its own level: those since the series'
  // last change (at least two; groups further back are added until there are), so a change
  // already found does not widen the interval.
  let from = groups.at(-1)?.start ?? 0;
  for (let g = groups.length - 2; g >= 0 && values.length - 1 - from < 2; g--) from = groups[g]!.start;
  const interval = predictionInterval(values.slice(from, -1));
  const newestValue = values.at(-1);
  const newest =
    interval && newestValue !== undefined
      ? {
          ...interval,
          earlierRuns: values.length - 1 - from,
          inside: newestValue >= interval.low && newestValue <= interval.high,
        }
      : null;
  const last = groups.at(-1);
  const earlierAvgs = groups.slice(0, -1).map((g) => g.avg);
  const best =
    earlierAvgs.length > 0 ? (higherIsBetter ? Math.max(...earlierAvgs) : Math.min(...earlierAvgs)) : undefined;
  return {
    caseKey: series.caseKey,
    metric: series.metric,
    points,
    groups,
    newest,
    lastVsBest: last && best !== undefined && best !== 0 ? last.avg / best - 1 : null,
    changes: changes.map((c) => ({
      ...c,
      runKey: points[c.at]!.runKey,
      startedAt: points[c.at]!.startedAt,
      environmentChanged: incomparableParts(points[c.at - 1]!.fingerprint, points[c.at]!.fingerprint),
    })),
  };
}
