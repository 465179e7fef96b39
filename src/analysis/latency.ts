// Round-trip latency of a case from the clients' per-interval RTT histograms: merged over the
// steady window and over pairs, exactly (the buckets are the app's own, see docs/app-protocol.md),
// then reduced to the percentiles RFC 8219 and the HDR-histogram tools report.

import { mergeHistograms, percentileNs } from './histogram.js';

export { bucketWidthNs } from './histogram.js';

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
  }
  if (count === 0) return null;
  const { buckets } = mergeHistograms(intervals);
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
