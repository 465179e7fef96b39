// Layouts planned without touching the host: which apps hold which ports, which core each busy
// thread gets, and the argv each two-port app is started with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandPlan, type Case } from '../../src/plan/expand.js';
import { parsePlan } from '../../src/plan/load.js';
import { appArgs, appLaunches } from '../../src/runner/app-argv.js';
import { planCpus } from '../../src/runner/case.js';
import type { Endpoint } from '../../src/runner/network.js';
import { appOfPort, busyThreads, caseTopology, type PortRef } from '../../src/runner/topology.js';
import { macFor, addressFor } from '../../src/testbed/names.js';

function caseOf(yaml: string): Case {
  return expandPlan(parsePlan(`name: a\nduration: 1\nwarmup: 0\ncooldown: 0\n${yaml}\n`).plan)[0]!;
}

/** Each app as `role pair: tx-port [rx-port]`, ports written `s3` (side, link). */
function described(c: Case): string[] {
  const port = (p?: PortRef) => (p ? `${p.side}${p.link}` : '');
  return caseTopology(c).apps.map((a) => `${a.label}: ${port(a.port)} ${port(a.rxPort)}`.trim());
}

test('pairs: a sender and a receiver per pair, one link each (as always)', () => {
  const c = caseOf('pairs: 2');
  assert.equal(caseTopology(c).links, 2);
  assert.deepEqual(described(c), ['sender 0: s0', 'receiver 0: r0', 'sender 1: s1', 'receiver 1: r1']);
  assert.deepEqual(described(caseOf('dimension: latency')), ['client 0: s0', 'server 0: r0']);
});

test('tester: one app per pair holding both ends of its link', () => {
  const c = caseOf('layout: tester\npairs: 2');
  assert.equal(caseTopology(c).links, 2);
  assert.deepEqual(described(c), ['tester 0: s0 r0', 'tester 1: s1 r1']);
});

test('chain: tester → forwarder 1 → … → forwarder N → tester, N + 1 links per chain', () => {
  const c = caseOf('layout: chain\nchainLength: 2\nchains: 2');
  const t = caseTopology(c);
  assert.equal(t.links, 6);
  assert.deepEqual(described(c), [
    'tester 0: s0 r2',
    'forwarder 0.1: s1 r0',
    'forwarder 0.2: s2 r1',
    'tester 1: s3 r5',
    'forwarder 1.1: s4 r3',
    'forwarder 1.2: s5 r4',
  ]);
  // Every port is held by exactly one app: the LXC cpuset and the neighbour entries follow from it.
  const held = t.apps.flatMap((a) => [a.port, a.rxPort!]).map((p) => `${p.side}${p.link}`);
  assert.equal(new Set(held).size, 2 * t.links);
  assert.equal(appOfPort(t, { side: 'r', link: 4 }), 5);
  assert.deepEqual(
    t.apps.map((a) => [a.role, a.pair, a.origin]),
    [
      ['tester', 0, true],
      ['forwarder', 0, false],
      ['forwarder', 1, false],
      ['tester', 1, true],
      ['forwarder', 2, false],
      ['forwarder', 3, false],
    ],
  );
});

test('busy threads: one per app, plus the switch pollers', () => {
  assert.equal(busyThreads(caseOf('layout: tester\nswitches: [ovs]\nbackends: [dpdk]')), 2);
  assert.equal(busyThreads(caseOf('switches: [ovs]\nbackends: [dpdk]')), 3);
  assert.equal(busyThreads(caseOf('layout: chain\nchainLength: 3')), 4);
});

test('CPUs: a tester through a polling switch on 2 cores gets one core, the PMD the other, nothing shared', () => {
  const machine = { cores: [0, 1], online: [0, 1] };
  const c = caseOf('layout: tester\nswitches: [ovs]\nbackends: [dpdk]');
  assert.deepEqual(planCpus(c, [{ sides: ['s', 'r'] }], [machine]), {
    apps: [0],
    switchByHost: [[1]],
    shared: false,
  });
  const chain = caseOf('layout: chain\nchainLength: 2');
  assert.deepEqual(planCpus(chain, [{ sides: ['s', 'r'] }], [machine]), {
    apps: [0, 1, 0],
    switchByHost: [[]],
    shared: true,
  });
});

