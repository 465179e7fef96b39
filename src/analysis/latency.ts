// Round-trip latency of a case from the clients' per-interval RTT histograms: merged over the
// steady window and over pairs, exactly (the buckets are the app's own, see docs/app-protocol.md),
// then reduced to the percentiles RFC 8219 and the HDR-histogram tools report.

/** The app's log-linear histogram: 128 sub-buckets per power of two, exact below 256 ns. */
const SUB_BUCKETS = 128;

/** Width of the bucket whose lower bound is `lowNs`. */
export function bucketWidthNs(lowNs: number): number {
  if (lowNs < 2 * SUB_BUCKETS) return 1;
  return 2 ** (Math.floor(Math.log2(lowNs)) - Math.log2(SUB_BUCKETS));
}

export interface RttInterval {
  count: number;
  minNs: number | null;
  avgNs: number | null;
  maxNs: number | null;
  /** [lower bound in ns, count] for each non-empty bucket. */
  buckets: [number, number][];
}

export interface LatencyFigures {
  /** Echoes measured in the steady window. */
  samples: number;
  minUs: number;
  avgUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** Merges interval histograms; null when there is no sample at all. */
export function latencyFigures(intervals: readonly RttInterval[]): LatencyFigures | null {
  const merged = new Map<number, number>();
  let count = 0,
    sumNs = 0,
    minNs = Infinity,
    maxNs = -Infinity;
  for (const i of intervals) {
    if (i.count === 0) continue;
    count += i.count;
    sumNs += (i.avgNs ?? 0) * i.count;
    minNs = Math.min(minNs, i.minNs ?? Infinity);
    maxNs = Math.max(maxNs, i.maxNs ?? -Infinity);
    for (const [low, n] of i.buckets) merged.set(low, (merged.get(low) ?? 0) + n);
  }
  if (count === 0) return null;
  const buckets = [...merged.entries()].sort((a, b) => a[0] - b[0]);
  const us = (ns: number) => ns / 1000;
  const p = (q: number) => us(percentileNs(buckets, count, q, minNs, maxNs));
  return {
    samples: count,
    minUs: us(minNs),
    avgUs: us(sumNs / count),
    p50Us: p(0.5),
    p90Us: p(0.9),
    p99Us: p(0.99),
    p999Us: p(0.999),
    maxUs: us(maxNs),
  };
}

/**
 * The same rule as the app's: the bucket holding the ⌈q·n⌉-th value, reported at its midpoint
 * (low + ⌊width/2⌋), clamped to the observed minimum and maximum. Relative error ≤ 0.4%.
 */
export function percentileNs(
  sortedBuckets: readonly [number, number][],
  count: number,
  q: number,
  minNs: number,
  maxNs: number,
): number {
  const rank = Math.min(count, Math.max(1, Math.ceil(q * count)));
  let seen = 0;
  for (const [low, n] of sortedBuckets) {
    seen += n;
    if (seen >= rank) return Math.min(maxNs, Math.max(minNs, low + Math.floor(bucketWidthNs(low) / 2)));
  }
  return maxNs;
}
