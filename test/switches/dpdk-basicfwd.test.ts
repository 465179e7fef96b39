// The basicfwd driver for real: nfvperf-basicfwd serving two vhost-user ports, dpdk-testpmd as the
// apps (txonly → rxonly through it), then nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { basicfwd, BASICFWD_BINARY } from '../../src/switches/basicfwd.js';
import { connectPair } from '../../src/switches/types.js';
import { readTopology } from '../../src/testbed/cpus.js';
import { createContainer } from '../../src/testbed/netns.js';
import { startTestpmdPair, type Testpmd } from '../../bench/testpmd.js';
import { dpdkSkipReason, switchTestRun } from './dpdk-helpers.js';

test('basicfwd: testpmd txonly → rxonly through the forwarder, torn down', async (t) => {
  const skip =
    dpdkSkipReason() ??
    (existsSync(BASICFWD_BINARY) ? undefined : `${BASICFWD_BINARY} is not built (npm run build with libdpdk-dev)`);
  if (skip) {
    t.skip(skip);
    return;
  }
  const run = switchTestRun();
  const { names, resources } = run;
  const apps: Testpmd[] = [];
  const cpus = readTopology().online;
  try {
    const sw = await basicfwd.start({ names, resources, cpus: [cpus.at(-1)!] });
    const s = await createContainer(resources, names, 's', 0);
    const r = await createContainer(resources, names, 'r', 0);
    const [sp, rp] = await connectPair(sw, s, r);
    assert.deepEqual(
      sw.cpuThreads().map((th) => th.name),
      ['nfvperf-basicfwd'],
    );
    const { tx, rx } = await startTestpmdPair(
      names,
      { c: s, port: sp, cpu: cpus[0]! },
      { c: r, port: rp, cpu: cpus[0]! },
      apps,
    );
    await new Promise((res) => setTimeout(res, 1500));
    await tx.stop();
    await new Promise((res) => setTimeout(res, 200));
    await rx.stop();
    const sent = tx.totals().tx;
    const got = rx.totals().rx;
    t.diagnostic(`testpmd through basicfwd: sent ${sent}, received ${got}`);
    assert.ok(sent > 0 && got > 0, `packets went through (sent ${sent}, received ${got})`);
    assert.ok(got <= sent);
  } finally {
    for (const a of apps) await a.stop();
    await run.release();
  }
  run.assertClean();
});
