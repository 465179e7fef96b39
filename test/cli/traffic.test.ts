// Frame-size mixes and flows through the CLI, for real: `packetSizes: [imix]` runs on every
// backend (the kernel ones over linux-bridge, dpdk over memif), the cases carry the mix and the
// flow count into their ids and summary.json, and Gbps are the real frames' bytes — a mean of
// (7·60 + 4·566 + 1514)/12 = 349.8 B per packet, not any one size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appBackends } from '../../src/testbed/probes.js';
import type { SummaryCase } from '../../src/store/summary.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { runPlan } from '../helpers/cli.js';
import { assertRunTotals, pairTotals } from '../helpers/results.js';
import { dpdkSkipReason } from '../switches/dpdk-helpers.js';

const IMIX_MEAN = (7 * 60 + 4 * 566 + 1514) / 12;
const IMIX = {
  label: 'imix',
  frames: [
    { size: 60, weight: 7 },
    { size: 566, weight: 4 },
    { size: 1514, weight: 1 },
  ],
};

const run = (plan: string) => runPlan(plan, { args: ['--plain'], timeoutMs: 300_000 });

/** The bytes per received packet a case's Gbps imply: an IMIX mean over a steady window of thousands of frames. */
function assertImixBytes(c: SummaryCase): void {
  assert.equal(c.status, 'ok', c.error);
  assert.deepEqual(c.sizeMix, IMIX);
  assert.equal(c.packetSize, 350, 'placed at the mean frame, rounded');
  const t = c.throughput!;
  assert.ok(t.rxPps > 0, `${c.id}: packets arrived`);
  const perPacket = (t.rxGbps * 1e9) / 8 / t.rxPps;
  assert.ok(Math.abs(perPacket - IMIX_MEAN) < 2, `${c.id}: ${perPacket} B per packet, IMIX mean ${IMIX_MEAN}`);
}

test('imix runs on udp, udp-mmsg, raw, raw-mmsg and af-xdp over linux-bridge; Gbps count the real frames', async () => {
  const before = hostState();
  const backends = ['udp', 'udp-mmsg', 'raw', 'raw-mmsg', 'af-xdp'].filter((b) => appBackends().backends.includes(b));
  const { out, summary } = await run(
    `name: imix\nswitches: [linux-bridge]\nbackends: [${backends.join(', ')}]\npacketSizes: [imix]\n` +
      'rates: [20000]\nbursts: [16]\nduration: 2\nwarmup: 1\ncooldown: 0\n',
  );
  assert.deepEqual(
    summary.cases.map((c) => c.id),
    backends.map((b) => `throughput/local/1vs1/linux-bridge/${b}/imix/20000pps/b16/r0`),
  );
  for (const c of summary.cases) {
    assertImixBytes(c);
    assert.equal(c.flows, 1);
  }
  assertRunTotals(join(out, 'results.sqlite'));
  assertNoLeaks(before);
});

test('flows: a raw-mmsg sender with flows [1, 100] runs both cases, named and stored with their flow count', async () => {
  const before = hostState();
  const { out, summary } = await run(
    'name: flows\nswitches: [linux-bridge]\nbackends: [raw-mmsg]\npacketSizes: [imix]\nflows: [1, 100]\n' +
      'rates: [20000]\nbursts: [16]\nduration: 2\nwarmup: 1\ncooldown: 0\n',
  );
  assert.deepEqual(
    summary.cases.map((c) => [c.id, c.flows]),
    [
      ['throughput/local/1vs1/linux-bridge/raw-mmsg/imix/20000pps/b16/r0', 1],
      ['throughput/local/1vs1/linux-bridge/raw-mmsg/imix/100flows/20000pps/b16/r0', 100],
    ],
  );
  for (const c of summary.cases) assertImixBytes(c);
  for (const [key, { tx, rx, lost }] of pairTotals(join(out, 'results.sqlite')))
    assert.deepEqual([rx, lost], [tx, 0], `${key}: every frame of every flow arrived, in sequence`);
  assertNoLeaks(before);
});

test('imix runs on the dpdk backend over memif, every frame delivered', async (t) => {
  const why =
    dpdkSkipReason() ??
    (appBackends().backends.includes('dpdk') ? undefined : 'nfvperf-app was built without its dpdk backend');
  if (why) {
    t.skip(why);
    return;
  }
  const before = hostState();
  const { out, summary } = await run(
    'name: imix-dpdk\nswitches: [memif]\nbackends: [dpdk]\npacketSizes: [imix]\nflows: [1, 1000]\nrates: [50000]\n' +
      'duration: 2\nwarmup: 1\ncooldown: 0\n',
  );
  assert.deepEqual(
    summary.cases.map((c) => c.flows),
    [1, 1000],
  );
  for (const c of summary.cases) assertImixBytes(c);
  for (const [key, { tx, rx, lost }] of pairTotals(join(out, 'results.sqlite')))
    assert.deepEqual([rx, lost], [tx, 0], `${key}: memif delivers every frame`);
  assertNoLeaks(before);
});
