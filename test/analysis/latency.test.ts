import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketWidthNs, latencyFigures } from '../../src/analysis/latency.js';

test('bucket widths follow the app: exact below 256 ns, 1/128 of the power of two above', () => {
  assert.equal(bucketWidthNs(100), 1);
  assert.equal(bucketWidthNs(256), 2);
  assert.equal(bucketWidthNs(24064), 128);
  assert.equal(bucketWidthNs(12058624), 65536);
});

test('merges intervals exactly and reports percentiles within the bucket error', () => {
  // 100 samples: 90 in the 10 µs bucket, 9 at 20 µs, 1 at 1 ms, split over two intervals.
  const a = { count: 50, minNs: 10_000, avgNs: 10_000, maxNs: 10_050, buckets: [[9984, 50]] as [number, number][] };
  const b = {
    count: 50,
    minNs: 10_000,
    avgNs: (40 * 10_000 + 9 * 20_000 + 1_000_000) / 50,
    maxNs: 1_000_000,
    buckets: [
      [9984, 40],
      [19968, 9],
      [999424, 1],
    ] as [number, number][],
  };
  const f = latencyFigures([a, b])!;
  assert.equal(f.samples, 100);
  assert.equal(f.minUs, 10);
  assert.equal(f.maxUs, 1000);
  assert.ok(Math.abs(f.p50Us - 10) / 10 < 0.01, `p50 ${f.p50Us}`);
  assert.ok(Math.abs(f.p90Us - 10) / 10 < 0.01, `p90 ${f.p90Us}`);
  assert.ok(Math.abs(f.p99Us - 20) / 20 < 0.01, `p99 ${f.p99Us}`);
  assert.equal(f.p999Us, 1000, 'the top sample, clamped to the maximum');
  assert.ok(Math.abs(f.avgUs - (90 * 10 + 9 * 20 + 1000) / 100) < 1e-9);
});

test('no echo gives no figures', () => {
  assert.equal(latencyFigures([{ count: 0, minNs: null, avgNs: null, maxNs: null, buckets: [] }]), null);
});
