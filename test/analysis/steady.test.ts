import { test } from 'node:test';
import assert from 'node:assert/strict';
import { throughputFigures, type SampleRow } from '../../src/analysis/steady.js';

function row(
  pair: number,
  role: 'send' | 'recv',
  second: number,
  packets: number,
  extra: Partial<SampleRow> = {},
): SampleRow {
  const send = role === 'send';
  return {
    pair,
    role,
    second,
    durationNs: 1e9,
    partial: false,
    txPackets: send ? packets : null,
    txBytes: send ? packets * 64 : null,
    unsent: send ? 0 : null,
    rxPackets: send ? null : packets,
    rxBytes: send ? null : packets * 64,
    lost: send ? null : 0,
    reordered: send ? null : 0,
    corrupt: send ? null : 0,
    ...extra,
  };
}

test('drops warm-up and cool-down seconds and sums pairs', () => {
  const rows: SampleRow[] = [];
  for (const pair of [0, 1]) {
    for (let s = 0; s < 5; s++) {
      const steady = s >= 1 && s < 4;
      rows.push(row(pair, 'send', s, steady ? 1000 : 99_999));
      rows.push(row(pair, 'recv', s, steady ? 900 : 1, steady ? { lost: 100 } : {}));
    }
  }
  const f = throughputFigures(rows, { warmupS: 1, durationS: 3 })!;
  assert.equal(f.txPps, 2000);
  assert.equal(f.rxPps, 1800);
  assert.equal(f.rxGbps, (1800 * 64 * 8) / 1e9);
  assert.equal(f.lossRatio, 600 / (5400 + 600));
  assert.equal(f.steadySeconds, 3);
});

test('rates use the measured interval length, partial intervals are ignored', () => {
  const rows = [
    row(0, 'send', 0, 1100, { durationNs: 1.1e9 }),
    row(0, 'recv', 0, 1100, { durationNs: 1.1e9 }),
    row(0, 'recv', 1, 500, { partial: true }),
  ];
  const f = throughputFigures(rows, { warmupS: 0, durationS: 2 })!;
  assert.ok(Math.abs(f.rxPps - 1000) < 1e-9);
});

test('no receiver sample in the window gives no figures; nothing received is total loss', () => {
  assert.equal(throughputFigures([row(0, 'send', 1, 10)], { warmupS: 1, durationS: 1 }), null);
  const f = throughputFigures([row(0, 'send', 1, 10), row(0, 'recv', 1, 0)], { warmupS: 1, durationS: 1 })!;
  assert.equal(f.lossRatio, 1);
});

test('a stretched interval reaching into cool-down is not steady', () => {
  const rows = [
    row(0, 'send', 1, 1000),
    row(0, 'recv', 1, 1000),
    row(0, 'send', 2, 5000, { durationNs: 2e9 }),
    row(0, 'recv', 2, 5000, { durationNs: 2e9 }),
  ];
  const f = throughputFigures(rows, { warmupS: 1, durationS: 2 })!;
  assert.equal(f.rxPps, 1000, 'the 2-second line starting at second 2 ends in cool-down');
});
