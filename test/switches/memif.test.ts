// memif for real through the CLI: pairs of nfvperf-app (dpdk backend) joined by their own memif
// links. memif drops nothing the receiver polls for, so at a modest rate the whole-run counts
// match exactly; then nothing is left (no socket directory, hugetlbfs mount or page files, the
// hugepage count as found).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appBackends } from '../../src/testbed/probes.js';
import { hugetlbfsMount } from '../../src/testbed/hugepages.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { runPlan } from '../helpers/cli.js';
import { assertEveryEchoMatched, pairTotals } from '../helpers/results.js';
import { assertDpdkClean, dpdkHostState, dpdkSkipReason } from './dpdk-helpers.js';

const skip = () =>
  dpdkSkipReason() ??
  (appBackends().backends.includes('dpdk')
    ? undefined
    : 'nfvperf-app was built without its dpdk backend (npm run build with libdpdk-dev)');

const run = (plan: string) => runPlan(plan, { args: ['--plain'], timeoutMs: 180_000 });

test('memif: 1vs1 and 2vs2 throughput deliver every packet sent, torn down', async (t) => {
  const why = skip();
  if (why) {
    t.skip(why);
    return;
  }
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  const mountBefore = hugetlbfsMount();
  const { out, summary } = await run(
    'name: memif\nswitches: [memif]\npairs: [1, 2]\nbackends: [dpdk]\nrates: [50000]\nduration: 2\nwarmup: 0\ncooldown: 0\n',
  );
  assert.deepEqual(
    summary.cases.map((c) => [c.switch, c.pairs, c.status, c.error ?? null]),
    [
      ['memif', 1, 'ok', null],
      ['memif', 2, 'ok', null],
    ],
  );
  const totals = pairTotals(join(out, 'results.sqlite'));
  assert.equal(totals.size, 3, 'one pair, then two');
  for (const [key, { tx, rx, lost }] of totals) {
    t.diagnostic(`${key}: sent ${tx}, received ${rx}`);
    assert.ok(tx! > 0, `${key}: the sender sent`);
    assert.equal(rx, tx, `${key}: received exactly what was sent`);
    assert.equal(lost, 0, `${key}: no sequence gap`);
  }
  assertNoLeaks(before);
  assertDpdkClean(dpdkBefore);
  assert.equal(hugetlbfsMount(), mountBefore, 'the run unmounted its hugetlbfs');
});

test('memif: a latency case matches every echo', async (t) => {
  const why = skip();
  if (why) {
    t.skip(why);
    return;
  }
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  const { out, summary } = await run(
    'name: memiflat\ndimension: latency\nswitches: [memif]\nbackends: [dpdk]\nrates: [2000]\nbursts: [1]\nduration: 2\nwarmup: 0\ncooldown: 0\n',
  );
  assertEveryEchoMatched(t, out, summary, 'memif');
  assertNoLeaks(before);
  assertDpdkClean(dpdkBefore);
});
