// Per-case analysis over synthetic sample rows: spread of the steady seconds, CPU cost, warnings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caseCpu, tscHzOf } from '../../src/analysis/cpu.js';
import type { SteadySample } from '../../src/store/run-data.js';
import { perSecondRates, steadyVariation, UNSTEADY_CV } from '../../src/analysis/variation.js';
import { caseWarnings, generatorLimitedWords } from '../../src/analysis/warnings.js';
import type { SummaryCase } from '../../src/store/summary.js';

function sample(
  pair: number,
  role: 'send' | 'recv',
  second: number,
  packets: number,
  extra: Partial<SteadySample> = {},
): SteadySample {
  return {
    pair,
    role,
    second,
    durationNs: 1e9,
    partial: false,
    txPackets: role === 'send' ? packets : null,
    rxPackets: role === 'recv' ? packets : null,
    cpuUserUs: 100_000,
    cpuSysUs: 400_000,
    ...extra,
  };
}

test('per-second rates sum pairs and leave out seconds some pair lacks', () => {
  const rows = [
    sample(0, 'recv', 1, 1000),
    sample(1, 'recv', 1, 500),
    sample(0, 'recv', 2, 1000, { durationNs: 0.5e9 }),
    sample(1, 'recv', 2, 500),
    sample(0, 'recv', 3, 1000), // pair 1 missing: left out
    sample(0, 'recv', 4, 1000),
    sample(1, 'recv', 4, 500, { partial: true }), // partial: left out
  ];
  assert.deepEqual(perSecondRates(rows, 'recv'), [1500, 2500]);
});

test('a steady case has a small CV; a wandering one is flagged unsteady', () => {
  const steady = steadyVariation([1000, 1010, 990].map((n, i) => sample(0, 'recv', i + 1, n)));
  assert.equal(steady.rx.seconds, 3);
  assert.equal(steady.rx.meanPps, 1000);
  assert.equal(steady.rx.medianPps, 1000);
  assert.equal(steady.rx.stddevPps, 10);
  assert.equal(steady.rx.cv, 0.01);
  assert.equal(steady.unsteady, false);

  const wandering = steadyVariation([1000, 800, 1200].map((n, i) => sample(0, 'recv', i + 1, n)));
  assert.ok(wandering.rx.cv! > UNSTEADY_CV);
  assert.equal(wandering.unsteady, true);

  const single = steadyVariation([sample(0, 'recv', 1, 1000)]);
  assert.equal(single.rx.stddevPps, null);
  assert.equal(single.unsteady, null, 'one second: steadiness unknown, not "steady"');
});

test('CPU per app is CPU time ÷ wall time; cycles per packet need the TSC frequency', () => {
  const rows = [1, 2].flatMap((s) => [
    sample(0, 'send', s, 1000, { cpuUserUs: 200_000, cpuSysUs: 600_000 }),
    sample(0, 'recv', s, 1000, { cpuUserUs: 100_000, cpuSysUs: 400_000 }),
  ]);
  const cpu = caseCpu(rows, 2e9);
  assert.deepEqual(
    cpu.apps.map((a) => [a.role, a.seconds]),
    [
      ['recv', 2],
      ['send', 2],
    ],
  );
  const send = cpu.apps.find((a) => a.role === 'send')!;
  assert.ok(
    Math.abs(send.cpus! - 0.8) < 1e-12 &&
      Math.abs(send.userCpus! - 0.2) < 1e-12 &&
      Math.abs(send.sysCpus! - 0.6) < 1e-12,
  );
  assert.ok(Math.abs(cpu.totalCpus! - 1.3) < 1e-12);
  // 2 s × 1.3 CPUs × 2e9 Hz ÷ 2000 packets received.
  assert.ok(Math.abs(cpu.cyclesPerPacket! - (2.6 * 2e9) / 2000) < 1e-6);
  assert.equal(caseCpu(rows, null).cyclesPerPacket, null, 'no TSC frequency, no cycles');
  assert.equal(caseCpu([], 2e9).totalCpus, null);
});

test('the TSC frequency comes from the environment key tscHz, or is null', () => {
  assert.equal(tscHzOf({ tscHz: '2400000000' }), 2.4e9);
  assert.equal(tscHzOf({}), null);
  assert.equal(tscHzOf({ tscHz: 'unknown' }), null);
});

