import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  coefficientOfVariation,
  mean,
  meanWithCi,
  median,
  stddev,
  studentTCdf,
  studentTQuantile,
} from '../../src/analysis/stats.js';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected} ± ${tolerance}, got ${actual}`);

test('mean, median, stddev and CV; missing values are null, not 0', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.equal(median([4, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  close(stddev([2, 4, 4, 4, 5, 5, 7, 9])!, 2.138089935, 1e-9, 'sample stddev');
  close(coefficientOfVariation([90, 100, 110])!, 0.1, 1e-12, 'cv');
  assert.equal(mean([]), null);
  assert.equal(median([]), null);
  assert.equal(stddev([5]), null, 'one value has no spread');
  assert.equal(coefficientOfVariation([0, 0]), null, 'no CV at a mean of 0');
});

test('Student t quantiles match the published table', () => {
  // Two-sided 95 % critical values (t_{0.975, df}).
  const table: [number, number][] = [
    [1, 12.7062],
    [2, 4.3027],
    [3, 3.1824],
    [5, 2.5706],
    [10, 2.2281],
    [30, 2.0423],
    [1000, 1.9623],
  ];
  for (const [df, t] of table) close(studentTQuantile(0.975, df), t, 1e-4, `t(0.975, ${df})`);
  close(studentTQuantile(0.995, 4), 4.6041, 1e-4, 't(0.995, 4)');
  close(studentTQuantile(0.025, 3), -3.1824, 1e-4, 'lower tail');
  close(studentTCdf(0, 7), 0.5, 1e-12, 'cdf at 0');
  assert.throws(() => studentTQuantile(1, 3), /Expected p in \(0, 1\)/);
});

test('mean with a 95 % CI over repetitions', () => {
  const ci = meanWithCi([10, 12, 14])!;
  assert.equal(ci.mean, 12);
  assert.equal(ci.n, 3);
  close(ci.ciHalfWidth!, (4.3027 * 2) / Math.sqrt(3), 1e-3, 'half width = t × s / √n');
  close(ci.ciLow!, 12 - ci.ciHalfWidth!, 1e-12, 'low');
  const one = meanWithCi([7])!;
  assert.deepEqual(one, { mean: 7, n: 1, stddev: null, ciLow: null, ciHigh: null, ciHalfWidth: null });
  assert.equal(meanWithCi([]), null);
});
