// Shared by the DPDK switch tests: a host check for the OVS/DPDK leftovers assertNoLeaks does not
// see, skip reasons, and a switch test's own run. (dpdk-testpmd as a peer: bench/testpmd.ts.)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { readHugepages } from '../../src/testbed/hugepages.js';
import { Ledger, readLedgers } from '../../src/testbed/ledger.js';
import { newRunToken, runNames, type RunNames } from '../../src/testbed/names.js';
import { Resources } from '../../src/testbed/resources.js';
import { join } from 'node:path';
import type { Summary } from '../../src/store/summary.js';
import { tempDir } from '../helpers/cli.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { appPids, startRun } from '../helpers/spawn.js';

/** Why the DPDK tests cannot run here, or undefined. */
export function dpdkSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (spawnSync('pkg-config', ['--exists', 'libdpdk']).status !== 0)
    return 'libdpdk is not installed (apt-get install dpdk libdpdk-dev; scripts/setup-debian.sh)';
  if (!existsSync('/usr/bin/dpdk-testpmd')) return 'dpdk-testpmd is not installed (apt-get install dpdk)';
  if (!existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) return 'no 2 MB hugepages on this kernel';
  return undefined;
}

export function ovsSkipReason(): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}', 'openvswitch-switch-dpdk'], {
    encoding: 'utf8',
  });
  if (r.status !== 0 || !r.stdout.startsWith('ii'))
    return 'openvswitch-switch-dpdk is not installed (apt-get install openvswitch-switch-dpdk; scripts/setup-debian.sh)';
  return undefined;
}

/** Live (non-zombie) processes whose command name is one of `names`. */
export function livePids(names: readonly string[]): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        return names.includes(comm) && state !== 'Z' ? [Number(pid)] : [];
      } catch {
        return [];
      }
    });
}

export interface DpdkHostState {
  hugepages: number;
  daemons: number[];
  runDirs: string[];
  shm: string[];
}

// Process names as /proc shows them (15 characters): the DPDK build of vswitchd is ovs-vswitchd-dpdk;
// VPP's main thread names itself vpp_main; Snabb's supervisor [snabb sup].
const DAEMONS = [
  'ovs-vswitchd',
  'ovs-vswitchd-dp',
  'ovsdb-server',
  'dpdk-testpmd',
  'nfvperf-basicfw',
  'vpp',
  'vpp_main',
  'snabb',
  '[snabb sup]',
];

export function dpdkHostState(): DpdkHostState {
  let runDirs: string[] = [];
  try {
    runDirs = readdirSync('/run/nfvperf')
      .filter((d) => /^[0-9a-f]{4}$/.test(d))
      .sort();
  } catch {
    /* none */
  }
  // Shared-memory files of ours (VPP's API segment is /dev/shm/nfp<token>vpp-*).
  let shm: string[] = [];
  try {
    shm = readdirSync('/dev/shm')
      .filter((f) => f.startsWith('nfp'))
      .sort();
  } catch {
    /* none */
  }
  return { hugepages: readHugepages().total, daemons: livePids(DAEMONS), runDirs, shm };
}

/** No daemon left, the hugepage count as found, no run directory or shared-memory file added. */
export function assertDpdkClean(before: DpdkHostState): void {
  const after = dpdkHostState();
  assert.deepEqual(
    {
      hugepages: after.hugepages,
      daemons: after.daemons.filter((p) => !before.daemons.includes(p)),
      runDirs: after.runDirs.filter((d) => !before.runDirs.includes(d)),
      shm: after.shm.filter((f) => !before.shm.includes(f)),
    },
    { hugepages: before.hugepages, daemons: [], runDirs: [], shm: [] },
    'DPDK resources leaked',
  );
}

/**
 * A switch that dies mid-case: runs `plan` (two cases) through the CLI, SIGKILLs the one new
 * process whose command name is in `comms` once a sender runs, and checks that the run exits 1,
 * the first case failed naming the switch process `name`, and the second one ran.
 */
export async function killSwitchMidRun(plan: string, comms: readonly string[], name: string): Promise<void> {
  const before = livePids(comms);
  const dir = tempDir({ 'p.yaml': plan });
  const out = join(dir, 'out');
  const run = startRun([join(dir, 'p.yaml'), '--out', out]);
  await run.waitFor(/running/, 60_000);
  let victim: number | undefined;
  for (let i = 0; i < 400 && victim === undefined; i++) {
    const daemons = livePids(comms).filter((p) => !before.includes(p));
    if (daemons.length === 1 && appPids('send').length > 0) victim = daemons[0];
    else await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(victim, `${name} and the sender are running`);
  process.kill(victim, 'SIGKILL');
  assert.equal(await run.exit(), 1, run.output());
  const cases = (JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary).cases;
  assert.equal(cases[0]!.status, 'failed');
  assert.match(cases[0]!.error!, new RegExp(`switch process ${name} \\(pid \\d+\\) died during the case`));
  assert.equal(cases[1]!.status, 'ok', cases[1]!.error);
}

/**
 * A switch test's own run: names, ledger and resources as `nfvperf run` makes them, and the host
 * as it was. `release()` tears down and fails on a teardown error; `assertClean()` then fails on
 * anything left (namespaces, links, apps, hugepages, DPDK daemons and run directories).
 */
export function switchTestRun(): {
  names: RunNames;
  resources: Resources;
  release(): Promise<void>;
  assertClean(): void;
} {
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  return {
    names,
    resources,
    async release() {
      const errors = await resources.releaseAll();
      ledger.close();
      assert.deepEqual(
        errors.map((e) => e.message),
        [],
      );
    },
    assertClean() {
      assertNoLeaks(before);
      assertDpdkClean(dpdkBefore);
    },
  };
}
