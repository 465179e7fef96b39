import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandPlan, formatTuple } from '../../src/plan/expand.js';
import { parsePlan } from '../../src/plan/load.js';

test('expands the cross product of the sweep axes, repetitions outermost', () => {
  const { plan } = parsePlan('name: a\nbackends: [udp, udp-mmsg]\npacketSizes: [64, 1500]\nrates: [1000, max]\nrepetitions: 2\n');
  const cases = expandPlan(plan);
  assert.equal(cases.length, 2 * 2 * 2 * 2);
  assert.deepEqual(cases.map((c) => c.index), [...cases.keys()]);
  assert.equal(new Set(cases.map((c) => c.id)).size, cases.length, 'case ids are unique');
  assert.deepEqual(cases.slice(0, 8).map((c) => c.repetition), Array(8).fill(0));
  assert.deepEqual(cases.slice(0, 3).map((c) => [c.backend, c.packetSize, c.rate]),
    [['udp', 64, 1000], ['udp', 64, 'max'], ['udp', 1500, 1000]], 'rate varies fastest, as in the paper');
  assert.equal(cases[0]!.id, 'throughput/local/1vs1/linux-bridge/udp/64B/1000pps/b32/r0');
  assert.equal(formatTuple(cases[1]!), '(throughput, local, 1vs1, linux-bridge, 64, max, 32)');
});
