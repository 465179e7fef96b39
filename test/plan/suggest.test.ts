// The edit distance behind "did you mean": its rows are kept between calls, so calls of every
// length in turn must each give the distance a fresh computation gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance } from '../../src/plan/suggest.js';

/** Levenshtein distance by the full table, for reference. */
function reference(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => i || j));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

test('editDistance equals the full-table distance for words of every length, called in turn', () => {
  const words = [
    '',
    'a',
    'rates',
    'ratse',
    'packetSizes',
    'packetSize',
    'x'.repeat(70),
    `${'x'.repeat(69)}y`,
    'kitten',
  ];
  for (const a of words) for (const b of words) assert.equal(editDistance(a, b), reference(a, b), `${a} → ${b}`);
  assert.equal(editDistance('kitten', 'sitting', 1), 2, 'past the limit: limit + 1');
  assert.equal(closest('packetSize', ['name', 'packetSizes', 'pairs']), 'packetSizes');
  assert.equal(closest('foo', ['name', 'rates']), undefined);
});
