// The two-port roles for real: a tester (one process on the host, its transmit port opened in one
// namespace, its receive port in another) across a veth cable; tester → forwarder → tester across a
// Linux bridge joining four namespaces; and a dpdk tester looped through a dpdk forwarder over two
// memif sockets. Exact counts: what the tester sent arrives, none lost, and the forwarder's counters
// are what the tester sent and received. Bad two-port options exit 2 before touching anything.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AppProcess, appBinary } from '../../src/apps/app.js';
import { backendInfo } from '../../src/apps/backends.js';
import type { SummaryLine } from '../../src/apps/protocol.js';
import { Ledger } from '../../src/testbed/ledger.js';
import { newRunToken, runNames } from '../../src/testbed/names.js';
import { addNeighbor, type Container, createContainer } from '../../src/testbed/netns.js';
import { Resources } from '../../src/testbed/resources.js';
import { ensureRunDir, runPath } from '../../src/testbed/rundir.js';
import { linuxBridge } from '../../src/switches/linux-bridge.js';
import { variantSkipReason, type Variant } from '../helpers/app-pair.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { vethPair, type VethPair } from '../helpers/veth-pair.js';
import { assertDpdkClean, dpdkHostState, dpdkSkipReason } from '../switches/dpdk-helpers.js';

const KERNEL_VARIANTS: Variant[] = ['udp', 'udp-mmsg', 'raw', 'raw-mmsg', 'af-xdp'];
const N = 300;
/** Low enough for every backend on a busy 2-vCPU host: 300 frames take 0.15 s. */
const PACED = ['--rate', '2000', '--count', String(N), '--burst', '8', '--touch'];
const IN_PORT = 7001;
const OUT_PORT = 7000;

function app(args: string[]) {
  return spawnSync(appBinary(), args, { encoding: 'utf8', timeout: 10_000 });
}

const TX = ['--local', '198.18.0.1:1', '--remote', '198.18.0.2:2'];
const BAD_ARGUMENTS: [string[], RegExp][] = [
  [['tester', ...TX], /--rx-local: required for tester/],
  [['forwarder', ...TX], /--rx-local: required for forwarder/],
  [['forwarder', '--local', '198.18.0.1:1', '--rx-local', '198.18.0.2:2'], /--remote: required for forwarder/],
  [['send', ...TX, '--rx-local', '198.18.0.1:3'], /--rx-local: only for tester\/forwarder/],
  [['recv', '--local', '198.18.0.1:1', '--rx-netns', '/proc/self/ns/net'], /--rx-netns: only for tester\/forwarder/],
  [['tester', ...TX, '--rx-local', '198.18.0.1:0'], /--rx-local: tester needs a port 1..65535/],
  [['forwarder', ...TX, '--rx-local', '198.18.0.1:0'], /--rx-local: forwarder needs a port 1..65535/],
  [['tester', ...TX, '--rx-local', '198.18.0.1:3', '--netns', '/tmp'], /--netns: expected a network namespace/],
  [['tester', ...TX, '--rx-local', '198.18.0.1:3', '--rx-netns', '/nonexistent/ns'], /--rx-netns \/nonexistent/],
  [['tester', ...TX, '--rx-local', '198.18.0.1:3', '--blocking'], /--blocking: not for tester/],
  [['forwarder', ...TX, '--rx-local', '198.18.0.1:3', '--count', '5'], /--count: not for forwarder/],
  [
    [
      'tester',
      '--backend',
      'raw',
      ...TX,
      '--rx-local',
      '198.18.0.1:3',
      '--ifname',
      'lo',
      '--remote-mac',
      '02:00:00:00:00:01',
    ],
    /--rx-ifname: required for --backend raw/,
  ],
  [
    ['tester', '--backend', 'raw', ...TX, '--rx-local', '198.18.0.1:3', '--ifname', 'lo', '--rx-ifname', 'nfpnosuchif'],
    /--remote-mac: required for tester/,
  ],
  [
    ['forwarder', '--backend', 'udp', ...TX, '--rx-local', '198.18.0.1:3', '--rx-ifname', 'lo'],
    /--rx-ifname: only for the backends that build their own frames/,
  ],
  [
    [
      'tester',
      '--backend',
      'dpdk',
      '--vdev',
      'net_null0',
      ...TX,
      '--rx-local',
      '198.18.0.1:3',
      '--remote-mac',
      '02:00:00:00:00:01',
    ],
    /--rx-vdev: required for tester with --backend dpdk/,
  ],
  [
    [
      'tester',
      '--backend',
      'dpdk',
      '--vdev',
      'net_null0',
      '--rx-vdev',
      'net_null1',
      ...TX,
      '--rx-local',
      '198.18.0.1:3',
      '--remote-mac',
      '02:00:00:00:00:01',
      '--rx-netns',
      '/proc/self/ns/net',
    ],
    /--rx-netns: --backend dpdk probes both ports in one EAL/,
  ],
];

