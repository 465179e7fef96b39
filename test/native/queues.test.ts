// Multi-queue ports (--queues), for real: a veth pair whose ends have two receive and two
// transmit queues. A sender puts tuple t on transmit queue t mod 2; a veth delivers a frame to
// its peer's receive queue of the same number when the peer runs XDP (af-xdp), so the receiver's
// per-queue counts are exact there; net_af_packet's fanout hashes each flow to one socket, so
// with 64 flows both queues carry frames (all on one queue has odds 2^-63). Every frame must
// arrive whichever queue it took: a receiver polls all of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appBinary } from '../../src/apps/app.js';
import type { SummaryLine } from '../../src/apps/protocol.js';
import { LISTEN_PORT, runPair, variantSkipReason, type Variant } from '../helpers/app-pair.js';
import { vethPairForFile } from '../helpers/veth-pair.js';

const pair = vethPairForFile({ queues: 2 });
const COUNT = 300;

async function sendRecv(variant: Variant, flows: number, queues = 2) {
  const run = await runPair(pair, variant, 'send-recv', COUNT, {
    queues,
    connector: ['--flows', String(flows), '--rate', '5000', '--count', String(COUNT)],
  });
  return { send: run.connectorSummary, recv: run.listenerSummary, start: run.listener.start };
}

/** Every frame received once, none lost, duplicated, corrupt or foreign. */
function assertWhole(send: SummaryLine, recv: SummaryLine) {
  assert.equal(send.txPackets, COUNT);
  assert.deepEqual(
    [recv.rxPackets, recv.lost, recv.duplicates, recv.corrupt, recv.foreign],
    [COUNT, 0, 0, 0, 0],
    JSON.stringify(recv),
  );
}

for (const [flows, perQueue] of [
  [2, [150, 150]],
  [3, [200, 100]], // tuples 0 and 2 on queue 0, tuple 1 on queue 1
] as const) {
  test(`af-xdp, --queues 2, --flows ${flows}: every frame received, ${perQueue.join(' and ')} on the two receive queues`, {
    skip: variantSkipReason('af-xdp'),
  }, async () => {
    const { send, recv, start } = await sendRecv('af-xdp', flows);
    assertWhole(send, recv);
    assert.equal(start?.queues, 2, 'the start line says queues');
    assert.deepEqual(recv.rxQueuePackets, perQueue);
  });
}

test('af-xdp, --queues 2, one flow: everything on queue 0', { skip: variantSkipReason('af-xdp') }, async () => {
  const { send, recv } = await sendRecv('af-xdp', 1);
  assertWhole(send, recv);
  assert.deepEqual(recv.rxQueuePackets, [COUNT, 0]);
});

test('dpdk over net_af_packet qpairs=2, --flows 64: every frame received, both receive queues carry frames', {
  skip: variantSkipReason('dpdk/af-packet'),
}, async () => {
  const { send, recv } = await sendRecv('dpdk/af-packet', 64);
  assertWhole(send, recv);
  const [q0, q1] = recv.rxQueuePackets ?? [];
  assert.equal(recv.rxQueuePackets?.length, 2);
  assert.ok(q0! > 0 && q1! > 0, `both queues: ${q0} and ${q1}`);
  assert.equal(q0! + q1!, COUNT);
});

// virtio_user's transmit queue q feeds net_vhost's receive queue q; memif's queues pair up the same
// way: exact counts again.
for (const variant of ['dpdk/vhost-user', 'dpdk/memif'] as const) {
  test(`${variant}, --queues 2, --flows 2: every frame received, 150 on each queue`, {
    skip: variantSkipReason(variant),
  }, async () => {
    const { send, recv } = await sendRecv(variant, 2);
    assertWhole(send, recv);
    assert.deepEqual(recv.rxQueuePackets, [150, 150]);
  });
}

const BAD_QUEUES: [string[], RegExp][] = [
  [
    ['--backend', 'udp', '--queues', '2'],
    /--queues: only for the backends whose ports have several queues \(af-xdp, dpdk\), not --backend udp/,
  ],
  [['--backend', 'raw', '--ifname', 'lo', '--queues', '2'], /--queues: only for .* not --backend raw/],
  [['--backend', 'af-xdp', '--ifname', 'lo', '--queues', '0'], /--queues: expected an integer 1\.\.8, got '0'/],
  [['--backend', 'af-xdp', '--ifname', 'lo', '--queues', '9'], /--queues: expected an integer 1\.\.8, got '9'/],
  [['--backend', 'af-xdp', '--ifname', 'lo', '--queues', '2', '--blocking'], /--blocking: not with --queues 2/],
];

for (const [argv, message] of BAD_QUEUES) {
  test(`nfvperf-app recv ${argv.join(' ')} exits 2 naming --queues`, () => {
    const r = spawnSync(appBinary(), ['recv', '--local', `198.18.0.1:${LISTEN_PORT}`, ...argv], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  });
}

test('af-xdp --queues 4 on an interface with 2 queues exits 1 saying how to make one with 4', {
  skip: variantSkipReason('af-xdp'),
}, () => {
  const args = ['recv', '--backend', 'af-xdp', '--local', `${pair.receiver.ip}:${LISTEN_PORT}`, '--ifname', 'eth0'];
  const r = spawnSync('ip', ['netns', 'exec', pair.receiver.netns, appBinary(), ...args, '--queues', '4'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /--queues 4: --ifname eth0 has 2 receive and 2 transmit queues .*numrxqueues 4/);
});
