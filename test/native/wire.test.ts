// On the wire, for real: frames captured with tshark between two namespaces must all decode as
// Ethernet/IPv4/UDP with the configured MACs, addresses and ports, correct lengths, a good IPv4
// header checksum and a good (or zero) UDP checksum where the app built the frame, and none may be
// malformed — for kernel-built (udp, udp-mmsg) and for app-built (raw, raw-mmsg, af-xdp, dpdk on a
// net_af_packet or net_af_xdp port on the veth) frames alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CONNECT_PORT, LISTEN_PORT, runPair, variantSkipReason } from '../helpers/app-pair.js';
import { vethPairForFile } from '../helpers/veth-pair.js';
import { tempDir } from '../helpers/cli.js';
import { CAPTURED_VARIANTS, captureFields, hasTshark, startCapture } from '../helpers/capture.js';
const pair = vethPairForFile();

const FIELDS = [
  'eth.src',
  'eth.dst',
  'ip.src',
  'ip.dst',
  'udp.srcport',
  'udp.dstport',
  'frame.len',
  'ip.len',
  'udp.length',
  'ip.checksum.status',
  'ip.ttl',
  'udp.checksum',
  'udp.checksum.status',
  '_ws.malformed',
  '_ws.expert.severity',
];

for (const [variant, listenerVariant] of CAPTURED_VARIANTS) {
  test(`${variant}: every captured frame decodes as our UDP, none malformed`, {
    skip: (!hasTshark && 'tshark is not installed') || variantSkipReason(variant),
  }, async () => {
    const file = join(tempDir(), 'capture.pcap');
    // tshark keeps the first `count` frames it sees; the sender sends twice as many, so a capture
    // that starts a little late still fills up.
    const count = 200;
    // Capture in the receiver's namespace, on its interface, our UDP frames only.
    const capture = await startCapture(pair.receiver.netns, 'eth0', `udp port ${LISTEN_PORT}`, count, file);
    const { listenerSummary: recv } = await runPair(pair, variant, 'send-recv', 2 * count, {
      listenerVariant,
      both: ['--size', '100'],
      connector: ['--rate', '2000', '--count', String(2 * count)],
    });
    await capture.done;
    assert.equal(recv.rxPackets, 2 * count, 'the receiver counted every frame');

    const rows = captureFields(file, FIELDS, ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE']);
    assert.equal(rows.length, count, `captured ${rows.length} frames`);
    // The kernel leaves a partial UDP checksum on a veth (checksum offload): checked only where the app built the frame.
    const appBuilt = !variant.startsWith('udp');
    for (const [
      src,
      dst,
      ipSrc,
      ipDst,
      sport,
      dport,
      frameLen,
      ipLen,
      udpLen,
      ipCsum,
      ttl,
      udpCsum,
      udpCsumStatus,
      malformed,
    ] of rows) {
      assert.deepEqual(
        [src, dst, ipSrc, ipDst, sport, dport],
        [
          pair.sender.mac,
          pair.receiver.mac,
          pair.sender.ip,
          pair.receiver.ip,
          String(CONNECT_PORT),
          String(LISTEN_PORT),
        ],
      );
      assert.equal(frameLen, '100', 'the frame is P bytes');
      assert.equal(ipLen, '86', 'IPv4 total length = P − 14');
      assert.equal(udpLen, '66', 'UDP length = P − 34');
      assert.equal(ipCsum, '1', 'IPv4 header checksum good (tshark: 0 bad, 1 good, 2 unverified)');
      if (appBuilt)
        assert.ok(
          udpCsumStatus === '1' || udpCsum === '0x0000',
          `UDP checksum good or zero (got ${udpCsum}, status ${udpCsumStatus})`,
        );
      assert.ok(Number(ttl) > 0);
      assert.equal(malformed, '', 'not malformed');
    }
  });
}
