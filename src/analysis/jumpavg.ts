// Change points in a series of results, the way FD.io CSIT's trending finds them (jumpavg, by
// Vratko Polak): split the series into consecutive groups so that the whole series is described in
// the fewest bits — minimum description length. Each group is coded as its size, its average (given
// the previous group's average), its standard deviation, and then its values as points on a sphere
// around the average, under a normal model. A new group costs bits for its average and spread, and
// saves bits only when its values sit clearly apart from the previous group's: so noise, whatever
// its level, mostly stays in one group, and a step the noise allows to be seen becomes a new one.
// The partition is exact (dynamic programming over every split point, O(n²)).
//
// Why this method: it has no window length, threshold or significance level to tune per test (the
// one knob, `unit`, is the figures' resolution); it adapts to each series' own noise, which on
// shared hosts differs by case from 1 % to 50 % (docs/trust.md); it finds several changes in one series; and it is
// what CSIT uses on the same kind of data (forwarding rates of software data planes). A Welch
// t-test between the two groups around each change gives it a confidence in the usual sense, and
// the bits the split saves over one merged group give its evidence in MDL's own terms.
import { logGamma, mean, studentTCdf } from './stats.js';

export interface GroupStats {
  size: number;
  avg: number;
  /** Population standard deviation (0 for one value). */
  stdev: number;
}

export interface Group extends GroupStats {
  /** Index of the group's first value in the series. */
  start: number;
  /** Bits this group costs in the best partition (given the previous group's average). */
  bits: number;
}

export interface CodingParams {
  /** The largest value the series may take (default: its maximum). */
  maxValue: number;
  /** The values' resolution: differences below it carry no information. */
  unit: number;
}

/**
 * Relative resolution by default: 1 % of the series' maximum. Run-to-run figures here are never
 * resolved finer (the same case swings by several per cent between runs); on 20-value series with
 * a 10 % step at CV 5 % it found the step more often than 0.1 % or 3 % did (40 % of seeds against
 * 34 % and 27 %), and split pure noise less often than 0.1 % (docs/trust.md).
 */
export const DEFAULT_RELATIVE_UNIT = 0.01;

/**
 * The information content, in bits, of a group of values with these statistics, coded after a
 * group with average `prevAvg` (or first in the series). The same coding as jumpavg's
 * BitCountingStats (version 0.4): sequence length with P(k) = 1/(k(k+1)); the average uniform
 * on [0, max] for the first group, else from an "opposite triangle" peaked away from the previous
 * average (a small jump is cheap to code only if it is real); the deviation with the same
 * 1/(k(k+1))-like law cut off at max; the values uniform on the (n−2)-sphere of radius
 * stdev·√n around the average, at the unit's resolution.
 */
export function groupBits(g: GroupStats, params: CodingParams, prevAvg?: number): number {
  if (g.size < 1) return 0;
  const max = params.maxValue / params.unit;
  const avg = g.avg / params.unit;
  let bits = Math.log2(g.size * (g.size + 1));
  if (prevAvg === undefined) {
    bits += Math.log2(max + 1);
  } else {
    const prev = prevAvg / params.unit;
    const norm = prev * prev - (prev - 1) * max + (max * max) / 2;
    bits -= Math.log2((Math.abs(avg - prev) + 1) / norm);
  }
  if (g.size < 2) return bits;
  const stdev = g.stdev / params.unit;
  bits += Math.log2((stdev + 1) * (stdev + 2));
  bits += Math.log2(1 - 1 / (max + 2));
  const n = g.size;
  const sphereAreaLn =
    Math.LN2 +
    Math.log(Math.PI) * ((n - 1) / 2) -
    logGamma((n - 1) / 2) +
    Math.log(stdev + 1) * (n - 2) +
    Math.log(n) * ((n - 2) / 2);
  return bits + sphereAreaLn / Math.LN2;
}

/** The coding's defaults: the series' maximum, and a unit of DEFAULT_RELATIVE_UNIT of it. */
function codingFor(values: readonly number[], params?: Partial<CodingParams>): CodingParams {
  const maxValue = params?.maxValue ?? Math.max(0, ...values);
  return {
    maxValue: maxValue > 0 ? maxValue : 1,
    unit: params?.unit ?? (maxValue > 0 ? maxValue * DEFAULT_RELATIVE_UNIT : 1),
  };
}

/** The partition of `values` into consecutive groups that costs the fewest bits. */
export function partition(values: readonly number[], params?: Partial<CodingParams>): Group[] {
  if (values.length === 0) return [];
  const coding = codingFor(values, params);
  // best[i]: the cheapest partition of values[0..i] (its groups and their total bits).
  const best: { bits: number; groups: Group[] }[] = [];
  for (let end = 0; end < values.length; end++) {
    let choice: { bits: number; groups: Group[] } | undefined;
    // Grow the last group backwards from `end`, keeping its sums incrementally.
    let sum = 0;
    let sumSq = 0;
    for (let start = end; start >= 0; start--) {
      const v = values[start]!;
      sum += v;
      sumSq += v * v;
      const size = end - start + 1;
      const avg = sum / size;
      const stats: GroupStats = { size, avg, stdev: Math.sqrt(Math.max(0, sumSq / size - avg * avg)) };
      const before = start > 0 ? best[start - 1]! : { bits: 0, groups: [] };
      const prevAvg = before.groups.at(-1)?.avg;
      const bits = groupBits(stats, coding, prevAvg);
      const total = before.bits + bits;
      if (!choice || total < choice.bits)
        choice = { bits: total, groups: [...before.groups, { ...stats, start, bits }] };
    }
    best.push(choice!);
  }
  return best.at(-1)!.groups;
}

