// Latency histograms kept whole: the app's log-linear buckets (docs/app-protocol.md, `rtt` and
// `oneWay`), merged exactly by adding the counts of equal buckets — across intervals, pairs and
// repetitions alike — and reduced to percentiles only at the end, each with the sample count it
// rests on. Pure.

/** The app's layout: 128 sub-buckets per power of two, exact below 256 ns (HdrHistogram with 2 significant digits). */
export const SUB_BUCKETS = 128;
/** Values the app records: 0 ≤ v < 2^30 ns. */
export const HIST_MAX_NS = 2 ** 30 - 1;

/** Width of the bucket whose lower bound is `lowNs`. */
export function bucketWidthNs(lowNs: number): number {
  if (lowNs < 2 * SUB_BUCKETS) return 1;
  return 2 ** (Math.floor(Math.log2(lowNs)) - Math.log2(SUB_BUCKETS));
}

/** The lower bound of the bucket holding `valueNs` (the app's nfp_hist_index, then nfp_hist_low). */
export function bucketLowNs(valueNs: number): number {
  if (valueNs < 2 * SUB_BUCKETS) return Math.floor(valueNs);
  const e = Math.floor(Math.log2(valueNs)) - Math.log2(SUB_BUCKETS);
  return Math.floor(valueNs / 2 ** e) * 2 ** e;
}

/** One histogram: its non-empty buckets in increasing order, and their total. */
export interface Histogram {
  /** [lower bound in ns, count] of each non-empty bucket, increasing. */
  buckets: [number, number][];
  count: number;
}

/** Adds histograms bucket by bucket: exact, whatever the order or grouping. */
export function mergeHistograms(parts: Iterable<{ buckets: readonly (readonly [number, number])[] }>): Histogram {
  const merged = new Map<number, number>();
  for (const p of parts) for (const [low, n] of p.buckets) if (n > 0) merged.set(low, (merged.get(low) ?? 0) + n);
  const buckets = [...merged.entries()].sort((a, b) => a[0] - b[0]);
  return { buckets, count: buckets.reduce((n, [, c]) => n + c, 0) };
}

/** A histogram of raw values (tests, and what the app would have recorded). */
export function histogramOf(valuesNs: Iterable<number>): Histogram {
  return mergeHistograms([...valuesNs].map((v) => ({ buckets: [[bucketLowNs(v), 1] as [number, number]] })));
}

/**
 * The app's rule: the bucket holding the ⌈q·n⌉-th value, reported at its midpoint
 * (low + ⌊width/2⌋), clamped to [minNs, maxNs] when the exact extremes are known. Relative error ≤ 0.4%.
 */
export function percentileNs(
  sortedBuckets: readonly (readonly [number, number])[],
  count: number,
  q: number,
  minNs = 0,
  maxNs = Infinity,
): number {
  const rank = Math.min(count, Math.max(1, Math.ceil(q * count)));
  let seen = 0;
  for (const [low, n] of sortedBuckets) {
    seen += n;
    if (seen >= rank) return Math.min(maxNs, Math.max(minNs, low + Math.floor(bucketWidthNs(low) / 2)));
  }
  return maxNs;
}

/** The percentiles reported, as [key, q]: p50 … p99.999. */
export const PERCENTILES: readonly (readonly [string, number])[] = [
  ['p50', 0.5],
  ['p90', 0.9],
  ['p99', 0.99],
  ['p99.9', 0.999],
  ['p99.99', 0.9999],
  ['p99.999', 0.99999],
];

/**
 * Samples a percentile needs before it is a measurement rather than the maximum under another
 * name: 1 ÷ (1 − q), so that at least one sample lies above it (p99.999: 10^5, p99.99: 10^4, …).
 */
export function samplesNeeded(q: number): number {
  return Math.round(1 / (1 - q));
}

export interface Percentile {
  /** The bucket midpoint in ns (histogram.ts's rule, buckets alone); null when there are too few samples. */
  ns: number | null;
  /** 1 ÷ (1 − q); with fewer samples the percentile is not measured and `ns` is null. */
  samplesNeeded: number;
}

export interface HistogramFigures {
  /** Samples the percentiles rest on. */
  samples: number;
  /** The lowest and highest buckets' midpoints, ns (the buckets alone: what an exported histogram gives too). */
  minNs: number | null;
  maxNs: number | null;
  /** p50 … p99.999 (PERCENTILES' keys). */
  percentiles: Record<string, Percentile>;
}

/**
 * Percentiles from the buckets alone (no clamping to exact extremes), so that they are recomputed
 * exactly from the histogram as exported (`nfvperf export --format hdr`).
 */
export function histogramFigures(h: Histogram): HistogramFigures {
  const mid = (low: number) => low + Math.floor(bucketWidthNs(low) / 2);
  const percentiles: Record<string, Percentile> = {};
  for (const [key, q] of PERCENTILES) {
    const needed = samplesNeeded(q);
    percentiles[key] = {
      ns: h.count >= needed ? percentileNs(h.buckets, h.count, q) : null,
      samplesNeeded: needed,
    };
  }
  return {
    samples: h.count,
    minNs: h.count > 0 ? mid(h.buckets[0]![0]) : null,
    maxNs: h.count > 0 ? mid(h.buckets.at(-1)![0]) : null,
    percentiles,
  };
}
