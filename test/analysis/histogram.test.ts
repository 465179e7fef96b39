// Histograms kept whole: merging is exact, percentiles say how many samples they rest on, and
// HdrHistogram's V2 encoding carries the app's buckets without loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeV2, encodeV2, encodeV2Compressed, hdrLog, parseHdrLog } from '../../src/analysis/hdr.js';
import {
  bucketLowNs,
  bucketWidthNs,
  histogramFigures,
  histogramOf,
  mergeHistograms,
} from '../../src/analysis/histogram.js';

/** A deterministic spread of latencies: 2 µs to ~2 ms, with a tail and a few exact small values. */
function latencies(n: number, seed: number): number[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, () => Math.floor(2000 + 30000 * (-Math.log(1 - next())) ** 1.5)).concat([0, 1, 255]);
}

test('merging two intervals’ histograms equals one histogram of all their samples', () => {
  const a = latencies(5000, 1);
  const b = latencies(7000, 2);
  const merged = mergeHistograms([histogramOf(a), histogramOf(b)]);
  assert.deepEqual(merged, histogramOf([...a, ...b]));
  assert.deepEqual(histogramFigures(merged), histogramFigures(histogramOf([...b, ...a])));
  // In any grouping and order: merging is bucket addition.
  const c = latencies(300, 3);
  assert.deepEqual(
    mergeHistograms([mergeHistograms([histogramOf(c), histogramOf(a)]), histogramOf(b)]),
    mergeHistograms([histogramOf(b), histogramOf(c), histogramOf(a)]),
  );
});

test('buckets are the app’s: exact below 256 ns, 128 per power of two above', () => {
  assert.equal(bucketLowNs(255), 255);
  assert.equal(bucketLowNs(257), 256);
  assert.equal(bucketWidthNs(256), 2);
  assert.equal(bucketLowNs(24100), 24064);
  assert.equal(bucketWidthNs(24064), 128);
  assert.equal(bucketLowNs(2 ** 30 - 1), 2 ** 30 - 2 ** 22);
});

test('a percentile needing more samples than recorded is not given as measured', () => {
  const h = histogramOf(latencies(997, 4)); // 1000 samples
  const f = histogramFigures(h);
  assert.equal(f.samples, 1000);
  assert.notEqual(f.percentiles['p99.9']!.ns, null, 'p99.9 from 10^3 samples is measured');
  assert.deepEqual(f.percentiles['p99.99'], { ns: null, samplesNeeded: 10_000 });
  assert.deepEqual(f.percentiles['p99.999'], { ns: null, samplesNeeded: 100_000 });
  // The ⌈q·n⌉-th value's bucket, at its midpoint.
  const sorted = latencies(997, 4).sort((x, y) => x - y);
  const p50 = sorted[499]!;
  assert.equal(f.percentiles.p50!.ns, bucketLowNs(p50) + Math.floor(bucketWidthNs(bucketLowNs(p50)) / 2));
  assert.equal(histogramFigures(histogramOf([])).minNs, null);
});

test('the V2 encoding round-trips the buckets exactly, compressed or not', () => {
  const h = histogramOf([...latencies(20000, 5), 2 ** 30 - 1]);
  assert.deepEqual(decodeV2(encodeV2(h)), h);
  assert.deepEqual(decodeV2(encodeV2Compressed(h)), h);
  const raw = encodeV2(histogramOf([1, 1, 3]));
  // cookie V2 | word size 8, payload 4 bytes: counts[0] = 0, [1] = 2, [2] = 0, [3] = 1 as ZigZag
  // LEB128 (0, 4, 0, 2; one zero is written as 0, a run of two or more as −k).
  assert.equal(raw.readUInt32BE(0), 0x1c849313);
  assert.equal(raw.readInt32BE(12), 2, 'two significant digits');
  assert.deepEqual([...raw.subarray(40)], [0, 4, 0, 2]);
  assert.deepEqual([...encodeV2(histogramOf([5])).subarray(40)], [9, 2], 'five zeros as −5, then 1');
  assert.equal(encodeV2Compressed(h).readUInt32BE(0), 0x1c849314);
});

test('a histogram log holds each interval with its tag, and merging its lines gives the whole', () => {
  const parts = [histogramOf(latencies(1000, 6)), histogramOf(latencies(2000, 7))];
  const text = hdrLog([
    { tag: 'case/a:traffic:one-way:pair0', startS: 3, lengthS: 1, histogram: parts[0]! },
    { tag: 'case/a:traffic:one-way:pair0', startS: 4, lengthS: 1, histogram: parts[1]! },
  ]);
  assert.match(text, /^"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"$/m);
  assert.match(text, /^Tag=case\/a:traffic:one-way:pair0,3\.000,1\.000,[\d.]+,HISTF/m);
  const back = parseHdrLog(text);
  assert.deepEqual(
    back.map((i) => [i.tag, i.startS]),
    [
      ['case/a:traffic:one-way:pair0', 3],
      ['case/a:traffic:one-way:pair0', 4],
    ],
  );
  assert.deepEqual(
    histogramFigures(mergeHistograms(back.map((i) => i.histogram))),
    histogramFigures(mergeHistograms(parts)),
  );
  assert.throws(() => hdrLog([{ tag: 'a b', startS: 0, lengthS: 1, histogram: parts[0]! }]), /commas or spaces/);
});