for (const [argv, message] of BAD_ARGUMENTS) {
  const backend = argv[argv.indexOf('--backend') + 1] ?? 'udp';
  test(`nfvperf-app ${argv.join(' ')} exits 2 naming the argument`, {
    skip: argv.includes('--backend') ? variantSkipReason(backend as Variant) : undefined,
  }, () => {
    const r = app(argv);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing on stdout');
  });
}

/** The file of a container's network namespace, for --netns and --rx-netns. */
function netnsPath(c: Container): string {
  return `/run/netns/${c.netns}`;
}

/**
 * A two-port app's port options: `tx` sends from its container to `next` (a container, the next
 * hop), `rx` receives in its own. Kernel backends that build frames name the interface and MACs.
 */
function portArgs(backend: string, tx: { self: Container; next: Container }, rx: Container): string[] {
  const info = backendInfo(backend);
  return [
    '--backend',
    backend,
    '--netns',
    netnsPath(tx.self),
    '--local',
    `${tx.self.ip}:${OUT_PORT}`,
    '--remote',
    `${tx.next.ip}:${IN_PORT}`,
    '--rx-netns',
    netnsPath(rx),
    '--rx-local',
    `${rx.ip}:${IN_PORT}`,
    ...(info.needsInterface ? ['--ifname', tx.self.ifname!, '--rx-ifname', rx.ifname!] : []),
    ...(info.ownFrames ? ['--remote-mac', tx.next.mac] : []),
  ];
}

function twoPortApp(role: 'tester' | 'forwarder', label: string, args: string[]): AppProcess {
  // Started on the host: the app enters each port's namespace itself.
  return new AppProcess({ role, label, pair: 0, args: [...args, '--interval-ms', '100'] });
}

/**
 * Runs a tester until it stops by itself (its --count sent, then all of it received); `summarized`
 * runs once it has printed its summary (a dpdk memif client then waits for its server to leave).
 */
async function runTester(tester: AppProcess, summarized?: () => Promise<void>): Promise<SummaryLine> {
  try {
    await tester.waitReady(20_000);
    const deadline = Date.now() + 20_000;
    while (tester.running && !tester.summary && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!tester.summary) throw tester.failure('did not stop by itself after its --count');
    await summarized?.();
    if (!(await tester.waitExit(10_000))) throw tester.failure('did not exit after its summary');
  } finally {
    await tester.stop();
  }
  if (tester.exitCode !== 0 || !tester.summary) throw tester.failure('failed');
  return tester.summary;
}

