// Every role pair over every backend that runs here, for real: send → recv delivers exactly N
// frames (none lost, corrupt or duplicated), client → server gets N echoes with N RTT samples, and
// the client's --rtt-dump samples agree with its histogram's percentiles. Short, count-limited runs
// at a low rate, so they hold exactly whatever the machine's speed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RttObject } from '../../src/apps/protocol.js';
import { exec } from '../../src/common/exec.js';
import { runPair, variantSkipReason, type Variant } from '../helpers/app-pair.js';
import { tempDir } from '../helpers/cli.js';
import { vethPair, type VethPair } from '../helpers/veth-pair.js';
import { assertDpdkClean, dpdkHostState, type DpdkHostState } from '../switches/dpdk-helpers.js';

const VARIANTS: Variant[] = ['udp', 'udp-mmsg', 'raw', 'raw-mmsg', 'af-xdp', 'dpdk/memif', 'dpdk/vhost-user'];
const N = 200;
/** Low enough for every backend on a busy 2-vCPU host; 200 frames take 0.1 s. */
const PACED = ['--rate', '2000', '--count', String(N)];

let pair: VethPair;
let dpdkBefore: DpdkHostState;

before(async () => {
  dpdkBefore = dpdkHostState();
  pair = await vethPair();
});

after(async () => {
  await pair.close();
  assertDpdkClean(dpdkBefore); // the hugepage count is as found, no daemon is left
});

test('dpdk/memif: a --sched fifo sender at 100 kpps links up, sends its 50000 frames and all arrive (EAL threads stay ordinary)', {
  skip: variantSkipReason('dpdk/memif'),
}, async () => {
  // Real-time from before EAL started, EAL's interrupt thread (memif's control channel) waited
  // behind the polling sender on its CPU for good: no link, no start line, no summary.
  const count = 50_000;
  const { connectorSummary: send, listenerSummary: recv } = await runPair(pair, 'dpdk/memif', 'send-recv', count, {
    connector: ['--rate', '100000', '--count', String(count), '--burst', '32', '--sched', 'fifo'],
  });
  assert.deepEqual([send.txPackets, send.unsent, recv.rxPackets, recv.lost], [count, 0, count, 0]);
});

