// The dpdk backend against dpdk-testpmd on one vhost-user socket (testpmd on net_vhost, the app on
// virtio_user), and the app's wait for a link: frames the app sends are counted by testpmd exactly,
// testpmd's frames (no nfvperf header) are foreign to the app, and without a peer the app prints
// no start line and a signal ends its wait. Everything with --no-huge: no hugepages are touched.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppProcess } from '../../src/apps/app.js';
import { ensureRunDir, runPath } from '../../src/testbed/rundir.js';
import { variantSkipReason } from '../helpers/app-pair.js';
import { vethPair, type VethPair } from '../helpers/veth-pair.js';
import { Testpmd } from '../../bench/testpmd.js';
import { assertDpdkClean, dpdkHostState, dpdkSkipReason, type DpdkHostState } from '../switches/dpdk-helpers.js';

const skip = variantSkipReason('dpdk/vhost-user') ?? dpdkSkipReason();
const TESTPMD_EAL = ['--no-huge', '--no-shconf'];
const RECEIVER_MAC = '02:00:00:00:00:02';
let pair: VethPair;
let dpdkBefore: DpdkHostState;
let socket: string;

before(async () => {
  dpdkBefore = dpdkHostState();
  pair = await vethPair(); // for its ledger and run directory; the apps need no namespace
  socket = `${await ensureRunDir(pair.resources, runPath(pair.names.token))}/vhost.sock`;
});

after(async () => {
  await pair.close();
  assertDpdkClean(dpdkBefore);
});

/** The app's dpdk arguments on the virtio_user side of the socket. */
function appArgs(prefix: string): string[] {
  return [
    '--backend',
    'dpdk',
    '--no-huge',
    '--file-prefix',
    `nfp${pair.names.token}${prefix}`,
    '--cpu',
    '0',
    '--vdev',
    `virtio_user0,path=${socket},queues=1`,
  ];
}

function testpmd(mode: string): Testpmd {
  return new Testpmd(undefined, {
    cpu: 1,
    filePrefix: `nfp${pair.names.token}tp`,
    vdev: `net_vhost0,iface=${socket},queues=1`,
    mode,
    extraEal: TESTPMD_EAL,
  });
}

test('dpdk send → testpmd rxonly: testpmd counts exactly what the app sent', { skip }, async () => {
  const rx = testpmd('rxonly');
  try {
    await rx.ready();
    const send = new AppProcess({
      role: 'send',
      label: 'sender',
      pair: 0,
      args: [
        ...appArgs('s'),
        '--local',
        '198.18.0.1:7000',
        '--remote',
        '198.18.0.2:7001',
        '--local-mac',
        '02:00:00:00:00:01',
        '--remote-mac',
        RECEIVER_MAC,
        '--rate',
        '2000',
        '--count',
        '200',
      ],
    });
    assert.ok(await send.waitExit(20_000), 'the sender stops after --count');
    assert.equal(send.exitCode, 0, send.stderr);
    assert.equal(send.summary?.txPackets, 200);
    await new Promise((r) => setTimeout(r, 1200)); // one more statistics period
  } finally {
    await rx.stop();
  }
  assert.equal(rx.totals().rx, 200, rx.output.slice(-1500));
});

test('testpmd txonly → dpdk recv: frames arrive, all foreign (no nfvperf header)', { skip }, async () => {
  const tx = testpmd('txonly');
  // testpmd's frames go to 02:00:00:00:00:00, 198.18.0.2:9.
  const recv = new AppProcess({
    role: 'recv',
    label: 'receiver',
    pair: 0,
    args: [...appArgs('r'), '--local', '198.18.0.2:9', '--local-mac', '02:00:00:00:00:00', '--interval-ms', '100'],
  });
  try {
    await recv.waitReady(20_000);
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await recv.stop();
    await tx.stop();
  }
  assert.equal(recv.exitCode, 0, recv.stderr);
  assert.equal(recv.summary?.rxPackets, 0);
  assert.ok((recv.summary?.foreign ?? 0) > 0, `foreign: ${recv.summary?.foreign}`);
});

test('dpdk recv without a peer: no start line while the link is down; SIGTERM ends the wait, exit 1, saying why', {
  skip,
}, async () => {
  const recv = new AppProcess({
    role: 'recv',
    label: 'receiver',
    pair: 0,
    args: [...appArgs('r'), '--local', '198.18.0.2:7001', '--local-mac', RECEIVER_MAC],
  });
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(recv.start, undefined, 'no start line');
  assert.ok(recv.running, 'still waiting for the link');
  await recv.stop();
  assert.equal(recv.exitCode, 1);
  assert.match(recv.stderr, /stopped by a signal while waiting for/);
});