/** A container as buildNetwork returns it: netns-named, addressed and MAC'd from its link. */
function endpoint(c: Case, p: PortRef): Endpoint {
  const dpdk = c.backend === 'dpdk';
  return {
    side: p.side,
    pair: p.link,
    netns: `nfp-abcd-${p.side}${p.link}`,
    ip: addressFor(p.side, p.link),
    mac: macFor('abcd', p.side, p.link, 'container'),
    ...(dpdk ? {} : { ifname: 'eth0' }),
    port: dpdk
      ? { kind: 'vhost-user', socketPath: `/run/nfvperf/x/${p.side}${p.link}.sock`, server: true }
      : { kind: 'kernel', ifname: 'eth0' },
    filePrefix: `nfpabcd${p.side}${p.link}`,
  };
}

function argv(c: Case): string[][] {
  const t = caseTopology(c);
  const cpus = planCpus(c, [{ sides: ['s', 'r'] }], [{ cores: [0, 1, 2, 3], online: [0, 1, 2, 3] }], t);
  return appLaunches(t, (p) => endpoint(c, p), cpus, { rate: 1000, seconds: 1 }).map((a) => [a.role, ...appArgs(c, a)]);
}

test('argv: a udp tester sends from its s port to its r port, each opened in its own namespace', () => {
  assert.deepEqual(argv(caseOf('layout: tester\nbackends: [udp]\nrates: [1000]')), [
    [
      'tester',
      ...['--backend', 'udp', '--size', '64', '--burst', '32', '--flow', '0'],
      ...['--local', '198.18.0.1:7000', '--rx-local', '198.18.0.2:7001'],
      ...['--netns', '/run/netns/nfp-abcd-s0', '--rx-netns', '/run/netns/nfp-abcd-r0'],
      ...['--remote', '198.18.0.2:7001', '--rate', '1000', '--duration', '1', '--cpu', '0'],
    ],
  ]);
});

test('argv: a forwarder receives on its r port and sends to the next hop from its s port, with no rate', () => {
  const [tester, forwarder] = argv(caseOf('layout: chain\nbackends: [raw]'));
  assert.deepEqual(tester!.slice(tester!.indexOf('--remote'), tester!.indexOf('--remote') + 2), [
    '--remote',
    '198.18.0.2:7001',
  ]);
  assert.ok(tester!.includes('--rx-netns') && tester![tester!.indexOf('--rx-netns') + 1] === '/run/netns/nfp-abcd-r1');
  assert.deepEqual(forwarder, [
    'forwarder',
    ...['--backend', 'raw', '--size', '64', '--burst', '32'],
    ...['--ifname', 'eth0', '--remote-mac', macFor('abcd', 'r', 1, 'container'), '--rx-ifname', 'eth0'],
    ...['--local', '198.18.1.1:7000', '--rx-local', '198.18.0.2:7001'],
    ...['--netns', '/run/netns/nfp-abcd-s1', '--rx-netns', '/run/netns/nfp-abcd-r0'],
    ...['--remote', '198.18.1.2:7001', '--cpu', '1'],
  ]);
});

test('argv: a dpdk tester opens its two ports as two devices of one EAL', () => {
  const [tester] = argv(caseOf('layout: tester\nswitches: [ovs]\nbackends: [dpdk]'));
  const value = (flag: string) => tester![tester!.indexOf(flag) + 1];
  assert.match(value('--vdev')!, /^virtio_user0,path=\/run\/nfvperf\/x\/s0\.sock,/);
  assert.match(value('--rx-vdev')!, /^virtio_user1,path=\/run\/nfvperf\/x\/r0\.sock,/);
  assert.equal(value('--file-prefix'), 'nfpabcds0');
  assert.equal(value('--rx-local-mac'), macFor('abcd', 'r', 0, 'container'));
  assert.equal(tester!.filter((v) => v === '--file-prefix').length, 1);
});
