// Frame-size mixes and flows on the wire, for real: tshark in the receiver's namespace must see
// an IMIX sender's frames at 60, 566 and 1514 B in 7:4:1, in the pattern's order, and a sender
// with --flows N exactly N distinct 5-tuples; the receivers count every frame at its own size.
// Every backend sends the mix; the backends that build their own frames send the flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LISTEN_PORT, CONNECT_PORT, runPair, variantSkipReason, type Variant } from '../helpers/app-pair.js';
import { CAPTURED_VARIANTS, captureFields, hasTshark, startCapture } from '../helpers/capture.js';
import { vethPairForFile } from '../helpers/veth-pair.js';
import { tempDir } from '../helpers/cli.js';
import { flowAddressBase } from '../../src/testbed/names.js';
import { NAMED_MIXES, sizeMixArg } from '../../src/plan/traffic.js';

const pair = vethPairForFile();
const IMIX = sizeMixArg({ label: 'imix', frames: [...NAMED_MIXES.imix] });
/** traffic.h: the order in which a sender cycles the 12 frames of IMIX. */
const IMIX_PATTERN = [60, 566, 60, 60, 566, 60, 1514, 60, 566, 60, 566, 60];
const IMIX_BYTES = 700 * 60 + 400 * 566 + 100 * 1514; // of 1200 frames: 100 patterns
/** Where in the pattern `lengths` start, or -1 when they do not follow it. */
const patternOffset = (lengths: number[]) =>
  IMIX_PATTERN.findIndex((_, off) => lengths.every((len, i) => len === IMIX_PATTERN[(off + i) % 12]));

/**
 * Sends 2 × `count` frames from `variant` to `listenerVariant` while tshark captures `count` of
 * them on the receiver's side: any `count` consecutive frames, since a loaded host may start the
 * capture a little after tshark says it listens. The patterns tested repeat with a period that
 * divides `count`, so what `count` consecutive frames hold is exact wherever they start.
 */
async function captured(
  variant: Variant,
  listenerVariant: Variant,
  count: number,
  connector: string[],
  fields: string[],
  listener: string[] = [],
) {
  const file = join(tempDir(), 'capture.pcap');
  const capture = await startCapture(pair.receiver.netns, 'eth0', `udp dst port ${LISTEN_PORT}`, count, file);
  const run = await runPair(pair, variant, 'send-recv', 2 * count, {
    listenerVariant,
    listener,
    connector: [...connector, '--count', String(2 * count)],
  });
  await capture.done;
  return { ...run, rows: captureFields(file, fields, ['-o', 'ip.check_checksum:TRUE']) };
}

function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

for (const [variant, listenerVariant] of CAPTURED_VARIANTS) {
  test(`${variant}: an IMIX sender puts 60, 566 and 1514 B frames on the wire in 7:4:1, counted at their sizes`, {
    skip: (!hasTshark && 'tshark is not installed') || variantSkipReason(variant),
  }, async () => {
    const {
      rows,
      listenerSummary: recv,
      connectorSummary: sent,
    } = await captured(
      variant,
      listenerVariant,
      1200,
      ['--size-mix', IMIX, '--rate', '4000'],
      ['frame.len', 'udp.length'],
      ['--size', '1514'],
    );
    assert.equal(rows.length, 1200, `captured ${rows.length} frames`);
    const lengths = rows.map(([frameLen]) => Number(frameLen));
    assert.deepEqual([...tally(lengths.map(String))].sort(), [
      ['1514', 100],
      ['566', 400],
      ['60', 700],
    ]);
    assert.ok(patternOffset(lengths) >= 0, 'in the order of traffic.h, frame after frame');
    assert.ok(
      rows.every(([frameLen, udpLen]) => Number(udpLen) === Number(frameLen) - 34),
      'UDP length = frame − 34 in every frame',
    );
    assert.deepEqual(
      [sent.txPackets, sent.txBytes],
      [2400, 2 * IMIX_BYTES],
      'the sender counts each frame at its size',
    );
    assert.deepEqual([recv.rxPackets, recv.rxBytes, recv.lost, recv.foreign], [2400, 2 * IMIX_BYTES, 0, 0]);
  });
}

/** Receivers that take the frames before tshark could see them: the mix must still arrive whole. */
for (const variant of ['af-xdp', 'dpdk/memif'] as const) {
  test(`${variant} → ${variant}: an IMIX sender's frames are all received, at their sizes`, {
    skip: variantSkipReason(variant),
  }, async () => {
    const { listenerSummary: recv, connectorSummary: sent } = await runPair(pair, variant, 'send-recv', 1200, {
      listener: ['--size', '1514'],
      connector: ['--size-mix', IMIX, '--rate', '4000', '--count', '1200'],
    });
    assert.deepEqual([sent.txPackets, sent.txBytes], [1200, IMIX_BYTES]);
    assert.deepEqual([recv.rxPackets, recv.rxBytes, recv.lost, recv.foreign], [1200, IMIX_BYTES, 0, 0]);
  });
}

/** Senders that build their own frames, to a kernel receiver bound to one address and port. */
const FLOW_VARIANTS: Variant[] = ['raw', 'raw-mmsg', 'af-xdp', 'dpdk/af-packet'];

