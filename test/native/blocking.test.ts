// --blocking (the paper's -B): the same exact counts as polling, and a receiver that sleeps
// in poll() between frames instead of spinning. Two namespaces joined by a veth pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AppProcess, appBinary } from '../../src/apps/app.js';
import { l2Args, vethPairForFile } from '../helpers/veth-pair.js';

const BUILT = spawnSync(appBinary(), ['--version'], { encoding: 'utf8' }).stdout;
const BACKENDS = ['udp', 'udp-mmsg', 'raw', 'raw-mmsg', 'af-xdp'].filter((b) => BUILT.includes(b));

const pair = vethPairForFile();

test('--blocking with --backend dpdk exits 2 naming --blocking, before touching anything', () => {
  const r = spawnSync(
    appBinary(),
    ['recv', '--blocking', '--backend', 'dpdk', '--local', '198.18.0.1:1', '--vdev', 'net_null0', '--no-huge'],
    { encoding: 'utf8', timeout: 10_000 },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--blocking/);
  assert.equal(r.stdout, '');
});

for (const backend of BACKENDS) {
  test(`${backend} --blocking: send → recv delivers exactly N, and the start lines say blocking`, async () => {
    const count = 600;
    const recv = new AppProcess({
      role: 'recv',
      netns: pair.receiver.netns,
      label: 'receiver',
      pair: 0,
      args: [
        '--backend',
        backend,
        '--blocking',
        '--local',
        `${pair.receiver.ip}:7001`,
        '--interval-ms',
        '100',
        ...l2Args(backend, pair.receiver),
      ],
    });
    await recv.waitReady(5000);
    const send = new AppProcess({
      role: 'send',
      netns: pair.sender.netns,
      label: 'sender',
      pair: 0,
      args: [
        '--backend',
        backend,
        '--blocking',
        '--local',
        `${pair.sender.ip}:7000`,
        '--remote',
        `${pair.receiver.ip}:7001`,
        '--rate',
        '3000',
        '--burst',
        '8',
        '--count',
        String(count),
        ...l2Args(backend, pair.sender, pair.receiver),
      ],
    });
    assert.ok(await send.waitExit(10_000), 'the sender stops after --count packets');
    await new Promise((r) => setTimeout(r, 150));
    await recv.stop();
    assert.equal(send.exitCode, 0, send.stderr);
    assert.equal(recv.exitCode, 0, recv.stderr);
    assert.equal((send.start as { mode?: string }).mode, 'blocking');
    assert.equal((recv.start as { mode?: string }).mode, 'blocking');
    assert.equal(send.summary!.txPackets, count);
    assert.equal(recv.summary!.rxPackets, count);
    assert.equal(recv.summary!.lost, 0);
  });
}

test('udp-mmsg --blocking: an idle-receiving receiver uses under a fifth of the wall time in CPU', async () => {
  // 200 pps for ~1.5 s: a polling receiver spins its core the whole time (on a host busy enough to
  // leave it under half a core, still ~45% of the wall time); a blocking one measured ~0.5%.
  const recv = new AppProcess({
    role: 'recv',
    netns: pair.receiver.netns,
    label: 'receiver',
    pair: 0,
    args: ['--backend', 'udp-mmsg', '--blocking', '--local', `${pair.receiver.ip}:7002`, '--interval-ms', '250'],
  });
  await recv.waitReady(5000);
  const send = new AppProcess({
    role: 'send',
    netns: pair.sender.netns,
    label: 'sender',
    pair: 0,
    args: [
      '--backend',
      'udp-mmsg',
      '--local',
      `${pair.sender.ip}:7000`,
      '--remote',
      `${pair.receiver.ip}:7002`,
      '--rate',
      '200',
      '--burst',
      '1',
      '--count',
      '300',
    ],
  });
  assert.ok(await send.waitExit(10_000));
  await recv.stop();
  const s = recv.summary! as unknown as { durationNs: number; cpuUserUs: number; cpuSysUs: number; rxPackets: number };
  assert.equal(s.rxPackets, 300);
  const cpuUs = s.cpuUserUs + s.cpuSysUs;
  const wallUs = s.durationNs / 1000;
  assert.ok(wallUs > 1_000_000, `ran ${wallUs} µs`);
  assert.ok(cpuUs < 0.2 * wallUs, `receiver CPU ${cpuUs} µs < 20% of wall ${wallUs} µs`);
  assert.ok(recv.intervals.length >= 4, 'interval lines keep coming while it sleeps');
});

for (const backend of ['udp-mmsg', 'raw-mmsg']) {
  test(`${backend} --blocking: client/server, every echo matched`, async () => {
    const count = 400;
    const server = new AppProcess({
      role: 'server',
      netns: pair.receiver.netns,
      label: 'server',
      pair: 0,
      args: [
        '--backend',
        backend,
        '--blocking',
        '--local',
        `${pair.receiver.ip}:7003`,
        ...l2Args(backend, pair.receiver),
      ],
    });
    await server.waitReady(5000);
    const client = new AppProcess({
      role: 'client',
      netns: pair.sender.netns,
      label: 'client',
      pair: 0,
      args: [
        '--backend',
        backend,
        '--blocking',
        '--local',
        `${pair.sender.ip}:7004`,
        '--remote',
        `${pair.receiver.ip}:7003`,
        '--rate',
        '2000',
        '--burst',
        '1',
        '--count',
        String(count),
        ...l2Args(backend, pair.sender, pair.receiver),
      ],
    });
    assert.ok(await client.waitExit(10_000), 'the client stops after --count and the drain');
    await server.stop();
    assert.equal(client.exitCode, 0, client.stderr);
    const c = client.summary! as unknown as {
      txPackets: number;
      rxPackets: number;
      unmatched: number;
      lost: number;
      rtt: { count: number };
    };
    assert.equal(c.txPackets, count);
    assert.equal(c.rtt.count, count, 'an RTT for every echo');
    assert.equal(c.unmatched, 0);
    assert.equal(c.lost, 0);
  });
}