function summaryCase(extra: Partial<SummaryCase>): SummaryCase {
  return {
    id: 'throughput/local/1vs1/linux-bridge/udp/64B/100000pps/b32/r0',
    dimension: 'throughput',
    locality: 'local',
    containers: 'netns',
    pairs: 1,
    switch: 'linux-bridge',
    backend: 'udp',
    packetSize: 64,
    rate: 100_000,
    burst: 32,
    repetition: 0,
    status: 'ok',
    cpuShared: false,
    throughput: {
      txPps: 100_000,
      rxPps: 100_000,
      txGbps: 0.0512,
      rxGbps: 0.0512,
      lossRatio: 0,
      lostPackets: 0,
      unsentPackets: 0,
      corruptPackets: 0,
      reorderedPackets: 0,
      steadySeconds: 3,
    },
    ...extra,
  };
}

test('warnings name what to change', () => {
  assert.deepEqual(caseWarnings(summaryCase({}), null), []);
  const slow = caseWarnings(
    summaryCase({ pairs: 2, throughput: { ...summaryCase({}).throughput!, txPps: 190_000 } }),
    null,
  );
  assert.deepEqual(
    slow.map((w) => w.kind),
    ['TxBelowTarget'],
    '2 pairs × 100 kpps asked, 190 kpps sent: 5 % short',
  );
  assert.match(slow[0]!.message, /`rates`/);
  assert.deepEqual(
    caseWarnings(summaryCase({ throughput: { ...summaryCase({}).throughput!, txPps: 99_500 } }), null),
    [],
    '0.5 % short is within 1 %',
  );
  assert.deepEqual(caseWarnings(summaryCase({ rate: 'max' }), null), [], 'unpaced: no target');
  const shared = caseWarnings(summaryCase({ cpuShared: true }), null);
  assert.equal(shared[0]!.kind, 'CpuShared');
  assert.match(shared[0]!.message, /`pairs`/);
  const sriov = caseWarnings(summaryCase({ switch: 'sriov' }), null);
  assert.deepEqual(
    sriov.map((w) => w.kind),
    ['NotVerified'],
  );
  assert.match(sriov[0]!.message, /switch sriov is not verified on hardware/);
  const failed = caseWarnings(
    summaryCase({ status: 'failed', error: 'receiver exited with status 1', throughput: null }),
    null,
  );
  assert.deepEqual(
    failed.map((w) => [w.kind, w.message]),
    [['CaseFailed', 'failed: receiver exited with status 1']],
  );
  const wandering = steadyVariation([1000, 800, 1200].map((n, i) => sample(0, 'recv', i + 1, n)));
  const unsteady = caseWarnings(summaryCase({}), wandering);
  assert.deepEqual(
    unsteady.map((w) => w.kind),
    ['Unsteady'],
  );
  assert.match(unsteady[0]!.message, /20\.0 %.*`warmup` or `duration`/);
});

test("a generator-limited search over a kernel path says the sender's CPU also carries the path; elsewhere, the generator", () => {
  const limited = {
    ndr: {
      status: 'converged',
      lowerBound: 1,
      upperBound: 2,
      conditionalThroughput: 1,
      trials: 9,
      generatorLimited: true,
    },
  };
  const warn = (switchName: string, backend: string) =>
    caseWarnings(summaryCase({ switch: switchName, backend, rate: 'search', search: limited }), null).find(
      (w) => w.kind === 'GeneratorLimited',
    )!.message;
  for (const [sw, backend] of [
    ['linux-bridge', 'udp-mmsg'],
    ['veth', 'raw'],
  ]) {
    assert.match(
      warn(sw!, backend!),
      /on this kernel path the sender's CPU also does the path's forwarding/,
      `${sw} ${backend}`,
    );
    assert.ok(warn(sw!, backend!).includes(generatorLimitedWords({ switch: sw!, backend: backend! })), 'one wording');
  }
  for (const [sw, backend] of [
    ['ovs', 'dpdk'],
    ['memif', 'dpdk'],
    ['ovs', 'udp-mmsg'],
  ]) {
    assert.match(warn(sw!, backend!), /the generator, not the path, was the limit/, `${sw} ${backend}`);
  }
});
