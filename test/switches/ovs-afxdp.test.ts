// ovs-afxdp through the real CLI: a private OVS (netdev datapath) with the containers' veths as
// AF_XDP ports, kernel UDP apps at both ends; then nothing left (no daemon, no tap, no run dir).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/store/summary.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertRunTotals } from '../helpers/results.js';
import { assertDpdkClean, dpdkHostState, ovsSkipReason } from './dpdk-helpers.js';

test('ovs-afxdp delivers 1vs1 through the CLI and leaves no OVS behind', async (t) => {
  const skip = process.getuid?.() !== 0 ? 'needs root' : ovsSkipReason();
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  const dir = tempDir({
    'plan.yaml': `name: ovsafxdp
switches: [ovs-afxdp]
pairs: [1]
backends: [udp-mmsg]
rates: [20000]
duration: 1
warmup: 0
cooldown: 0
`,
  });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--out', out, '--plain']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  const c = summary.cases[0]!;
  assert.equal(c.status, 'ok', c.error ?? '');
  const tp = c.throughput!;
  t.diagnostic(`ovs-afxdp 1vs1 at 20 kpps: tx ${tp.txPps} pps, rx ${tp.rxPps} pps, loss ${tp.lossRatio}`);
  assert.ok(tp.rxPps > 0, `packets arrived through OVS (${tp.rxPps} pps)`);
  // rx ≤ tx on the apps' run totals: per window, a loaded machine moves queued packets across the edges.
  assertRunTotals(join(out, 'results.sqlite'));
  assertNoLeaks(before);
  assertDpdkClean(dpdkBefore);
});