function assertExact(s: SummaryLine, app: AppProcess): void {
  assert.deepEqual(
    {
      tx: s.txPackets,
      unsent: s.unsent,
      rx: s.rxPackets,
      lost: s.lost,
      corrupt: s.corrupt,
      duplicates: s.duplicates,
      reordered: s.reordered,
      foreign: s.foreign,
      rxBytes: s.rxBytes,
    },
    { tx: N, unsent: 0, rx: N, lost: 0, corrupt: 0, duplicates: 0, reordered: 0, foreign: 0, rxBytes: N * 64 },
  );
  assert.equal(
    app.intervals.reduce((n, i) => n + (i.rxPackets ?? 0) + (i.txPackets ?? 0), 0),
    2 * N,
    'interval counts add up to the summary',
  );
}

describe('tester across a veth cable between two namespaces', () => {
  let pair: VethPair;
  before(async () => {
    pair = await vethPair();
  });
  after(() => pair.close());

  for (const variant of KERNEL_VARIANTS) {
    test(`${variant}: the tester sends ${N} frames from one namespace and receives exactly them in the other`, {
      skip: variantSkipReason(variant),
    }, async () => {
      const tester = twoPortApp('tester', `${variant} tester`, [
        ...portArgs(variant, { self: pair.sender, next: pair.receiver }, pair.receiver),
        ...PACED,
      ]);
      const summary = await runTester(tester);
      assertExact(summary, tester);
      assert.equal(summary.achievedPps !== null && summary.achievedPps > 0, true, 'achievedPps is the receive rate');
      assert.equal((tester.start as unknown as Record<string, unknown>).rxNetns, netnsPath(pair.receiver));
    });
  }
});

describe('tester → forwarder → tester across a Linux bridge', () => {
  let state: ReturnType<typeof hostState>;
  let ledger: Ledger;
  let resources: Resources;
  /** The tester's transmit and receive containers, the forwarder's in and out. */
  let testerTx: Container, fwdIn: Container, fwdOut: Container, testerRx: Container;

  before(async () => {
    state = hostState();
    const names = runNames(newRunToken());
    ledger = Ledger.open(names.token);
    resources = new Resources(ledger);
    const bridge = await linuxBridge.start({ names, resources, cpus: [] });
    if (!bridge.attach) throw new Error('linux-bridge attaches containers one at a time');
    testerTx = await createContainer(resources, names, 's', 0);
    fwdIn = await createContainer(resources, names, 'r', 0);
    fwdOut = await createContainer(resources, names, 's', 1);
    testerRx = await createContainer(resources, names, 'r', 1);
    for (const c of [testerTx, fwdIn, fwdOut, testerRx]) await bridge.attach(c);
    // Kernel UDP senders resolve their next hop without ARP, as the runner's containers do.
    await addNeighbor(testerTx, fwdIn);
    await addNeighbor(fwdOut, testerRx);
  });
  after(async () => {
    await resources.releaseAll();
    ledger.close();
    assertNoLeaks(state);
  });

  for (const variant of KERNEL_VARIANTS) {
    test(`${variant}: ${N} frames through one forwarder arrive exactly; the forwarder counts what the tester sent and received`, {
      skip: variantSkipReason(variant),
    }, async () => {
      const forwarder = twoPortApp('forwarder', `${variant} forwarder`, [
        ...portArgs(variant, { self: fwdOut, next: testerRx }, fwdIn),
        '--size',
        '64',
      ]);
      let summary: SummaryLine;
      try {
        await forwarder.waitReady(10_000);
        const tester = twoPortApp('tester', `${variant} tester`, [
          ...portArgs(variant, { self: testerTx, next: fwdIn }, testerRx),
          ...PACED,
        ]);
        summary = await runTester(tester);
        assertExact(summary, tester);
      } finally {
        await forwarder.stop();
      }
      const fwd = forwarder.summary;
      assert.ok(fwd && forwarder.exitCode === 0, forwarder.stderr);
      assert.deepEqual(
        {
          rx: fwd.rxPackets,
          rxBytes: fwd.rxBytes,
          tx: fwd.txPackets,
          txBytes: fwd.txBytes,
          unsent: fwd.unsent,
          foreign: fwd.foreign,
        },
        { rx: N, rxBytes: N * 64, tx: N, txBytes: N * 64, unsent: 0, foreign: 0 },
      );
      assert.equal(fwd.achievedPps !== null && fwd.achievedPps > 0, true);
    });
  }
});

