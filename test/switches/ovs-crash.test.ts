// A switch that dies mid-case: OVS-DPDK's ovs-vswitchd is killed while traffic flows. The case
// fails naming the switch process, the run goes on to the next case, and everything — daemons,
// hugepages, run directories, namespaces — is torn down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appBackends } from '../../src/testbed/probes.js';
import type { Summary } from '../../src/store/summary.js';
import { tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { appPids, startRun } from '../helpers/spawn.js';
import { assertDpdkClean, dpdkHostState, dpdkSkipReason, livePids, ovsSkipReason } from './dpdk-helpers.js';

test('ovs-vswitchd killed mid-case: that case fails with the reason, the next one runs, nothing leaks', async (t) => {
  const skip = dpdkSkipReason() ?? ovsSkipReason()
    ?? (appBackends().backends.includes('dpdk') ? undefined : 'nfvperf-app was built without its dpdk backend');
  if (skip) { t.skip(skip); return; }
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  const dir = tempDir({ 'p.yaml': 'name: ovscrash\nswitches: [ovs]\nbackends: [dpdk]\nrates: [20000, 30000]\nduration: 3\nwarmup: 0\ncooldown: 0\n' });
  const out = join(dir, 'out');
  const run = startRun([join(dir, 'p.yaml'), '--out', out]);
  await run.waitFor(/running/, 60_000);
  let victim: number | undefined;
  for (let i = 0; i < 400 && victim === undefined; i++) {
    const vswitchd = livePids(['ovs-vswitchd', 'ovs-vswitchd-dp']).filter((p) => !dpdkBefore.daemons.includes(p));
    if (vswitchd.length === 1 && appPids('send').length > 0) victim = vswitchd[0];
    else await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(victim, 'ovs-vswitchd and the sender are running');
  process.kill(victim, 'SIGKILL');
  assert.equal(await run.exit(), 1, run.output());
  const cases = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary).cases;
  assert.equal(cases[0]!.status, 'failed');
  assert.match(cases[0]!.error!, /switch process ovs-vswitchd \(pid \d+\) died during the case/);
  assert.equal(cases[1]!.status, 'ok', cases[1]!.error);
  assertNoLeaks(before);
  assertDpdkClean(dpdkBefore);
});
