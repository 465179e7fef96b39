import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CpuSampler, cpuIrqTicks, samplesBetween, threadTicks } from '../../src/runner/cpu-sampler.js';

test('thread ticks: utime + stime after a command name holding spaces and parentheses', () => {
  const stat = '4242 (pmd-c01 (x) y) R 1 4242 4242 0 -1 4194368 10 0 0 0 1234 56 0 0 20 0 1 0 100 0 0';
  assert.equal(threadTicks(stat), 1234 + 56);
  assert.equal(threadTicks(''), null, 'a thread that exited');
});

test('per-CPU irq and softirq ticks from /proc/stat', () => {
  const text =
    'cpu  857931 1512 406878 1637005 3549 0 45099 5267 0 0\ncpu0 398629 637 126037 906952 824 7 42726 2876 0 0\ncpu1 459301 874 280840 730053 2725 0 2373 2391 0 0\nintr 1 2 3\n';
  assert.deepEqual(
    [...cpuIrqTicks(text)],
    [
      [0, { irq: 7, softirq: 42726 }],
      [1, { irq: 0, softirq: 2373 }],
    ],
  );
});

test('samples between readings: per second on the epoch, steady as the apps, threads seen twice only', () => {
  const epoch = 10_000_000_000n;
  const at = (s: number) => epoch + BigInt(s * 1e9) + 2_000_000n; // timers fire a little late
  const snap = (s: number, pmd: number | null, softirq: number) => ({
    atNs: at(s),
    ticks: new Map<string, { kind: 'switch' | 'softirq' | 'irq'; cpu: number | null; ticks: number }>([
      ...(pmd === null ? [] : [['pmd', { kind: 'switch' as const, cpu: null, ticks: pmd }] as const]),
      ['softirq cpu0', { kind: 'softirq', cpu: 0, ticks: softirq }],
    ]),
  });
  const out = samplesBetween([snap(0, null, 0), snap(1, 100, 30), snap(2, 200, 60), snap(3, 299, 60)], epoch, {
    warmupS: 1,
    durationS: 1,
  });
  const pmd = out.filter((s) => s.component === 'pmd');
  assert.deepEqual(
    pmd.map((s) => [s.second, s.busyUs, s.steady]),
    [
      [1, 1_000_000, true],
      [2, 990_000, false],
    ],
    'no interval before the thread appeared',
  );
  assert.deepEqual(
    out.filter((s) => s.kind === 'softirq').map((s) => [s.second, s.busyUs, s.cpu]),
    [
      [0, 300_000, 0],
      [1, 300_000, 0],
      [2, 0, 0],
    ],
  );
  assert.ok(out.every((s) => s.durationNs === 1e9 && s.startOffsetNs === s.second * 1e9 + 2e6));
});

/** This thread's run time so far in µs, as the scheduler counts it (ns precision, not ticks). */
function runUs(): number {
  return Number(readFileSync(`/proc/${process.pid}/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
}

test('the sampler reads on each second of the epoch what the scheduler says this thread ran', async () => {
  const runAtReading: number[] = [];
  // threads() is asked at every reading: the scheduler's own count taken at the same moment.
  const sampler = new CpuSampler(() => {
    runAtReading.push(runUs());
    return [{ name: 'self', pid: process.pid }];
  }, [0]);
  sampler.start(process.hrtime.bigint() + 50_000_000n);
  // Keep this thread busy (yielding to the timers) for two seconds, whatever share the host gives it.
  const until = Date.now() + 2150;
  while (Date.now() < until) await new Promise((r) => setImmediate(r));
  const out = sampler.stop({ warmupS: 0, durationS: 2 });
  const self = out.filter((s) => s.component === 'self');
  assert.deepEqual(
    self.map((s) => s.second),
    [0, 1],
  );
  self.forEach((s, k) => {
    const ranUs = runAtReading[k + 1]! - runAtReading[k]!;
    // Clock ticks (10 ms) against nanoseconds: two ticks of slack, plus 10 % for the tick sampling.
    assert.ok(
      Math.abs(s.busyUs - ranUs) <= 20_000 + 0.1 * ranUs,
      `second ${k}: sampled ${s.busyUs} µs, the scheduler says ${Math.round(ranUs)} µs`,
    );
    assert.ok(s.busyUs > 0 && s.busyUs <= s.durationNs / 1e3 + 10_000, `second ${k}: a busy thread, within one CPU`);
  });
  assert.deepEqual(
    out
      .filter((s) => s.second === 0)
      .map((s) => s.component)
      .sort(),
    ['irq cpu0', 'self', 'softirq cpu0'],
  );
});
