// ovs (OVS-DPDK) and basicfwd through the real CLI with the app's dpdk backend: 1vs1, 2 s each,
// packets delivered, and nothing left (no daemon, hugepage count as found, no run directory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appBackends } from '../../src/testbed/probes.js';
import type { Summary } from '../../src/store/summary.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertRunTotals } from '../helpers/results.js';
import { assertDpdkClean, dpdkHostState, dpdkSkipReason, ovsSkipReason } from './dpdk-helpers.js';

test('ovs and basicfwd deliver 1vs1 with the dpdk backend through the CLI', async (t) => {
  const skip =
    dpdkSkipReason() ??
    ovsSkipReason() ??
    (appBackends().backends.includes('dpdk')
      ? undefined
      : 'nfvperf-app was built without its dpdk backend (npm run build with libdpdk-dev)');
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  const dir = tempDir({
    'plan.yaml': `name: dpdkswitches
switches: [ovs, basicfwd]
pairs: [1]
backends: [dpdk]
rates: [50000]
duration: 2
warmup: 0
cooldown: 0
`,
  });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--out', out, '--plain'], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.deepEqual(
    summary.cases.map((c) => c.switch),
    ['ovs', 'basicfwd'],
  );
  for (const c of summary.cases) {
    assert.equal(c.status, 'ok', `${c.id}: ${c.error}`);
    const tp = c.throughput!;
    t.diagnostic(`${c.switch} dpdk 1vs1 at 50 kpps: tx ${Math.round(tp.txPps)} pps, rx ${Math.round(tp.rxPps)} pps`);
    assert.ok(tp.rxPps > 0, `${c.id}: packets arrived`);
  }
  // rx ≤ tx on the apps' run totals: per window, a loaded machine moves queued packets across the edges.
  assertRunTotals(join(out, 'results.sqlite'));
  assertNoLeaks(before);
  assertDpdkClean(dpdkBefore);
});
