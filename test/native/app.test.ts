// The native app on its own, for real: two namespaces joined by a veth pair.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AppProcess, appBinary } from '../../src/apps/app.js';
import { CONNECT_PORT, LISTEN_PORT, runPair, type Variant } from '../helpers/app-pair.js';
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
  [['send', '--local', '198.18.0.1:1', '--remote', '198.18.0.2:1', '--sched', 'rr'], /--sched/],
  [['recv', '--local', '198.18.0.1:1', '--burst', '0'], /--burst/],
  [['recv', '--local', '198.18.0.1:1', '--burst', '1025'], /--burst/],
  [['recv', '--local', '198.18.0.1:1', '--backend', 'carrier-pigeon'], /--backend/],
  [['recv', '--local', 'not-an-address'], /--local/],
  [['recv', '--local', '198.18.0.1:1', '--cpu', '4096'], /--cpu/],
  [['recv', '--local', '198.18.0.1:1', '--bogus'], /--bogus/],
  [['recv', '--local', '198.18.0.1:1', '--memif-no-wait'], /--memif-no-wait: only for --backend dpdk/],
  [
    ['recv', '--local', '198.18.0.1:1', '--backend', 'dpdk', '--vdev', 'net_null0', '--memif-no-wait=1'],
    /--memif-no-wait: takes no value/,
  ],
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

before(async () => {
  pair = await vethPair();
});

after(() => pair.close());

/** send → recv of `count` frames at 5000 pps (the sender stops by itself). */
async function transfer(backend: Variant, extra: string[], count: number) {
  const run = await runPair(pair, backend, 'send-recv', count, {
    both: extra,
    connector: ['--rate', '5000', '--burst', '8', '--count', String(count)],
  });
  return { send: run.connectorSummary, recv: run.listenerSummary };
}

// Exact counts for every backend: roles.test.ts.
for (const backend of ['udp', 'udp-mmsg'] as const) {
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

test('--flow 9 --burst 1: the receiver tracks the flow it is given', async () => {
  const { listenerSummary: recv } = await runPair(pair, 'udp-mmsg', 'send-recv', 100, {
    connector: ['--flow', '9', '--burst', '1', '--rate', '2000', '--count', '100'],
  });
  assert.deepEqual([recv.rxPackets, recv.lost, recv.reordered, recv.duplicates], [100, 0, 0, 0]);
});

test('a datagram that is not an nfvperf frame is counted foreign, not received', async () => {
  const { receiver, sender } = pair;
  const run = runPair(pair, 'udp-mmsg', 'send-recv', 10, {
    connector: ['--rate', '1000', '--count', '10', '--epoch-ns', String(process.hrtime.bigint() + 500_000_000n)],
  });
  // Sent while the sender waits for its epoch: one 20-byte datagram from python3, addresses as argv.
  await new Promise((r) => setTimeout(r, 200));
  const stray = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      sender.netns,
      'python3',
      '-c',
      'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"not an nfvperf frame", (sys.argv[1], int(sys.argv[2])))',
      receiver.ip,
      String(LISTEN_PORT),
    ],
    { encoding: 'utf8' },
  );
  assert.equal(stray.status, 0, stray.stderr);
  const { listenerSummary: recv } = await run;
  assert.deepEqual([recv.foreign, recv.rxPackets, recv.lost], [1, 10, 0]);
});

test('recv --touch counts frames sent without --touch as corrupt', async () => {
  const { listenerSummary: recv } = await runPair(pair, 'udp-mmsg', 'send-recv', 20, {
    listener: ['--touch'],
    connector: ['--rate', '2000', '--count', '20'],
  });
  assert.deepEqual([recv.rxPackets, recv.corrupt], [20, 20]);
});

test('--epoch-ns: the sender starts at the epoch, intervals are numbered from it on both sides', async () => {
  const epoch = process.hrtime.bigint() + 700_000_000n; // CLOCK_MONOTONIC, as the app's
  const { connector: send, listener: recv } = await runPair(pair, 'udp-mmsg', 'send-recv', 100, {
    both: ['--epoch-ns', String(epoch), '--interval-ms', '100'],
    connector: ['--rate', '1000', '--count', '100'],
  });
  assert.ok(BigInt(send.summary!.firstPacketNs!) >= epoch, 'first frame at or after the epoch');
  assert.equal(send.intervals[0]?.index, 0, "the sender's first interval is index 0");
  assert.ok(recv.intervals[0]!.index < 0, 'the receiver, started before the epoch, reports negative intervals first');
  assert.equal(recv.summary!.rxPackets, 100);
});

test('SIGTERM stops an endless sender cleanly: exit 0, a partial interval, then the summary', async () => {
  const send = new AppProcess({
    role: 'send',
    netns: pair.sender.netns,
    label: 'sender',
    pair: 0,
    args: [
      '--local',
      `${pair.sender.ip}:${CONNECT_PORT}`,
      '--remote',
      `${pair.receiver.ip}:${LISTEN_PORT}`,
      '--rate',
      '1000',
      '--interval-ms',
      '1000',
    ],
  });
  await send.waitReady(5000);
  await new Promise((r) => setTimeout(r, 300));
  await send.stop();
  assert.equal(send.exitCode, 0, send.stderr);
  assert.equal(send.intervals.at(-1)?.partial, true);
  assert.ok(send.summary!.txPackets! > 0);
});

const RUNTIME_FAILURES: [string, string[], RegExp][] = [
  [
    'an address the namespace does not have',
    ['recv', '--local', '198.18.0.77:5001'],
    /bind: Cannot assign requested address/,
  ],
  [
    'a frame larger than the MTU',
    ['send', '--local', 'SENDER:0', '--remote', `RECEIVER:${LISTEN_PORT}`, '--size', '9000', '--count', '1'],
    /MTU/,
  ],
];

for (const [what, argv, message] of RUNTIME_FAILURES) {
  test(`a runtime failure (${what}) exits 1 with one line saying why`, () => {
    const args = argv.map((a) => a.replace('SENDER', pair.sender.ip).replace('RECEIVER', pair.receiver.ip));
    const r = spawnSync('ip', ['netns', 'exec', pair.sender.netns, appBinary(), ...args], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });
}
