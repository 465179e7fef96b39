import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlanError } from '../../src/common/errors.js';
import { parsePlan } from '../../src/plan/load.js';
import { MALFORMED_SCHEMA } from '../fixtures/malformed-plans.js';

function errorsOf(text: string): string[] {
  try {
    parsePlan(text, 'plan.yaml');
  } catch (e) {
    assert.ok(e instanceof PlanError, `expected a PlanError, got ${String(e)}`);
    return e.message.split('\n');
  }
  assert.fail('the plan was accepted');
}

test('a minimal plan gets the documented defaults', () => {
  const { plan } = parsePlan('name: minimal\n');
  assert.deepEqual(plan, {
    name: 'minimal',
    dimension: 'throughput',
    locality: 'local',
    containers: 'netns',
    pairs: [1],
    switches: ['linux-bridge'],
    backends: ['udp-mmsg'],
    modes: ['polling'],
    clientThreads: [1],
    packetSizes: [64],
    flows: [1],
    queues: [1],
    bursts: [32],
    duration: 10,
    warmup: 1,
    cooldown: 1,
    repetitions: 1,
    oneWayLatency: false,
    latencyBaseline: false,
    touchData: false,
    senderScheduling: 'other',
  });
});

test('a single value on a sweep axis means a list of one', () => {
  const { plan } = parsePlan('name: a\npacketSizes: 1500\nrates: 1e5\nswitches: linux-bridge\n');
  assert.deepEqual([plan.packetSizes, plan.rates, plan.switches], [[1500], [100000], ['linux-bridge']]);
});

for (const [what, text, expected] of MALFORMED_SCHEMA) {
  test(`refuses a plan with ${what}`, () => {
    const errors = errorsOf(text);
    assert.ok(
      errors.some((e) => e.startsWith(expected)),
      `expected a line starting with\n  ${expected}\ngot\n  ${errors.join('\n  ')}`,
    );
  });
}

test('reports every problem of a plan at once', () => {
  const errors = errorsOf('name: a\npacketSizes: [10]\nbursts: [0]\nfoo: 1\n');
  assert.equal(errors.length, 3);
});

test('diagnostic() locates plan fields for later checks', () => {
  const parsed = parsePlan('name: a\nswitches:\n  - linux-bridge\n  - ovs\n', 'p.yaml');
  assert.deepEqual(parsed.diagnostic(['switches', 1], 'x'), {
    file: 'p.yaml',
    line: 4,
    col: 5,
    path: 'switches[1]',
    message: 'x',
  });
  assert.equal(parsed.diagnostic(['backends', 0], 'x').path, '', 'a defaulted field points at the document');
});

test('past 1,000 problems the rest are counted at the next one, for YAML problems and schema issues alike', () => {
  const repeated = errorsOf(`name: a\n${'pairs: 1\n'.repeat(1_502)}`);
  assert.equal(repeated.length, 1_001);
  assert.equal(
    repeated[999],
    'plan.yaml:1002:1: invalid YAML: key "pairs" appears twice in one mapping (first at 2:1)',
  );
  assert.equal(
    repeated[1_000],
    'plan.yaml:1003:1: 501 more problems not listed, the next one here: fix the ones above first',
  );
  // Schema issues: two wrong values, then unknown keys; the bound counts every one of them.
  const unknown = errorsOf(
    `name: a\ndimension: x\nlocality: y\n${Array.from({ length: 1_000 }, (_, i) => `k${i}: 1\n`).join('')}`,
  );
  assert.equal(unknown.length, 1_001);
  assert.match(unknown[0]!, /^plan\.yaml:2:12 dimension: expected one of/);
  assert.equal(unknown[999], 'plan.yaml:1001:1 k997: unknown field');
  assert.equal(
    unknown[1_000],
    'plan.yaml:1002:1: 2 more problems not listed, the next one here: fix the ones above first',
  );
});
