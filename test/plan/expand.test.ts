import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baselineCaseId, caseCount, expandPlan, formatTuple } from '../../src/plan/expand.js';
import { parsePlan } from '../../src/plan/load.js';

test('expands the cross product of the sweep axes, repetitions outermost', () => {
  const { plan } = parsePlan(
    'name: a\nbackends: [udp, udp-mmsg]\npacketSizes: [64, 1500]\nrates: [1000, max]\nrepetitions: 2\n',
  );
  const cases = expandPlan(plan);
  assert.equal(cases.length, 2 * 2 * 2 * 2);
  assert.deepEqual(
    cases.map((c) => c.index),
    [...cases.keys()],
  );
  assert.equal(new Set(cases.map((c) => c.id)).size, cases.length, 'case ids are unique');
  assert.deepEqual(
    cases.slice(0, 8).map((c) => c.repetition),
    Array(8).fill(0),
  );
  assert.deepEqual(
    cases.slice(0, 3).map((c) => [c.backend, c.packetSize, c.rate]),
    [
      ['udp', 64, 1000],
      ['udp', 64, 'max'],
      ['udp', 1500, 1000],
    ],
    'rate varies fastest, as in the paper',
  );
  assert.equal(cases[0]!.id, 'throughput/local/1vs1/linux-bridge/udp/64B/1000pps/b32/r0');
  assert.equal(formatTuple(cases[1]!), '(throughput, local, 1vs1, linux-bridge, 64, max, 32)');
});

test('rates default to max, or to nothing but the search when a plan has one', () => {
  assert.deepEqual(
    expandPlan(parsePlan('name: a\n').plan).map((c) => c.rate),
    ['max'],
  );
  const searchOnly = expandPlan(parsePlan('name: a\nsearch: { preset: quick, maxRatePps: 1e6 }\n').plan);
  assert.deepEqual(
    searchOnly.map((c) => [c.rate, c.search?.preset]),
    [['search', 'quick']],
  );
  assert.equal(searchOnly[0]!.id, 'throughput/local/1vs1/linux-bridge/udp-mmsg/64B/search/b32/r0');
  const both = expandPlan(parsePlan('name: a\nrates: [1000]\nsearch: { preset: quick, maxRatePps: 1e6 }\n').plan);
  assert.deepEqual(
    both.map((c) => c.rate),
    [1000, 'search'],
  );
});

test('I/O modes and client threads are sweep axes; their defaults leave case ids as they were', () => {
  const lat = expandPlan(
    parsePlan('name: a\ndimension: latency\nmodes: [polling, blocking]\nclientThreads: [1, 2]\nrates: [1000]\n').plan,
  );
  assert.deepEqual(
    lat.map((c) => [c.mode, c.clientThreads]),
    [
      ['polling', 1],
      ['polling', 2],
      ['blocking', 1],
      ['blocking', 2],
    ],
  );
  assert.deepEqual(
    lat.map((c) => c.id.split('/').slice(4, -4).join('/')),
    ['udp-mmsg', 'udp-mmsg/2t', 'udp-mmsg/blocking', 'udp-mmsg/blocking/2t'],
  );
  const window = expandPlan(parsePlan('name: a\ndimension: latency\ninflight: 1\nbursts: [1]\n').plan);
  assert.deepEqual(
    window.map((c) => [c.inflight, c.id]),
    [[1, 'latency/local/1vs1/linux-bridge/udp-mmsg/inflight1/64B/max/b1/r0']],
    'a window is named in the id',
  );
  const tput = expandPlan(parsePlan('name: a\n').plan);
  assert.deepEqual(
    tput.map((c) => [c.mode, c.clientThreads]),
    [['polling', 1]],
    'throughput cases have one client thread',
  );
});

test('flows and frame-size mixes are sweep axes named in case ids; the defaults leave ids as they were', () => {
  const cs = expandPlan(
    parsePlan(
      'name: a\nbackends: [raw]\npacketSizes: [64, imix, {mix: [{size: 64, weight: 2}, {size: 1500, weight: 1}]}]\nflows: [1, 1000]\n',
    ).plan,
  );
  assert.deepEqual(
    cs.map((c) => [c.id.split('/').slice(5, -3).join('/'), c.packetSize, c.flows]),
    [
      ['64B', 64, 1],
      ['64B/1000flows', 64, 1000],
      ['imix', 350, 1],
      ['imix/1000flows', 350, 1000],
      ['mix-64x2-1500x1', 543, 1],
      ['mix-64x2-1500x1/1000flows', 543, 1000],
    ],
    'a mix is placed at its mean frame, rounded: (7·60 + 4·566 + 1514)/12 = 349.8',
  );
  assert.deepEqual(cs[2]!.sizeMix, {
    label: 'imix',
    frames: [
      { size: 60, weight: 7 },
      { size: 566, weight: 4 },
      { size: 1514, weight: 1 },
    ],
  });
  assert.equal(caseCount(parsePlan('name: a\npacketSizes: [64, imix]\nflows: [1, 10, 100]\n').plan), 6);
});