for (const variant of FLOW_VARIANTS) {
  test(`${variant}: --flows 100 sends from 100 distinct source ports, and a kernel socket receives them all`, {
    skip: (!hasTshark && 'tshark is not installed') || variantSkipReason(variant),
  }, async () => {
    const { rows, listenerSummary: recv } = await captured(
      variant,
      'udp-mmsg',
      300,
      ['--flows', '100', '--rate', '3000'],
      ['ip.src', 'udp.srcport', 'ip.dst', 'udp.dstport', 'eth.src', 'ip.checksum.status'],
      [],
    );
    assert.equal(rows.length, 300);
    const ports = tally(rows.map((r) => r[1]!));
    assert.equal(ports.size, 100, 'distinct source ports');
    for (let p = CONNECT_PORT; p < CONNECT_PORT + 100; p++) assert.equal(ports.get(String(p)), 3, `port ${p}`);
    const first = Number(rows[0]![1]) - CONNECT_PORT;
    assert.ok(
      rows.every(([, port], i) => Number(port) === CONNECT_PORT + ((first + i) % 100)),
      'tuples in turn, one per frame',
    );
    assert.deepEqual(
      [...new Set(rows.map(([src, , dst, dport, mac, csum]) => [src, dst, dport, mac, csum].join(' ')))],
      [`${pair.sender.ip} ${pair.receiver.ip} ${LISTEN_PORT} ${pair.sender.mac} 1`],
      'one source address and MAC, one destination; the IPv4 checksum good',
    );
    assert.deepEqual([recv.rxPackets, recv.lost], [600, 0]);
  });
}

test('raw-mmsg: --flows 70000 varies the source address past 64512 ports, and a kernel socket receives them all', {
  skip: (!hasTshark && 'tshark is not installed') || variantSkipReason('raw-mmsg'),
}, async () => {
  const flows = 70_000;
  const extra = flowAddressBase(pair.sender.ip);
  const { rows, listenerSummary: recv } = await captured(
    'raw-mmsg',
    'udp-mmsg',
    flows,
    ['--flows', String(flows), '--flow-addrs', extra, '--rate', '40000'],
    ['ip.src', 'udp.srcport', 'ip.checksum.status'],
  );
  assert.equal(rows.length, flows);
  assert.equal(new Set(rows.map(([src, port]) => `${src}:${port}`)).size, flows, 'distinct (address, port) tuples');
  assert.deepEqual(
    [...tally(rows.map(([src]) => src!))].sort(),
    [
      [extra, flows - 64_512],
      [pair.sender.ip, 64_512],
    ].sort(),
  );
  assert.ok(
    rows.every((r) => r[2] === '1'),
    'IPv4 checksums good after the address changed',
  );
  assert.deepEqual([recv.rxPackets, recv.lost], [2 * flows, 0]);
});

/**
 * The send timestamp (wire.h, bytes 10–13 of the payload) is when the frame was handed to the
 * kernel: over a backend that makes one system call per frame, each frame of a burst carries its
 * own; over one that hands a burst over in one call, the burst shares one.
 */
for (const [variant, perFrame] of [
  ['udp', true],
  ['raw', true],
  ['udp-mmsg', false],
  ['raw-mmsg', false],
] as const) {
  test(`${variant}: the frames of a burst carry ${perFrame ? 'each its own send time' : "their one call's send time"}`, {
    skip: (!hasTshark && 'tshark is not installed') || variantSkipReason(variant),
  }, async () => {
    const { rows } = await captured(variant, variant, 64, ['--burst', '32', '--rate', '3200'], ['udp.payload']);
    assert.equal(rows.length, 64, `captured ${rows.length} frames`);
    const stamps = new Set(rows.map(([payload]) => payload!.replaceAll(':', '').slice(20, 28)));
    if (perFrame) assert.equal(stamps.size, 64, 'every frame its own timestamp');
    else assert.ok(stamps.size <= 3, `64 frames in bursts of 32 share ≤ 3 timestamps, got ${stamps.size}`);
  });
}

/**
 * Latency probes (send.c, --probe-rate): beside a load paced in bursts of 32, single frames on
 * their own schedule, flagged as probes; a receiver with --latency-probes times exactly those.
 * In one second at 4000 pps of load and 1000 probes per second the sender offers 4000 + 1000
 * frames, all arrive in order, and the one-way histogram holds the 1000 probes, not the load.
 */
for (const variant of ['udp', 'udp-mmsg', 'dpdk/memif'] as const) {
  test(`${variant}: probes beside a bursty load are the frames timed, exactly their number`, {
    skip: variantSkipReason(variant),
  }, async () => {
    const { listenerSummary: recv, connectorSummary: sent } = await runPair(pair, variant, 'send-recv', 5000, {
      both: ['--clock', 'gettime'],
      connector: ['--rate', '4000', '--burst', '32', '--probe-rate', '1000', '--duration', '1'],
      listener: ['--latency-probes'],
    });
    const timed = recv.oneWay!.count + recv.oneWay!.late;
    assert.deepEqual([recv.rxPackets, recv.lost, recv.reordered], [sent.txPackets, 0, 0]);
    if (sent.stalls === 0) {
      assert.deepEqual([sent.txPackets, sent.unsent, timed], [5000, 0, 1000], JSON.stringify(recv.oneWay));
    } else {
      // A sender that lost its CPU for longer than the pacer's catch-up bound (a loaded host) drops
      // the backlog of load and probes alike: fewer of both, never more, and still only probes timed.
      assert.ok(
        timed > 0 && timed <= 1000 && sent.txPackets! - timed <= 4000,
        `stalls ${sent.stalls}: ${timed} timed of ${sent.txPackets}`,
      );
    }
  });
}