export type ChangeKind = 'regression' | 'progression';

export interface Change {
  /** Index in the series of the first value after the change. */
  at: number;
  kind: ChangeKind;
  /** The new group's average ÷ the previous group's, minus 1 (−0.1: 10 % lower). */
  relativeChange: number;
  /** 1 − the two-sided p-value of Welch's t-test between the two groups; null when either has one value. */
  confidence: number | null;
  /** Bits the split saves over coding the two groups as one: the MDL evidence for the change. */
  evidenceBits: number;
}

export interface TrendResult {
  groups: Group[];
  changes: Change[];
}

/** A change is called only when the groups on both sides also differ at this confidence (Welch). */
export const DEFAULT_MIN_CONFIDENCE = 0.99;

/**
 * Groups and the changes between consecutive groups. `higherIsBetter`: a rate (a drop is a
 * regression) or a latency (a rise is).
 *
 * The description-length partition alone splits off a single extreme value now and then (on
 * 20-value series of pure noise at CV 5 %: 7 to 11 % of series, mostly its first value, whose
 * average costs the same bits alone as in a group), so each change must also pass Welch's t-test
 * between its two groups at `minConfidence`; the least confident split below it is merged back,
 * and so on. A change therefore needs two values on its new level: the newest value alone is
 * judged by the interval of the earlier ones instead (analysis/trend.ts).
 */
export function findChanges(
  values: readonly number[],
  options: { higherIsBetter: boolean; unit?: number; maxValue?: number; minConfidence?: number },
): TrendResult {
  const coding = codingFor(values, options);
  const minConfidence = options.minConfidence ?? DEFAULT_MIN_CONFIDENCE;
  let groups = partition(values, coding);
  const slice = (g: { start: number; size: number }) => values.slice(g.start, g.start + g.size);
  for (;;) {
    const confidences = groups.slice(1).map((g, i) => welchConfidence(slice(groups[i]!), slice(g)) ?? 0);
    const weakest = confidences.reduce((w, c, i) => (c < minConfidence && (w < 0 || c < confidences[w]!) ? i : w), -1);
    if (weakest < 0) break;
    const first = groups[weakest]!;
    const mergedStart = first.start;
    const mergedValues = values.slice(mergedStart, groups[weakest + 1]!.start + groups[weakest + 1]!.size);
    groups = [
      ...groups.slice(0, weakest),
      { ...statsOf(mergedValues), start: mergedStart, bits: 0 },
      ...groups.slice(weakest + 2),
    ];
    // Re-code every group after the merge: each one's bits depend on the previous average.
    groups = groups.map((g, i) => ({ ...g, bits: groupBits(g, coding, i > 0 ? groups[i - 1]!.avg : undefined) }));
  }
  const changes = groups.slice(1).map((g, i): Change => {
    const prev = groups[i]!;
    const merged = statsOf([...slice(prev), ...slice(g)]);
    const evidenceBits = groupBits(merged, coding, i > 0 ? groups[i - 1]!.avg : undefined) - (prev.bits + g.bits);
    return {
      at: g.start,
      kind: g.avg > prev.avg === options.higherIsBetter ? 'progression' : 'regression',
      relativeChange: prev.avg !== 0 ? g.avg / prev.avg - 1 : 0,
      confidence: welchConfidence(slice(prev), slice(g)),
      evidenceBits,
    };
  });
  return { groups, changes };
}

export function statsOf(values: readonly number[]): GroupStats {
  const avg = mean(values) ?? 0;
  return { size: values.length, avg, stdev: Math.sqrt(Math.max(0, (mean(values.map((v) => v * v)) ?? 0) - avg * avg)) };
}

/** 1 − p of Welch's two-sided t-test; null without two values on each side. */
export function welchConfidence(a: readonly number[], b: readonly number[]): number | null {
  if (a.length < 2 || b.length < 2) return null;
  const va = sampleVariance(a);
  const vb = sampleVariance(b);
  const se2 = va / a.length + vb / b.length;
  const diff = Math.abs(mean(a)! - mean(b)!);
  if (se2 === 0) return diff > 0 ? 1 : 0;
  const t = diff / Math.sqrt(se2);
  const df = se2 ** 2 / ((va / a.length) ** 2 / (a.length - 1) + (vb / b.length) ** 2 / (b.length - 1));
  return 1 - 2 * (1 - studentTCdf(t, df));
}

function sampleVariance(xs: readonly number[]): number {
  const m = mean(xs)!;
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
}
