// On the wire, for real: frames captured with tshark between two namespaces must all decode as
// Ethernet/IPv4/UDP with the configured MACs, addresses and ports, correct lengths and a good
// IPv4 header checksum, and none may be malformed — for kernel-built (udp, udp-mmsg) and for
// app-built (raw, raw-mmsg) frames alike.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AppProcess } from '../../src/apps/app.js';
import type { Container } from '../../src/testbed/netns.js';
import { vethPair, type VethPair } from '../helpers/veth-pair.js';
import { tempDir } from '../helpers/cli.js';

const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
let pair: VethPair;
let sender: Container;
let receiver: Container;

before(async () => {
  pair = await vethPair();
  ({ sender, receiver } = pair);
});

after(() => pair.close());

const FIELDS = ['eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport', 'frame.len', 'ip.len', 'udp.length',
  'ip.checksum.status', 'ip.ttl', '_ws.malformed', '_ws.expert.severity'];

for (const backend of ['udp', 'udp-mmsg', 'raw', 'raw-mmsg']) {
  test(`${backend}: every captured frame decodes as our UDP, none malformed`, { skip: !hasTshark && 'tshark is not installed' }, async () => {
    const file = join(tempDir(), 'capture.pcap');
    // tshark keeps the first `count` frames it sees; the sender sends twice as many, so a capture
    // that starts a little late still fills up.
    const count = 200;
    // Capture in the receiver's namespace, on its interface, our UDP frames only.
    const capture = spawn('ip', ['netns', 'exec', receiver.netns, 'tshark', '-q', '-i', 'eth0', '-c', String(count), '-w', file,
      '-f', 'udp port 7001', '-a', 'duration:20'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const captured = new Promise<number | null>((resolve) => capture.on('close', resolve));
    // tshark says "Capturing on 'eth0'" once it listens; only then may traffic start.
    await new Promise<void>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`tshark did not start: ${text}`)), 15_000);
      capture.stderr!.on('data', (d) => { text += d; if (/Capturing on/.test(text)) { clearTimeout(timer); resolve(); } });
    });
    const raw = backend.startsWith('raw');
    const recv = new AppProcess({ role: 'recv', netns: receiver.netns, label: 'receiver', pair: 0,
      args: ['--backend', backend, '--local', `${receiver.ip}:7001`, '--size', '100', ...(raw ? ['--ifname', 'eth0'] : [])] });
    await recv.waitReady(5000);
    const send = new AppProcess({ role: 'send', netns: sender.netns, label: 'sender', pair: 0,
      args: ['--backend', backend, '--local', `${sender.ip}:7000`, '--remote', `${receiver.ip}:7001`, '--size', '100',
        '--rate', '2000', '--count', String(2 * count), ...(raw ? ['--ifname', sender.ifname!, '--remote-mac', receiver.mac] : [])] });
    await send.waitExit(10_000);
    await captured;
    await recv.stop();
    assert.equal(recv.summary?.rxPackets, 2 * count, 'the receiver counted every frame');

    const decoded = spawnSync('tshark', ['-r', file, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=|',
      ...FIELDS.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
    const rows = decoded.stdout.trim().split('\n').map((line) => line.split('|'));
    assert.equal(rows.length, count, `captured ${rows.length} frames`);
    for (const [src, dst, ipSrc, ipDst, sport, dport, frameLen, ipLen, udpLen, ipCsum, ttl, malformed] of rows) {
      assert.deepEqual([src, dst, ipSrc, ipDst, sport, dport], [sender.mac, receiver.mac, sender.ip, receiver.ip, '7000', '7001']);
      assert.equal(frameLen, '100', 'the frame is P bytes');
      assert.equal(ipLen, '86', 'IPv4 total length = P − 14');
      assert.equal(udpLen, '66', 'UDP length = P − 34');
      assert.equal(ipCsum, '1', 'IPv4 header checksum good (tshark: 0 bad, 1 good, 2 unverified)');
      assert.ok(Number(ttl) > 0);
      assert.equal(malformed, '', 'not malformed');
    }
  });
}
