// The kernel data paths, driven through the SwitchDriver interface in real namespaces: each one
// delivers a sender's packets to its receiver, and the packets took the intended path (read back
// from the kernel before teardown). Nothing is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppProcess } from '../../src/apps/app.js';
import { SWITCH_DRIVERS } from '../../src/switches/index.js';
import { linuxBridge } from '../../src/switches/linux-bridge.js';
import { macvlan, macvlanParent } from '../../src/switches/macvlan.js';
import { readIngressRedirects, readLink } from '../../src/switches/readback.js';
import { destinationMacKeys, tcRedirect } from '../../src/switches/tc-redirect.js';
import { connectPair, type SwitchDriver } from '../../src/switches/types.js';
import { veth } from '../../src/switches/veth.js';
import { exec } from '../../src/common/exec.js';
import { SWITCH_NAMES } from '../../src/plan/schema.js';
import { Ledger, readLedgers } from '../../src/testbed/ledger.js';
import { newRunToken, runNames, type RunNames } from '../../src/testbed/names.js';
import { addNeighbor, createContainer, type Container } from '../../src/testbed/netns.js';
import { Resources } from '../../src/testbed/resources.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';

const PACKETS_PER_S = 2000;

interface Built {
  names: RunNames;
  pairs: { sender: Container; receiver: Container }[];
}

/**
 * Builds `pairs` pairs on `driver`, sends one second of traffic in each, calls `inspect` while
 * everything still exists, then tears down and checks nothing leaked. Returns what receivers got.
 */
async function withTraffic(
  driver: SwitchDriver,
  pairs: number,
  inspect: (b: Built, rx: number[]) => Promise<void>,
): Promise<void> {
  const before = hostState();
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  const apps: AppProcess[] = [];
  try {
    const sw = await driver.start({ names, resources, cpus: [] });
    const built: Built = { names, pairs: [] };
    for (let p = 0; p < pairs; p++) {
      const sender = await createContainer(resources, names, 's', p);
      const receiver = await createContainer(resources, names, 'r', p);
      await connectPair(sw, sender, receiver);
      await addNeighbor(sender, receiver);
      await addNeighbor(receiver, sender);
      built.pairs.push({ sender, receiver });
    }
    const receivers = built.pairs.map(
      ({ receiver }, p) =>
        new AppProcess({
          role: 'recv',
          netns: receiver.netns,
          label: `receiver ${p}`,
          pair: p,
          args: ['--backend', 'udp', '--flow', String(p), '--local', `${receiver.ip}:7001`],
        }),
    );
    apps.push(...receivers);
    await Promise.all(receivers.map((a) => a.waitReady(5000)));
    const senders = built.pairs.map(
      ({ sender, receiver }, p) =>
        new AppProcess({
          role: 'send',
          netns: sender.netns,
          label: `sender ${p}`,
          pair: p,
          args: [
            '--backend',
            'udp',
            '--flow',
            String(p),
            '--local',
            `${sender.ip}:7000`,
            '--remote',
            `${receiver.ip}:7001`,
            '--rate',
            String(PACKETS_PER_S),
            '--duration',
            '1',
          ],
        }),
    );
    apps.push(...senders);
    for (const s of senders) assert.ok(await s.waitExit(10_000), `${s.options.label} stopped`);
    await new Promise((r) => setTimeout(r, 200));
    await Promise.all(receivers.map((a) => a.stop()));
    const rx = receivers.map((a) => {
      assert.equal(a.exitCode, 0, a.stderr);
      return a.summary && 'rxPackets' in a.summary ? Number(a.summary.rxPackets) : 0;
    });
    rx.forEach((n, p) => assert.ok(n > PACKETS_PER_S / 2, `receiver ${p} got ${n} packets`));
    await inspect(built, rx);
  } finally {
    await Promise.all(apps.map((a) => a.stop(500)));
    const errors = await resources.releaseAll();
    ledger.close();
    assert.deepEqual(errors, [], 'teardown errors');
  }
  assertNoLeaks(before);
}

