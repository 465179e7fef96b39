// The native app on its own, for real: two namespaces joined by a veth pair.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appBinary } from '../../src/apps/app.js';
import { runPair, type Variant } from '../helpers/app-pair.js';
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

before(async () => {
  pair = await vethPair();
});

after(() => pair.close());

/** send → recv of `count` frames at 5000 pps (the sender stops by itself). */
async function transfer(backend: Variant, extra: string[], count: number) {
  const run = await runPair(pair, backend, 'send-recv', count,
    { both: extra, connector: ['--rate', '5000', '--burst', '8', '--count', String(count)] });
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