describe('dpdk: a tester looped through a forwarder over two memif sockets', () => {
  const skip = variantSkipReason('dpdk/memif') ?? dpdkSkipReason();
  let pair: VethPair;
  let dpdkBefore: ReturnType<typeof dpdkHostState>;
  let dir: string;
  before(async () => {
    dpdkBefore = dpdkHostState();
    pair = await vethPair(); // for its ledger and run directory; the apps need no namespace
    dir = await ensureRunDir(pair.resources, runPath(pair.names.token));
  });
  after(async () => {
    await pair.close();
    assertDpdkClean(dpdkBefore);
  });

  /**
   * One memif port. The forwarder serves both sockets and the tester is their client: DPDK 22.11's
   * memif crashes a side still polling when its peer disconnects, so the client must be done
   * first (the tester: it waits in close for its server to leave) and the server stopped next
   * (dpdk.c says more).
   */
  function memif(id: number, socket: string, role: 'server' | 'client'): string {
    return `net_memif${id},role=${role},id=0,socket=${join(dir, socket)},socket-abstract=no`;
  }

  function dpdkArgs(who: 't' | 'f', cpu: number, macs: { tx: string; rx: string; next: string }): string[] {
    return [
      '--backend',
      'dpdk',
      '--no-huge',
      '--file-prefix',
      `nfp${pair.names.token}${who}`,
      '--cpu',
      String(cpu),
      '--local-mac',
      macs.tx,
      '--rx-local-mac',
      macs.rx,
      '--remote-mac',
      macs.next,
    ];
  }

  test(`the tester sends ${N} frames on net_memif0 and receives exactly them on net_memif1; the forwarder counts them`, {
    skip,
  }, async () => {
    const mac = (n: number) => `02:00:00:00:00:0${n}`;
    // tester tx (1) → forwarder rx (2); forwarder tx (3) → tester rx (4)
    const forwarder = twoPortApp('forwarder', 'dpdk forwarder', [
      ...dpdkArgs('f', 1, { tx: mac(3), rx: mac(2), next: mac(4) }),
      '--rx-vdev',
      memif(0, 'a.sock', 'server'),
      '--vdev',
      memif(1, 'b.sock', 'server'),
      '--local',
      '198.18.0.3:7000',
      '--remote',
      '198.18.0.4:7001',
      '--rx-local',
      '198.18.0.2:7001',
    ]);
    const tester = twoPortApp('tester', 'dpdk tester', [
      ...dpdkArgs('t', 0, { tx: mac(1), rx: mac(4), next: mac(2) }),
      '--vdev',
      memif(0, 'a.sock', 'client'),
      '--rx-vdev',
      memif(1, 'b.sock', 'client'),
      '--local',
      '198.18.0.1:7000',
      '--remote',
      '198.18.0.2:7001',
      '--rx-local',
      '198.18.0.4:7001',
      ...PACED,
      // A memif port's first burst right after link-up can be refused (the peer is still setting
      // up its rings): start sending once both EALs are surely up, as runPair does.
      '--epoch-ns',
      String(process.hrtime.bigint() + 3_000_000_000n),
    ]);
    let summary: SummaryLine;
    try {
      summary = await runTester(tester, () => forwarder.stop(5000));
    } finally {
      await forwarder.stop(5000);
    }
    assertExact(summary, tester);
    const fwd = forwarder.summary;
    assert.ok(fwd && forwarder.exitCode === 0, forwarder.stderr);
    assert.deepEqual(
      { rx: fwd.rxPackets, tx: fwd.txPackets, unsent: fwd.unsent, foreign: fwd.foreign },
      { rx: N, tx: N, unsent: 0, foreign: 0 },
    );
  });
});