test('every switch the plan schema names has exactly one driver', () => {
  const names = SWITCH_DRIVERS.map((d) => d.name);
  assert.deepEqual([...names].sort(), [...SWITCH_NAMES].sort());
});

test('u32 keys for a destination MAC: u16 at -14 and u32 at -12', () => {
  assert.deepEqual(destinationMacKeys('02:6e:ab:cd:03:07'), [
    'match',
    'u16',
    '0x026e',
    '0xffff',
    'at',
    '-14',
    'match',
    'u32',
    '0xabcd0307',
    '0xffffffff',
    'at',
    '-12',
  ]);
  assert.throws(() => destinationMacKeys('02:6e:ab'), /bad MAC/);
});

test('linux-bridge: the bridge learned both container MACs', async () => {
  await withTraffic(linuxBridge, 1, async ({ names, pairs }) => {
    const r = await exec(['bridge', '-j', 'fdb', 'show', 'br', names.bridge]);
    const macs = (JSON.parse(r.stdout) as { mac: string }[]).map((e) => e.mac);
    for (const { sender, receiver } of pairs) {
      assert.ok(macs.includes(sender.mac), `fdb has sender ${sender.mac}: ${macs.join(' ')}`);
      assert.ok(macs.includes(receiver.mac), `fdb has receiver ${receiver.mac}`);
    }
  });
});

test('veth: 2 pairs, each sender cabled straight to its own receiver', async () => {
  await withTraffic(veth, 2, async ({ pairs }) => {
    for (const { sender, receiver } of pairs) {
      const s = (await readLink('eth0', sender.netns))!;
      const r = (await readLink('eth0', receiver.netns))!;
      assert.equal(s.link_index, r.ifindex, 'the sender end’s peer is the receiver end');
      assert.ok(r.stats64!.rx.packets >= PACKETS_PER_S / 2, `receiver eth0 rx ${r.stats64!.rx.packets}`);
    }
  });
});

test('macvlan: bridge-mode siblings talk without the parent carrying the traffic', async () => {
  await withTraffic(macvlan, 2, async ({ names, pairs }, rx) => {
    const { parent } = macvlanParent(names);
    const lower = (await readLink(parent))!;
    for (const { sender } of pairs) {
      const s = (await readLink('eth0', sender.netns))!;
      assert.equal(s.linkinfo?.info_kind, 'macvlan');
      assert.equal(s.linkinfo?.info_data?.mode, 'bridge');
      assert.equal(s.link_index, lower.ifindex, 'child of the run’s parent');
    }
    // The parent sees at most stray multicast (IPv6 router solicitations), never the data.
    const total = rx.reduce((a, b) => a + b, 0);
    assert.ok(lower.stats64!.tx.packets < total / 10, `parent tx ${lower.stats64!.tx.packets} vs ${total} delivered`);
  });
});

test('tc-redirect: the u32+mirred filters on the host ends counted the packets, no bridge exists', async () => {
  await withTraffic(tcRedirect, 2, async ({ names, pairs }, rx) => {
    const links = await exec(['ip', '-j', 'link', 'show', 'type', 'bridge']);
    assert.ok(
      !(JSON.parse(links.stdout) as { ifname: string }[]).some((l) => l.ifname.includes(names.token)),
      'no bridge of this run',
    );
    for (const [p, { sender, receiver }] of pairs.entries()) {
      const senderEnd = names.hostLink(sender.side, sender.pair);
      const receiverEnd = names.hostLink(receiver.side, receiver.pair);
      const redirects = await readIngressRedirects(senderEnd);
      assert.equal(redirects.length, 1);
      assert.equal(redirects[0]!.toDev, receiverEnd);
      assert.ok(
        redirects[0]!.packets >= rx[p]!,
        `filter on ${senderEnd} redirected ${redirects[0]!.packets} ≥ ${rx[p]} received`,
      );
    }
  });
});
