// Every malformed plan, through the real executable: exit 2, the located diagnostic, and nothing
// changed on the host (no namespace, link, process, ledger, nor output directory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { MALFORMED_SCHEMA } from '../fixtures/malformed-plans.js';
import { readTopology } from '../../src/testbed/cpus.js';

/** This host's physical cores: what a tester or chain case's busy threads are checked against. */
const CORES = readTopology().cores.length;

/** Plans that are well-formed but impossible here: refused after validation, before set-up. */
const IMPOSSIBLE: [string, string, string][] = [
  [
    'a switch that cannot run here',
    'name: a\nswitches: [vale]\n',
    'plan.yaml:2:12 switches[0]: switch vale is unavailable here: no netmap module',
  ],
  [
    'a backend the switch cannot carry',
    'name: a\nbackends: [dpdk]\n',
    'plan.yaml:2:12 backends[0]: backend dpdk cannot be used with switch linux-bridge',
  ],
  [
    'the remote locality without a testbed',
    'name: a\nlocality: remote\n',
    'plan.yaml:2:11 locality: locality remote needs a testbed file naming the two hosts',
  ],
  [
    'a local-only switch in a remote plan',
    'name: a\nlocality: remote\ntestbed: lab.yaml\nswitches: [veth]\n',
    'plan.yaml:4:12 switches[0]: switch veth is local-only',
  ],
  [
    'blocking with the dpdk backend',
    'name: a\nbackends: [dpdk]\nmodes: [polling, blocking]\n',
    'plan.yaml:3:18 modes[1]: mode blocking cannot be used with backend dpdk',
  ],
  [
    'a two-thread client in a throughput plan',
    'name: a\nclientThreads: [1, 2]\n',
    'plan.yaml:2:20 clientThreads[1]: a two-thread client is for dimension: latency',
  ],
  [
    'a window in a throughput plan',
    'name: a\ninflight: 1\n',
    'plan.yaml:2:11 inflight: inflight limits the echoes a client awaits: it is for dimension: latency',
  ],
  [
    'a window with a two-thread client',
    'name: a\ndimension: latency\nclientThreads: [2]\ninflight: 1\n',
    'plan.yaml:4:11 inflight: inflight is counted where echoes are matched',
  ],
  [
    'one-way latency across hosts',
    'name: a\nlocality: remote\ntestbed: lab.yaml\noneWayLatency: true\n',
    'plan.yaml:4:16 oneWayLatency: one-way latency needs sender and receiver on one clock',
  ],
  [
    'latency runs of a search in a latency plan',
    'name: a\ndimension: latency\nsearch:\n  maxRatePps: 1e6\n  latency: {}\n',
    'plan.yaml:5:12 search.latency: one-way latency is measured by receivers of dimension: throughput',
  ],
  [
    'flows with a socket-bound backend',
    'name: a\nflows: [1, 1000]\n',
    'plan.yaml:2:12 flows[1]: flows 1000 cannot be sent by backend udp-mmsg: a kernel UDP socket sends from its one bound address and port',
  ],
  [
    'queues with a backend whose ports have one queue',
    'name: a\nswitches: [veth]\nbackends: [af-xdp, raw]\nflows: [4]\nqueues: [1, 2]\n',
    'plan.yaml:5:13 queues[1]: queues 2 cannot be used with backend raw: its ports have one queue; use af-xdp, dpdk, or queues: [1]',
  ],
  [
    'queues through a switch that cannot give them',
    'name: a\nswitches: [linux-bridge, ovs-afxdp]\nbackends: [af-xdp]\nflows: [4]\nqueues: [2]\n',
    'plan.yaml:5:10 queues[0]: queues 2: switch ovs-afxdp cannot give a port several queues (switches that can: linux-bridge, veth)',
  ],
  [
    'queues in a latency plan',
    'name: a\ndimension: latency\nbackends: [af-xdp]\nqueues: [2]\n',
    'plan.yaml:4:10 queues[0]: queues above 1 are for dimension: throughput',
  ],
  [
    'a frame-size mix in a latency plan',
    'name: a\ndimension: latency\npacketSizes: [64, imix]\n',
    'plan.yaml:3:19 packetSizes[1]: a frame-size mix is for dimension: throughput',
  ],
  [
    'a testbed file for a local plan',
    'name: a\ntestbed: lab.yaml\n',
    'plan.yaml:2:10 testbed: a testbed file is used only with locality: remote',
  ],
  [
    'more cases than a run may hold',
    `name: a\nrepetitions: 1000\nbursts: [${[...Array(11).keys()].map((i) => i + 1).join(', ')}]\npacketSizes: [${[...Array(10).keys()].map((i) => i + 60).join(', ')}]\n`,
    'plan.yaml:1:1: the plan expands to 110,000 cases, more than the 100,000 one run may hold',
  ],
  [
    'a chain length without layout chain',
    'name: a\nlayout: tester\nchainLength: 2\n',
    'plan.yaml:3:14 chainLength: chainLength sizes the chains of layout chain, which this plan does not use',
  ],
  [
    'chains without layout chain',
    'name: a\nchains: [1, 2]\n',
    'plan.yaml:2:9 chains: chains sizes the chains of layout chain',
  ],
  [
    'pairs with layout chain',
    'name: a\nlayout: [pairs, chain]\npairs: [1, 2]\n',
    'plan.yaml:3:12 pairs[1]: layout chain has one tester per chain: set the number of chains with `chains`',
  ],
  [
    'a tester in a latency plan',
    'name: a\ndimension: latency\nlayout: [pairs, tester]\n',
    'plan.yaml:3:17 layout[1]: layout tester is for dimension: throughput',
  ],
  [
    'a chain in a remote plan',
    'name: a\nlocality: remote\ntestbed: lab.yaml\nlayout: chain\n',
    'plan.yaml:4:9 layout: layout chain runs only with locality: local',
  ],
  [
    'a tester in blocking mode',
    'name: a\nlayout: tester\nmodes: [blocking]\n',
    'plan.yaml:3:9 modes[0]: mode blocking cannot be used with layout tester',
  ],
  [
    'a tester over a direct memif link',
    'name: a\nlayout: tester\nswitches: [memif]\nbackends: [dpdk]\n',
    'plan.yaml:3:12 switches[0]: switch memif links two apps directly',
  ],
  [
    'chains longer than the host has cores for, without cpuShared',
    `name: a\nlayout: chain\nchainLength: ${CORES + 1}\n`,
    `plan.yaml:2:9 layout: layout 1chain${CORES + 1} through linux-bridge has ${CORES + 2} busy threads`,
  ],
];

test(`${MALFORMED_SCHEMA.length + IMPOSSIBLE.length} malformed or impossible plans exit 2 with a located message and change nothing`, async () => {
  const before = hostState();
  const dir = tempDir();
  const failures: string[] = [];
  for (const [what, text, expected] of [...MALFORMED_SCHEMA, ...IMPOSSIBLE]) {
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, text);
    const out = join(dir, 'out');
    const r = await nfvperf(['run', plan, '--out', out]);
    const lines = r.stderr.split('\n').map((l) => l.replace(`${dir}/`, ''));
    if (r.code !== 2) failures.push(`${what}: exit ${r.code}: ${r.stderr}`);
    else if (!lines.some((l) => l.startsWith(expected)))
      failures.push(`${what}: expected ${expected}, got ${r.stderr}`);
    else if (existsSync(out)) failures.push(`${what}: created ${out}`);
  }
  assert.deepEqual(failures, []);
  assertNoLeaks(before);
});
