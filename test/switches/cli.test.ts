// The kernel data paths through the real CLI (1vs1 and 2vs2), `nfvperf doctor`, and the refusal
// of switches that only probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/store/summary.js';
import { BACKEND_NAMES, SWITCH_NAMES } from '../../src/plan/schema.js';
import { SWITCH_DRIVERS } from '../../src/switches/index.js';
import { Ledger } from '../../src/testbed/ledger.js';
import { newRunToken, runNames } from '../../src/testbed/names.js';
import { Resources } from '../../src/testbed/resources.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { assertRunTotals } from '../helpers/results.js';

const KERNEL_PATHS = ['veth', 'macvlan', 'tc-redirect'];

test('veth, macvlan and tc-redirect each deliver 1vs1 and 2vs2 through the CLI', async () => {
  const before = hostState();
  const dir = tempDir({
    'plan.yaml': `name: kpaths
switches: [${KERNEL_PATHS.join(', ')}]
pairs: [1, 2]
backends: [udp-mmsg]
rates: [20000]
duration: 1
warmup: 0
cooldown: 0
`,
  });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--out', out, '--plain']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
  assert.deepEqual(
    summary.cases.map((c) => `${c.switch}/${c.pairs}`),
    KERNEL_PATHS.flatMap((s) => [`${s}/1`, `${s}/2`]),
  );
  for (const c of summary.cases) {
    assert.equal(c.status, 'ok', `${c.id}: ${c.error}`);
    const t = c.throughput!;
    assert.ok(t.rxPps > 0, `${c.id}: packets arrived`);
    // Loss is the receivers' sequence gaps, never more than what was sent and not received; the
    // exact relation holds on run totals (assertRunTotals), not per one-second window, where a
    // loaded machine moves queued packets across the edges.
    assert.equal(t.lossRatio > 0, t.lostPackets > 0, `${c.id}: a loss ratio only with lost packets`);
    assert.ok(t.txPps > 20000 * c.pairs * 0.5, `${c.id}: every pair sent (${t.txPps} pps)`);
  }
  assertRunTotals(join(out, 'results.sqlite'));
  assertNoLeaks(before);
});

interface DoctorEntry {
  name: string;
  available: boolean;
  version: string | null;
  reason: string | null;
  fix: string | null;
}

test('doctor --json: one entry per switch, backend and runtime, with reasons and fixes', async () => {
  const r = await nfvperf(['doctor', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { switches: DoctorEntry[]; backends: DoctorEntry[]; runtimes: DoctorEntry[] };
  assert.deepEqual(report.switches.map((s) => s.name).sort(), [...SWITCH_NAMES].sort());
  assert.deepEqual(
    report.backends.map((b) => b.name),
    [...BACKEND_NAMES],
  );
  assert.deepEqual(
    report.runtimes.map((b) => b.name),
    ['netns', 'lxc'],
  );
  for (const e of [...report.switches, ...report.backends, ...report.runtimes]) {
    if (e.available) assert.equal(e.reason, null, e.name);
    else assert.ok(e.reason && e.fix, `${e.name} says why and how to fix: ${JSON.stringify(e)}`);
  }
  const available = (name: string) => report.switches.find((s) => s.name === name)!.available;
  for (const name of ['linux-bridge', ...KERNEL_PATHS]) assert.ok(available(name), `${name} runs here`);
  assert.equal(report.runtimes.find((e) => e.name === 'netns')!.available, true);

  const text = await nfvperf(['doctor']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /switches that run here: linux-bridge, veth, macvlan, tc-redirect/);
});

test('probe-only switches say why they cannot run, and refuse to start', async () => {
  const names = runNames(newRunToken());
  // (ovs, ovs-afxdp, basicfwd, memif, vpp and snabb have real drivers now: test/switches/ovs*.test.ts, dpdk*.test.ts,
  // memif.test.ts, vpp.test.ts, snabb.test.ts; sriov, for hardware absent here, is tested on a fake sysfs: sriov.test.ts.)
  for (const d of SWITCH_DRIVERS.filter((x) => ['vale'].includes(x.name))) {
    const p = await d.probe();
    assert.equal(p.available, false, d.name);
    assert.ok(p.reason && p.fix, d.name);
    // start() throws before touching anything: no resource is even recorded.
    const ledger = Ledger.open(names.token, tempDir());
    const resources = new Resources(ledger);
    await assert.rejects(d.start({ names, resources, cpus: [] }), new RegExp(`switch ${d.name} cannot run here`));
    assert.equal(resources.size, 0);
  }
});

test('a plan naming an unavailable switch is refused with the probe’s reason and fix', async () => {
  const before = hostState();
  const dir = tempDir({ 'p.yaml': 'name: p\nswitches: [veth, sriov]\n' });
  const r = await nfvperf(['run', join(dir, 'p.yaml'), '--out', join(dir, 'out')]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /p\.yaml:2:\d+ switches\[1\]: switch sriov is unavailable here: no SR-IOV capable NIC \(no \/sys\/class\/net\/\*\/device\/sriov_totalvfs\) \(fix: /,
  );
  assert.equal(existsSync(join(dir, 'out')), false);
  assertNoLeaks(before);
});
