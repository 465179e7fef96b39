// The client's window (--inflight): refused where it means nothing, and it holds the sender back
// when echoes do not come — the server is frozen (SIGSTOP), so its socket still takes the frames
// (no ICMP) but nothing answers. Closed-loop ping-pong over every backend is in roles.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AppProcess, appBinary } from '../../src/apps/app.js';
import { vethPairForFile } from '../helpers/veth-pair.js';

const pair = vethPairForFile();

const REFUSED: [string, string[], RegExp][] = [
  ['for recv', ['recv', '--local', '198.18.0.1:1', '--inflight', '1'], /--inflight: only for client/],
  [
    'with --rx-cpu',
    ['client', '--local', '198.18.0.1:1', '--remote', '198.18.0.2:1', '--inflight', '1', '--rx-cpu', '0'],
    /--inflight: not with --rx-cpu/,
  ],
  [
    '0',
    ['client', '--local', '198.18.0.1:1', '--remote', '198.18.0.2:1', '--inflight', '0'],
    /--inflight: expected an integer 1\.\.1048576, got '0'/,
  ],
];

for (const [what, args, message] of REFUSED) {
  test(`--inflight ${what} is refused, exit 2 naming it`, () => {
    const r = spawnSync(appBinary(), args, { encoding: 'utf8', timeout: 10_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
  });
}

test('--inflight 4 with no echoes: 4 frames, then 4 more each time the missing ones are given up on (1 s)', async () => {
  const server = new AppProcess({
    role: 'server',
    netns: pair.receiver.netns,
    label: 'server',
    pair: 0,
    args: ['--backend', 'udp-mmsg', '--local', `${pair.receiver.ip}:7201`],
  });
  await server.waitReady(5000);
  process.kill(server.pid!, 'SIGSTOP');
  try {
    // Given up at ~1.0 s and ~2.0 s; the run ends at 2.5 s, then drains 1 s for the last four.
    const client = new AppProcess({
      role: 'client',
      netns: pair.sender.netns,
      label: 'client',
      pair: 0,
      args: [
        '--backend',
        'udp-mmsg',
        '--local',
        `${pair.sender.ip}:7200`,
        '--remote',
        `${pair.receiver.ip}:7201`,
        '--rate',
        'max',
        '--burst',
        '32',
        '--inflight',
        '4',
        '--duration',
        '2.5',
        '--cpu',
        '0',
      ],
    });
    assert.ok(await client.waitExit(10_000));
    assert.equal(client.exitCode, 0, client.stderr);
    const s = client.summary!;
    assert.deepEqual({ tx: s.txPackets, rx: s.rxPackets, lost: s.lost }, { tx: 12, rx: 0, lost: 12 });
    assert.deepEqual(
      client.intervals.slice(0, 3).map((i) => i.txPackets),
      [4, 4, 4],
      'four frames a second',
    );
  } finally {
    process.kill(server.pid!, 'SIGCONT');
    await server.stop();
  }
});