for (const variant of VARIANTS) {
  test(`${variant}: send → recv, ${N} frames at 2000 pps arrive exactly, none lost, corrupt or duplicated`, {
    skip: variantSkipReason(variant),
  }, async () => {
    const icmpBefore = icmpUnreachablesSent(pair.receiver.netns);
    const {
      connectorSummary: send,
      listenerSummary: recv,
      listener,
    } = await runPair(pair, variant, 'send-recv', N, { both: ['--touch'], connector: [...PACED, '--burst', '8'] });
    // A backend that takes frames before the kernel's UDP must keep it from answering them.
    assert.equal(icmpUnreachablesSent(pair.receiver.netns), icmpBefore, 'no ICMP port unreachable from the receiver');
    assert.deepEqual([send.txPackets, send.unsent], [N, 0], 'sent N, none refused');
    assert.deepEqual(
      {
        rx: recv.rxPackets,
        lost: recv.lost,
        corrupt: recv.corrupt,
        duplicates: recv.duplicates,
        reordered: recv.reordered,
        foreign: recv.foreign,
      },
      { rx: N, lost: 0, corrupt: 0, duplicates: 0, reordered: 0, foreign: 0 },
    );
    assert.equal(recv.rxBytes, N * 64, 'whole 64-byte frames are counted');
    assert.equal(
      listener.intervals.reduce((n, i) => n + (i.rxPackets ?? 0), 0),
      N,
      'interval counts add up to the summary',
    );
  });

  test(`${variant}: client → server, ${N} echoes, ${N} RTT samples, none unmatched; --rtt-dump agrees with the histogram`, {
    skip: variantSkipReason(variant),
  }, async () => {
    const dump = join(tempDir(), 'rtt.txt');
    const {
      connectorSummary: client,
      listenerSummary: server,
      connector: clientApp,
    } = await runPair(pair, variant, 'client-server', N, {
      both: ['--touch'],
      connector: [...PACED, '--burst', '1', '--rtt-dump', dump],
    });
    assert.deepEqual(
      {
        tx: client.txPackets,
        rx: client.rxPackets,
        rtt: client.rtt?.count,
        lost: client.lost,
        late: client.late,
        unmatched: client.unmatched,
        corrupt: client.corrupt,
        foreign: client.foreign,
      },
      { tx: N, rx: N, rtt: N, lost: 0, late: 0, unmatched: 0, corrupt: 0, foreign: 0 },
    );
    assert.deepEqual(
      [server.rxPackets, server.txPackets, server.corrupt, server.lost],
      [N, N, 0, 0],
      'the server received and echoed N',
    );
    assertDumpMatchesHistogram(readFileSync(dump, 'utf8'), client.rtt!);
    assert.deepEqual(
      mergeBuckets(clientApp.intervals.map((i) => i.rtt?.buckets ?? [])),
      client.rtt!.buckets,
      "the intervals' histograms merge into the summary's exactly",
    );
  });

  test(`${variant}: closed-loop client (--inflight 1 --rate max) → server, ${N} echoes, one round trip at a time`, {
    skip: variantSkipReason(variant),
  }, async () => {
    const { connectorSummary: client, connector: clientApp } = await runPair(pair, variant, 'client-server', N, {
      connector: ['--rate', 'max', '--burst', '1', '--inflight', '1', '--count', String(N)],
    });
    assert.equal((clientApp.start as { inflight?: number }).inflight, 1);
    assert.deepEqual(
      {
        tx: client.txPackets,
        rtt: client.rtt?.count,
        lost: client.lost,
        late: client.late,
        unmatched: client.unmatched,
      },
      { tx: N, rtt: N, lost: 0, late: 0, unmatched: 0 },
    );
    // Round trips that never overlap fit in the time they took; an open-loop client at max
    // rate has hundreds in flight, and their sum is many times its run time.
    const rttSumNs = client.rtt!.avgNs! * client.rtt!.count;
    assert.ok(
      rttSumNs <= Number(BigInt(client.durationNs)),
      `sum of RTTs ${rttSumNs} ns > run time ${client.durationNs} ns`,
    );
  });
}

/**
 * Mixed pairs: frames an app builds (raw, af-xdp) are taken by the kernel's UDP stack, and the
 * kernel's by the app's receive path.
 */
const MIXED: [Variant, Variant][] = [
  ['raw-mmsg', 'udp-mmsg'],
  ['raw', 'udp'],
  ['udp-mmsg', 'raw-mmsg'],
  ['af-xdp', 'udp-mmsg'],
  ['udp-mmsg', 'af-xdp'],
  ['raw-mmsg', 'af-xdp'],
  ['af-xdp', 'raw-mmsg'],
];

for (const [variant, listenerVariant] of MIXED) {
  test(`${variant} → ${listenerVariant}: ${N} frames arrive exactly`, {
    skip: variantSkipReason(variant) ?? variantSkipReason(listenerVariant),
  }, async () => {
    const { connectorSummary: send, listenerSummary: recv } = await runPair(pair, variant, 'send-recv', N, {
      listenerVariant,
      both: ['--touch', '--size', '1000'],
      connector: PACED,
    });
    assert.equal(send.txPackets, N);
    assert.deepEqual([recv.rxPackets, recv.lost, recv.corrupt, recv.duplicates, recv.foreign], [N, 0, 0, 0, 0]);
  });
}

/** Large frames, checked byte for byte (--touch), over the backends that build their own frames. */
const LARGE: [Variant, number][] = [
  ['raw-mmsg', 1514],
  ['af-xdp', 1514],
  ['af-xdp', 3000],
  ['dpdk/memif', 1514],
  ['dpdk/vhost-user', 1514],
];

