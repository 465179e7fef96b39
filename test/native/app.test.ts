// The native app on its own, for real: two namespaces joined by a veth pair.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AppProcess, appBinary } from '../../src/apps/app.js';
import type { Container } from '../../src/testbed/netns.js';
import { vethPair, type VethPair } from '../helpers/veth-pair.js';

function app(args: string[]) {
  return spawnSync(appBinary(), args, { encoding: 'utf8', timeout: 10_000 });
}

const BAD_ARGUMENTS: [string[], RegExp][] = [
  [['fly'], /role/],
  [['recv'], /--local/],
  [['send', '--local', '198.18.0.1:1'], /--remote/],
  [['recv', '--local', '198.18.0.1:1', '--size', '59'], /--size/],
  [['recv', '--local', '198.18.0.1:1', '--size', '9001'], /--size/],
  [['send', '--local', '198.18.0.1:1', '--remote', '198.18.0.2:1', '--rate', '0'], /--rate/],
  [['send', '--local', '198.18.0.1:1', '--remote', '198.18.0.2:1', '--rate', '-5'], /--rate/],
  [['recv', '--local', '198.18.0.1:1', '--burst', '0'], /--burst/],
  [['recv', '--local', '198.18.0.1:1', '--burst', '1025'], /--burst/],
  [['recv', '--local', '198.18.0.1:1', '--backend', 'carrier-pigeon'], /--backend/],
  [['recv', '--local', 'not-an-address'], /--local/],
  [['recv', '--local', '198.18.0.1:1', '--cpu', '4096'], /--cpu/],
  [['recv', '--local', '198.18.0.1:1', '--bogus'], /--bogus/],
];

for (const [argv, names] of BAD_ARGUMENTS) {
  test(`nfvperf-app ${argv.join(' ')} exits 2 naming the argument`, () => {
    const r = app(argv);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, names);
    assert.equal(r.stdout, '', 'nothing on stdout');
  });
}

let pair: VethPair;
let sender: Container;
let receiver: Container;

before(async () => {
  pair = await vethPair();
  ({ sender, receiver } = pair);
});

after(() => pair.close());

async function transfer(backend: string, extra: string[], count: number) {
  const recv = new AppProcess({ role: 'recv', netns: receiver.netns, label: 'receiver', pair: 0,
    args: ['--backend', backend, '--local', `${receiver.ip}:7001`, '--interval-ms', '100', ...extra] });
  await recv.waitReady(5000);
  const send = new AppProcess({ role: 'send', netns: sender.netns, label: 'sender', pair: 0,
    args: ['--backend', backend, '--local', `${sender.ip}:7000`, '--remote', `${receiver.ip}:7001`, '--rate', '5000',
      '--burst', '8', '--count', String(count), '--interval-ms', '100', ...extra] });
  assert.ok(await send.waitExit(10_000), 'the sender stops after --count packets');
  await new Promise((r) => setTimeout(r, 200));
  await recv.stop();
  assert.equal(send.exitCode, 0, send.stderr);
  assert.equal(recv.exitCode, 0, recv.stderr);
  return { send: send.summary!, recv: recv.summary!, recvIntervals: recv.intervals, sendStart: send.start! };
}

for (const backend of ['udp', 'udp-mmsg']) {
  test(`${backend}: N packets at a low rate arrive exactly N, none lost or corrupt`, async () => {
    const { send, recv, recvIntervals } = await transfer(backend, ['--size', '64'], 1000);
    assert.equal(send.txPackets, 1000);
    assert.equal(send.txBytes, 64_000, 'whole 64-byte frames are counted');
    assert.equal(recv.rxPackets, 1000);
    assert.equal(recv.rxBytes, 64_000);
    assert.deepEqual([recv.lost, recv.corrupt, recv.duplicates, recv.reordered], [0, 0, 0, 0]);
    const perInterval = recvIntervals.reduce((n, i) => n + (i.rxPackets ?? 0), 0);
    assert.equal(perInterval, 1000, 'interval counts add up to the summary');
  });

  test(`${backend}: --touch writes and checks every payload byte, 1500-byte frames`, async () => {
    const { send, recv } = await transfer(backend, ['--size', '1500', '--touch'], 300);
    assert.equal(send.txPackets, 300);
    assert.equal(recv.rxPackets, 300);
    assert.equal(recv.corrupt, 0);
    assert.equal(recv.rxBytes, 300 * 1500);
  });
}

test('the send rate is paced: 5000 pps for 1000 packets takes about 0.2 s', async () => {
  const { send } = await transfer('udp-mmsg', [], 1000);
  const seconds = Number(BigInt(send.durationNs)) / 1e9;
  assert.ok(seconds > 0.17 && seconds < 0.6, `took ${seconds} s`);
  assert.equal(send.intendedPps, 5000);
});
