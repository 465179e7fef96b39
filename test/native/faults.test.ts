// Faults injected on the real path, for the receiver to find. Lost and corrupt: nftables rules in the receiver's
// namespace (its input hook, so the kernel UDP backends) drop the frame with sequence 100 and
// overwrite one payload byte of the frame with sequence 50. The receiver must count exactly one
// `lost` and, with --touch, exactly one `corrupt`; the rules' own counters prove each hit once.
// (tc pedit/gact are not in this kernel; nft payload mangling is. The rules live in the test's
// namespace and go with it.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AppProcess } from '../../src/apps/app.js';
import { exec } from '../../src/common/exec.js';
import { LISTEN_PORT, runPair, variantSkipReason, type Variant } from '../helpers/app-pair.js';
import { ROOT } from '../helpers/cli.js';
import { vethPair, type VethPair } from '../helpers/veth-pair.js';

const hasNft = spawnSync('nft', ['--version'], { stdio: 'ignore' }).status === 0;
const DROPPED_SEQ = 100;
const CORRUPTED_SEQ = 50;
const N = 200;

let pair: VethPair;

before(async () => {
  pair = await vethPair();
});

after(() => pair.close());

/**
 * The payload's sequence number is its bytes 6..9 (docs/app-protocol.md, wire header), i.e. bits
 * 112..143 after the UDP header; byte 20 of a 64-byte frame's 22-byte payload is pattern, which
 * --touch covers with the checksum (0x55 is not what the pattern holds for sequence 50).
 */
async function injectFaults(netns: string): Promise<void> {
  const nft = (...args: string[]) => exec(['ip', 'netns', 'exec', netns, 'nft', ...args]);
  await nft('add', 'table', 'inet', 'nfp');
  await nft('add', 'chain', 'inet', 'nfp', 'in', '{ type filter hook input priority 0; }');
  const ours = ['udp', 'dport', String(LISTEN_PORT)];
  await nft('add', 'rule', 'inet', 'nfp', 'in', ...ours, '@th,112,32', String(DROPPED_SEQ), 'counter', 'drop');
  await nft(
    'add',
    'rule',
    'inet',
    'nfp',
    'in',
    ...ours,
    '@th,112,32',
    String(CORRUPTED_SEQ),
    'counter',
    '@th,224,8',
    'set',
    '0x55',
  );
}

/** Packets each rule of our chain matched, in rule order. */
function ruleHits(netns: string): number[] {
  const r = spawnSync('ip', ['netns', 'exec', netns, 'nft', '-j', 'list', 'chain', 'inet', 'nfp', 'in'], {
    encoding: 'utf8',
  });
  const rules = (
    JSON.parse(r.stdout) as { nftables: { rule?: { expr: { counter?: { packets: number } }[] } }[] }
  ).nftables.flatMap((e) => (e.rule ? [e.rule] : []));
  return rules.map((rule) => rule.expr.find((x) => x.counter)?.counter?.packets ?? -1);
}

async function clearFaults(netns: string): Promise<void> {
  await exec(['ip', 'netns', 'exec', netns, 'nft', 'delete', 'table', 'inet', 'nfp']);
}

for (const backend of ['udp', 'udp-mmsg'] as const) {
  test(`${backend}: a frame dropped on the path is lost, a frame changed on the path is corrupt`, {
    skip: !hasNft && 'nft is not installed',
  }, async () => {
    await injectFaults(pair.receiver.netns);
    try {
      const { connectorSummary: send, listenerSummary: recv } = await runPair(pair, backend, 'send-recv', N - 1, {
        both: ['--touch'],
        connector: ['--rate', '2000', '--count', String(N)],
      });
      assert.deepEqual(ruleHits(pair.receiver.netns), [1, 1], 'each rule hit exactly one frame');
      assert.equal(send.txPackets, N);
      assert.deepEqual(
        {
          rx: recv.rxPackets,
          lost: recv.lost,
          corrupt: recv.corrupt,
          duplicates: recv.duplicates,
          reordered: recv.reordered,
        },
        { rx: N - 1, lost: 1, corrupt: 1, duplicates: 0, reordered: 0 },
      );
    } finally {
      await clearFaults(pair.receiver.netns);
    }
  });
}

/**
 * Hand-made frames to the receiver's MAC, address and port whose headers are wrong are counted
 * foreign; other traffic (another port, ARP) is left to the kernel; the one good frame is received.
 * An af-xdp receiver's XDP program passes frames too short for IPv4 + UDP to the kernel, so it
 * never sees that one. Its program is attached while it runs and detached after.
 */
const MALFORMED: [Variant, string[], number][] = [
  ['raw-mmsg', ['bad-ip-checksum', 'bad-udp-length', 'too-short', 'other-port', 'arp', 'good'], 3],
  ['af-xdp', ['bad-ip-checksum', 'bad-udp-length', 'other-port', 'arp', 'good'], 2],
];

for (const [variant, kinds, foreign] of MALFORMED) {
  test(`${variant}: malformed frames are foreign, other traffic is ignored, the good one is received`, {
    skip: variantSkipReason(variant),
  }, async () => {
    const { sender, receiver } = pair;
    const recv = new AppProcess({
      role: 'recv',
      netns: receiver.netns,
      label: `${variant} recv`,
      pair: 0,
      args: [
        '--backend',
        variant,
        '--ifname',
        'eth0',
        '--local',
        `${receiver.ip}:${LISTEN_PORT}`,
        '--interval-ms',
        '100',
      ],
    });
    try {
      await recv.waitReady(5000);
      if (variant === 'af-xdp')
        assert.ok(xdpAttached(receiver.netns), 'our XDP program is attached while the receiver runs');
      const sent = spawnSync(
        'ip',
        [
          'netns',
          'exec',
          sender.netns,
          'python3',
          join(ROOT, 'test', 'fixtures', 'malformed-frames.py'),
          sender.ifname!,
          sender.mac,
          receiver.mac,
          sender.ip,
          receiver.ip,
          String(LISTEN_PORT),
          ...kinds,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(sent.status, 0, sent.stderr);
      await new Promise((r) => setTimeout(r, 300)); // three intervals: everything sent has arrived
    } finally {
      await recv.stop();
    }
    assert.deepEqual([recv.summary?.foreign, recv.summary?.rxPackets], [foreign, 1]);
    if (variant === 'af-xdp')
      assert.equal(xdpAttached(receiver.netns), false, 'the XDP program is detached after the receiver exits');
  });
}

function xdpAttached(netns: string): boolean {
  const [link] = JSON.parse(execFileSync('ip', ['-n', netns, '-j', 'link', 'show', 'eth0'], { encoding: 'utf8' })) as {
    xdp?: unknown;
  }[];
  return link?.xdp !== undefined;
}
