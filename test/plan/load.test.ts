import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlanError } from '../../src/common/errors.js';
import { parsePlan } from '../../src/plan/load.js';

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
    name: 'minimal', dimension: 'throughput', locality: 'local', containers: 'netns', pairs: [1],
    switches: ['linux-bridge'], backends: ['udp-mmsg'], packetSizes: [64], rates: ['max'], bursts: [32],
    duration: 10, warmup: 1, cooldown: 1, repetitions: 1, touchData: false,
  });
});

test('a single value on a sweep axis means a list of one', () => {
  const { plan } = parsePlan('name: a\npacketSizes: 1500\nrates: 1e5\nswitches: linux-bridge\n');
  assert.deepEqual([plan.packetSizes, plan.rates, plan.switches], [[1500], [100000], ['linux-bridge']]);
});

// Each malformed plan: the exact `file:line:col path: message` start expected in the error.
const MALFORMED: [string, string, string][] = [
  ['unknown key with a suggestion', 'name: a\npacketSize: [64]\n', 'plan.yaml:2:1 packetSize: unknown field; did you mean packetSizes?'],
  ['unknown key without a close match', 'name: a\nfoo: 1\n', 'plan.yaml:2:1 foo: unknown field'],
  ['missing name', 'pairs: [1]\n', 'plan.yaml:1:1 name: required field is missing'],
  ['frame too small', 'name: a\npacketSizes: [64, 59]\n', 'plan.yaml:2:19 packetSizes[1]: expected at least 60 bytes, got 59'],
  ['frame too large', 'name: a\npacketSizes: 9001\n', 'plan.yaml:2:14 packetSizes: expected at most 9000 bytes, got 9001'],
  ['fractional frame', 'name: a\npacketSizes: [64.5]\n', 'plan.yaml:2:15 packetSizes[0]: expected an integer number of bytes'],
  ['rate zero', 'name: a\nrates: [0]\n', 'plan.yaml:2:9 rates[0]: expected a rate above 0 packets/s, got 0'],
  ['rate negative', 'name: a\nrates: -5\n', 'plan.yaml:2:8 rates: expected a rate above 0 packets/s, got -5'],
  ['rate word', 'name: a\nrates: [100, fast]\n', 'plan.yaml:2:14 rates[1]: expected number or one of "max", got "fast"'],
  ['burst zero', 'name: a\nbursts: [0]\n', 'plan.yaml:2:10 bursts[0]: expected at least 1 packets, got 0'],
  ['burst too big', 'name: a\nbursts: [2048]\n', 'plan.yaml:2:10 bursts[0]: expected at most 1024 packets, got 2048'],
  ['misspelt switch', 'name: a\nswitches: [linux-brige]\n', 'plan.yaml:2:12 switches[0]: expected one of'],
  ['unknown backend', 'name: a\nbackends: [tcp]\n', 'plan.yaml:2:12 backends[0]: expected one of'],
  ['wrong dimension', 'name: a\ndimension: speed\n', 'plan.yaml:2:12 dimension: expected one of "throughput", "latency", got "speed"'],
  ['string duration', 'name: a\nduration: "3"\n', 'plan.yaml:2:11 duration: expected number, got "3"'],
  ['zero duration', 'name: a\nduration: 0\n', 'plan.yaml:2:11 duration: expected at least 1 s, got 0'],
  ['negative warmup', 'name: a\nwarmup: -1\n', 'plan.yaml:2:9 warmup: expected at least 0 s, got -1'],
  ['zero pairs', 'name: a\npairs: 0\n', 'plan.yaml:2:8 pairs: expected at least 1 pairs, got 0'],
  ['empty list', 'name: a\nbursts: []\n', 'plan.yaml:2:9 bursts: expected a non-empty list'],
  ['name with a space', 'name: "bad name"\n', 'plan.yaml:1:7 name: expected 1-64 letters'],
  ['touchData as text', 'name: a\ntouchData: yes\n', 'plan.yaml:2:12 touchData: expected boolean, got "yes"'],
  ['bad YAML', 'name: a\nbursts: [\n', 'plan.yaml:3:1: invalid YAML'],
  ['a list, not a mapping', '- a\n', 'plan.yaml:1:1: expected a mapping of plan fields'],
  ['duplicate key', 'name: a\nname: b\n', 'plan.yaml:2:1: invalid YAML: Map keys must be unique'],
];

for (const [what, text, expected] of MALFORMED) {
  test(`refuses a plan with ${what}`, () => {
    const errors = errorsOf(text);
    assert.ok(errors.some((e) => e.startsWith(expected)), `expected a line starting with\n  ${expected}\ngot\n  ${errors.join('\n  ')}`);
  });
}

test('reports every problem of a plan at once', () => {
  const errors = errorsOf('name: a\npacketSizes: [10]\nbursts: [0]\nfoo: 1\n');
  assert.equal(errors.length, 3);
});

test('diagnostic() locates plan fields for later checks', () => {
  const parsed = parsePlan('name: a\nswitches:\n  - linux-bridge\n  - ovs\n', 'p.yaml');
  assert.deepEqual(parsed.diagnostic(['switches', 1], 'x'), { file: 'p.yaml', line: 4, col: 5, path: 'switches[1]', message: 'x' });
  assert.equal(parsed.diagnostic(['backends', 0], 'x').path, '', 'a defaulted field points at the document');
});