for (const [variant, size] of LARGE) {
  test(`${variant}: ${size}-byte frames with --touch arrive exactly`, {
    skip: variantSkipReason(variant),
  }, async () => {
    // Frames over 1514 bytes need a larger MTU on the veth pair (restored after).
    const mtu = size > 1514 ? String(size + 500) : undefined;
    if (mtu) await setMtu(mtu);
    try {
      const { connectorSummary: send, listenerSummary: recv } = await runPair(pair, variant, 'send-recv', N, {
        both: ['--touch', '--size', String(size)],
        connector: PACED,
      });
      assert.equal(send.txPackets, N);
      assert.deepEqual([recv.rxPackets, recv.rxBytes, recv.lost, recv.corrupt], [N, N * size, 0, 0]);
    } finally {
      if (mtu) await setMtu('1500');
    }
  });
}

async function setMtu(mtu: string): Promise<void> {
  for (const c of [pair.sender, pair.receiver])
    await exec(['ip', '-n', c.netns, 'link', 'set', 'dev', c.ifname!, 'mtu', mtu]);
}

/** ICMP destination-unreachable messages `netns` has sent (its /proc/net/snmp). */
function icmpUnreachablesSent(netns: string): number {
  const snmp = execFileSync('ip', ['netns', 'exec', netns, 'cat', '/proc/net/snmp'], { encoding: 'utf8' });
  const [header, values] = snmp
    .split('\n')
    .filter((l) => l.startsWith('Icmp:'))
    .map((l) => l.split(/\s+/));
  return Number(values![header!.indexOf('OutDestUnreachs')]);
}

/** Buckets merged by adding the counts of equal lower bounds, in increasing order. */
function mergeBuckets(histograms: [number, number][][]): [number, number][] {
  const sum = new Map<number, number>();
  for (const [low, count] of histograms.flat()) sum.set(low, (sum.get(low) ?? 0) + count);
  return [...sum.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * The raw samples against the summary: min and max exact, each percentile within 1% of the exact
 * one (the ⌈q × count⌉-th smallest sample; docs/app-protocol.md, `rtt`), the buckets' counts
 * adding up to the samples' and each sample inside a listed bucket.
 */
function assertDumpMatchesHistogram(text: string, rtt: RttObject): void {
  const samples = text
    .trim()
    .split('\n')
    .map(Number)
    .sort((a, b) => a - b);
  assert.equal(samples.length, rtt.count, 'one dumped sample per recorded echo');
  assert.ok(
    samples.every((s) => Number.isInteger(s) && s > 0),
    'samples are positive integers (ns)',
  );
  assert.equal(samples[0], rtt.minNs);
  assert.equal(samples.at(-1), rtt.maxNs);
  const percentiles: [number, number | null][] = [
    [0.5, rtt.p50Ns],
    [0.9, rtt.p90Ns],
    [0.99, rtt.p99Ns],
    [0.999, rtt.p999Ns],
  ];
  for (const [q, reported] of percentiles) {
    const exact = samples[Math.ceil(q * samples.length) - 1]!;
    assert.ok(
      reported !== null && Math.abs(reported - exact) <= 0.01 * exact,
      `p${q * 100}: histogram ${reported} ns vs samples ${exact} ns`,
    );
  }
  const buckets = rtt.buckets;
  assert.equal(
    buckets.reduce((n, [, c]) => n + c, 0),
    samples.length,
    'bucket counts add up to the samples',
  );
  const bucketOf = (s: number) => buckets.findLast(([low]) => low <= s)?.[0];
  const perBucket = new Map<number, number>();
  for (const s of samples) perBucket.set(bucketOf(s)!, (perBucket.get(bucketOf(s)!) ?? 0) + 1);
  assert.deepEqual(
    Object.fromEntries(perBucket),
    Object.fromEntries(buckets),
    'each sample lies in the bucket that counts it',
  );
}