test('queues is a sweep axis named in case ids (after flows); queues 1 leaves ids as they were', () => {
  const cs = expandPlan(parsePlan('name: a\nswitches: [veth]\nbackends: [af-xdp]\nflows: [4]\nqueues: [1, 2]\n').plan);
  assert.deepEqual(
    cs.map((c) => [c.id.split('/').slice(5, -3).join('/'), c.queues]),
    [
      ['64B/4flows', undefined],
      ['64B/4flows/2queues', 2],
    ],
  );
  assert.match(formatTuple(cs[1]!), /4 flows, 2 queues\)$/);
  assert.equal(caseCount(parsePlan('name: a\nflows: [1, 10]\nqueues: [1, 2, 4]\n').plan), 6);
});

test('senderScheduling fifo reaches every case (the senders get --sched fifo); the default leaves cases as they were', () => {
  const fifo = expandPlan(parsePlan('name: a\nrates: [1000, max]\nsenderScheduling: fifo\n').plan);
  assert.deepEqual(
    fifo.map((c) => c.senderScheduling),
    ['fifo', 'fifo'],
  );
  const other = expandPlan(parsePlan('name: a\nrates: [1000]\n').plan);
  assert.equal('senderScheduling' in other[0]!, false);
  assert.equal(fifo[0]!.id, other[0]!.id, 'not a sweep axis: the case id is the same');
  assert.throws(() => parsePlan('name: a\nsenderScheduling: rr\n'), /senderScheduling/);
});

test('layout is a sweep axis: tester cases count testers, chain cases chains × lengths; pairs ids stay as they were', () => {
  const cases = expandPlan(
    parsePlan('name: a\nlayout: [pairs, tester, chain]\nchainLength: [1, 2]\nchains: [1, 3]\nrepetitions: 2\n').plan,
  );
  assert.equal(cases.length, 2 * (1 + 1 + 4));
  assert.deepEqual(
    cases.slice(0, 6).map((c) => [c.id, c.layout, c.pairs, c.chainLength, c.chains]),
    [
      ['throughput/local/1vs1/linux-bridge/udp-mmsg/64B/max/b32/r0', undefined, 1, undefined, undefined],
      ['throughput/local/1tester/linux-bridge/udp-mmsg/64B/max/b32/r0', 'tester', 1, undefined, undefined],
      ['throughput/local/1chain1/linux-bridge/udp-mmsg/64B/max/b32/r0', 'chain', 1, 1, 1],
      ['throughput/local/1chain2/linux-bridge/udp-mmsg/64B/max/b32/r0', 'chain', 1, 2, 1],
      ['throughput/local/3chain1/linux-bridge/udp-mmsg/64B/max/b32/r0', 'chain', 3, 1, 3],
      ['throughput/local/3chain2/linux-bridge/udp-mmsg/64B/max/b32/r0', 'chain', 3, 2, 3],
    ],
  );
  assert.equal(formatTuple(cases[1]!), '(throughput, local, 1tester, linux-bridge, 64, max, 32)');
  assert.ok(!('layout' in cases[0]!), 'a pairs case is the object it always was');
  assert.deepEqual(parsePlan('name: a\n').plan.layout, undefined, 'a plan without layout stores no layout');
});

test('latencyBaseline adds the same cases over a bare veth pair, marked, for the backends veth carries', () => {
  const plan = parsePlan(
    'name: a\nswitches: [linux-bridge, ovs]\nbackends: [udp, dpdk]\nrates: [1000]\nlatencyBaseline: true\n',
  ).plan;
  const cases = expandPlan(plan);
  assert.equal(cases.length, caseCount(plan));
  assert.deepEqual(
    cases.map((c) => [c.switch, c.backend, c.baseline ?? false]),
    [
      ['veth', 'udp', true],
      ['linux-bridge', 'udp', false],
      ['linux-bridge', 'dpdk', false],
      ['ovs', 'udp', false],
      ['ovs', 'dpdk', false],
    ],
  );
  assert.equal(baselineCaseId(cases[1]!.id), cases[0]!.id);
  // A plan that sweeps veth already: its veth cases are the baseline.
  const withVeth = expandPlan(parsePlan('name: a\nswitches: [veth, linux-bridge]\nlatencyBaseline: true\n').plan);
  assert.deepEqual(
    withVeth.map((c) => [c.switch, c.baseline ?? false]),
    [
      ['veth', true],
      ['linux-bridge', false],
    ],
  );
});
