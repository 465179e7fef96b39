// The ovs driver for real: a private OVS-DPDK (netdev datapath, learning bridge), two containers on
// dpdkvhostuserclient ports, dpdk-testpmd as their apps (txonly → macswap, so both MACs are seen),
// then read-back (fdb/show, port counters, PMD threads) and nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ovs, type OvsInstance } from '../../src/switches/ovs.js';
import { connectPair } from '../../src/switches/types.js';
import { readTopology } from '../../src/testbed/cpus.js';
import { createContainer } from '../../src/testbed/netns.js';
import { pollUntil } from '../../src/switches/readback.js';
import { startTestpmdPair, type Testpmd } from '../../bench/testpmd.js';
import { dpdkSkipReason, ovsSkipReason, switchTestRun } from './dpdk-helpers.js';

test('ovs: testpmd txonly → macswap through an OVS-DPDK learning bridge, read back, torn down', async (t) => {
  const skip = dpdkSkipReason() ?? ovsSkipReason();
  if (skip) {
    t.skip(skip);
    return;
  }
  const run = switchTestRun();
  const { names, resources } = run;
  const apps: Testpmd[] = [];
  const cpus = readTopology().online;
  const pmdCpu = cpus.at(-1)!;
  try {
    const sw = (await ovs.start({ names, resources, cpus: [pmdCpu] })) as OvsInstance;
    const s = await createContainer(resources, names, 's', 0);
    const r = await createContainer(resources, names, 'r', 0);
    const [sp, rp] = await connectPair(sw, s, r);
    assert.equal(sp.kind, 'vhost-user');
    assert.ok(
      sw.cpuThreads().some((th) => th.name.includes('pmd')),
      'a PMD thread is reported',
    );

    const { tx, rx } = await startTestpmdPair(
      names,
      { c: s, port: sp, cpu: cpus[0]! },
      { c: r, port: rp, cpu: cpus[0]! },
      apps,
      'macswap',
    );
    const sName = names.hostLink('s', 0);
    const rName = names.hostLink('r', 0);
    // Both MACs learned on the right ports once traffic flows both ways.
    await pollUntil(
      'fdb/show lists both MACs on their ports',
      async () => {
        const ifs = await sw.ovs.interfaces();
        const ofport = (n: string) => ifs.find((i) => i.name === n)?.ofport;
        const fdb = await sw.ovs.fdb(names.bridge);
        const at = (mac: string) => fdb.find((e) => e.mac === mac)?.port;
        return at(s.mac) === ofport(sName) && at(r.mac) === ofport(rName) ? true : JSON.stringify(fdb);
      },
      10_000,
    );
    // Counters while traffic flows: a vhost-user port's statistics vanish when its app goes, and
    // OVS writes them to its database every 5 s (stats-update-interval).
    let ifs = await sw.ovs.interfaces();
    await pollUntil(
      'OVS port counters moved',
      async () => {
        ifs = await sw.ovs.interfaces();
        const c = (n: string, k: string) => ifs.find((i) => i.name === n)?.statistics[k] ?? 0;
        return c(sName, 'rx_packets') > 0 && c(rName, 'tx_packets') > 0 && c(rName, 'rx_packets') > 0
          ? true
          : 'counters at 0';
      },
      12_000,
    );
    await tx.stop();
    await rx.stop();
    const stats = (n: string) => ifs.find((i) => i.name === n)!.statistics;
    assert.ok((stats(sName).rx_packets ?? 0) > 0, `OVS received from the sender: ${JSON.stringify(stats(sName))}`);
    assert.ok((stats(rName).tx_packets ?? 0) > 0, `OVS sent to the receiver: ${JSON.stringify(stats(rName))}`);
    assert.ok(
      (stats(rName).rx_packets ?? 0) > 0,
      `OVS received the receiver's echoes: ${JSON.stringify(stats(rName))}`,
    );
    const sent = tx.totals().tx;
    const got = rx.totals().rx;
    const brief = (n: string) => ({ rx: stats(n).rx_packets, tx: stats(n).tx_packets, txDropped: stats(n).tx_dropped });
    t.diagnostic(
      `testpmd: sent ${sent}, received ${got} through OVS; OVS ports ${JSON.stringify({ s: brief(sName), r: brief(rName) })}`,
    );
    assert.ok(sent > 0 && got > 0, `packets went through (sent ${sent}, received ${got})`);
    assert.ok(existsSync(`/run/nfvperf/${names.token}/ovs/conf.db`), 'the private database is in the run directory');
  } finally {
    for (const a of apps) await a.stop();
    await run.release();
  }
  run.assertClean();
});
