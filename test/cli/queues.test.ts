// The plan's `queues` through the CLI, for real: af-xdp apps with two queues per port over a veth
// cable and through linux-bridge (both make the container veths with two queues on each end). The
// sender puts flow t on queue t mod 2; over the bare cable a veth delivers to the peer's receive
// queue of the sender's transmit queue, so each receive queue gets exactly half the frames (one
// more on queue 0 when the count is odd); through the bridge the kernel hashes each flow to one of
// the receiver's queues, so with 64 flows both carry frames. Every frame sent arrives either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SummaryLine } from '../../src/apps/protocol.js';
import { appBackends } from '../../src/testbed/probes.js';
import { runPlan } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { appSummaries, assertRunTotals } from '../helpers/results.js';

test('queues: [2] with af-xdp over veth and linux-bridge: every frame arrives, spread over both receive queues', {
  skip: !appBackends().backends.includes('af-xdp') && 'nfvperf-app was built without af-xdp',
}, async () => {
  const before = hostState();
  const { out, summary } = await runPlan(
    'name: queues\nswitches: [veth, linux-bridge]\nbackends: [af-xdp]\nflows: [64]\nqueues: [2]\n' +
      'rates: [20000]\nbursts: [16]\nduration: 2\nwarmup: 1\ncooldown: 0\n',
    { args: ['--plain'], timeoutMs: 300_000 },
  );
  assert.deepEqual(
    summary.cases.map((c) => [c.id, c.status, c.queues]),
    ['veth', 'linux-bridge'].map((sw) => [
      `throughput/local/1vs1/${sw}/af-xdp/64B/64flows/2queues/20000pps/b16/r0`,
      'ok',
      2,
    ]),
  );
  const db = join(out, 'results.sqlite');
  assertRunTotals(db);
  for (const row of appSummaries(db, 'throughput').filter((r) => r.role === 'recv')) {
    const recv = JSON.parse(row.summary_json) as SummaryLine;
    const [q0, q1] = recv.rxQueuePackets ?? [];
    assert.equal(recv.rxQueuePackets?.length, 2, row.case_key);
    assert.equal(q0! + q1!, recv.rxPackets, `${row.case_key}: every frame counted on a queue`);
    if (row.case_key.includes('/veth/'))
      assert.ok(q0! - q1! === 0 || q0! - q1! === 1, `${row.case_key}: flow t on queue t mod 2: ${q0} and ${q1}`);
    else assert.ok(q0! > 0 && q1! > 0, `${row.case_key}: both queues: ${q0} and ${q1}`);
  }
  assertNoLeaks(before);
});

test('queues: [2] in a tester and a chain through linux-bridge: the forwarder and the tester poll both queues of each port', {
  skip: !appBackends().backends.includes('af-xdp') && 'nfvperf-app was built without af-xdp',
}, async () => {
  const before = hostState();
  const { out, summary } = await runPlan(
    'name: queues-layouts\nswitches: [linux-bridge]\nbackends: [af-xdp]\nlayout: [tester, chain]\nchainLength: [1]\n' +
      'flows: [64]\nqueues: [2]\nrates: [20000]\nbursts: [16]\nduration: 2\nwarmup: 1\ncooldown: 0\n',
    { args: ['--plain'], timeoutMs: 300_000 },
  );
  assert.deepEqual(
    summary.cases.map((c) => [c.status, c.queues]),
    [
      ['ok', 2],
      ['ok', 2],
    ],
  );
  const db = join(out, 'results.sqlite');
  assertRunTotals(db);
  const rows = appSummaries(db, 'throughput');
  assert.deepEqual(rows.map((r) => r.role).sort(), ['forwarder', 'tester', 'tester']);
  for (const row of rows) {
    const s = JSON.parse(row.summary_json) as SummaryLine;
    const [q0, q1] = s.rxQueuePackets ?? [];
    assert.equal(q0! + q1!, s.rxPackets, `${row.case_key} ${row.role}: every frame counted on a queue`);
    assert.ok(q0! > 0 && q1! > 0, `${row.case_key} ${row.role}: both queues: ${q0} and ${q1}`);
  }
  assertNoLeaks(before);
});
