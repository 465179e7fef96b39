// A switch that dies mid-case: OVS-DPDK's ovs-vswitchd is killed while traffic flows. The case
// fails naming the switch process, the run goes on to the next case, and everything — daemons,
// hugepages, run directories, namespaces — is torn down.
import { test } from 'node:test';
import { appBackends } from '../../src/testbed/probes.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { assertDpdkClean, dpdkHostState, dpdkSkipReason, killSwitchMidRun, ovsSkipReason } from './dpdk-helpers.js';

test('ovs-vswitchd killed mid-case: that case fails with the reason, the next one runs, nothing leaks', async (t) => {
  const skip =
    dpdkSkipReason() ??
    ovsSkipReason() ??
    (appBackends().backends.includes('dpdk') ? undefined : 'nfvperf-app was built without its dpdk backend');
  if (skip) {
    t.skip(skip);
    return;
  }
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  await killSwitchMidRun(
    'name: ovscrash\nswitches: [ovs]\nbackends: [dpdk]\nrates: [20000, 30000]\nduration: 3\nwarmup: 0\ncooldown: 0\n',
    ['ovs-vswitchd', 'ovs-vswitchd-dp'],
    'ovs-vswitchd',
  );
  assertNoLeaks(before);
  assertDpdkClean(dpdkBefore);
});
