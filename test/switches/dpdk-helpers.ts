// Shared by the DPDK switch tests: dpdk-testpmd as a stand-in app (until nfvperf-app has its dpdk
// backend), a host check for the OVS/DPDK leftovers assertNoLeaks does not see, and skip reasons.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { readHugepages } from '../../src/testbed/hugepages.js';
import { Ledger, readLedgers } from '../../src/testbed/ledger.js';
import { newRunToken, runNames, type RunNames } from '../../src/testbed/names.js';
import { Resources } from '../../src/testbed/resources.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';

/** Why the DPDK tests cannot run here, or undefined. */
export function dpdkSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  if (spawnSync('pkg-config', ['--exists', 'libdpdk']).status !== 0) return 'libdpdk is not installed (apt-get install dpdk libdpdk-dev; scripts/setup-debian.sh)';
  if (!existsSync('/usr/bin/dpdk-testpmd')) return 'dpdk-testpmd is not installed (apt-get install dpdk)';
  if (!existsSync('/sys/kernel/mm/hugepages/hugepages-2048kB')) return 'no 2 MB hugepages on this kernel';
  return undefined;
}

export function ovsSkipReason(): string | undefined {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}', 'openvswitch-switch-dpdk'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.startsWith('ii')) return 'openvswitch-switch-dpdk is not installed (apt-get install openvswitch-switch-dpdk; scripts/setup-debian.sh)';
  return undefined;
}

/** Live (non-zombie) processes whose command name is one of `names`. */
export function livePids(names: readonly string[]): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
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

export interface DpdkHostState { hugepages: number; daemons: number[]; runDirs: string[] }

// Process names as /proc shows them (15 characters): the DPDK build of vswitchd is ovs-vswitchd-dpdk.
const DAEMONS = ['ovs-vswitchd', 'ovs-vswitchd-dp', 'ovsdb-server', 'dpdk-testpmd', 'nfvperf-basicfw'];

export function dpdkHostState(): DpdkHostState {
  let runDirs: string[] = [];
  try { runDirs = readdirSync('/run/nfvperf').filter((d) => /^[0-9a-f]{4}$/.test(d)).sort(); } catch { /* none */ }
  return { hugepages: readHugepages().total, daemons: livePids(DAEMONS), runDirs };
}

/** No daemon left, the hugepage count as found, no run directory added. */
export function assertDpdkClean(before: DpdkHostState): void {
  const after = dpdkHostState();
  assert.deepEqual({
    hugepages: after.hugepages,
    daemons: after.daemons.filter((p) => !before.daemons.includes(p)),
    runDirs: after.runDirs.filter((d) => !before.runDirs.includes(d)),
  }, { hugepages: before.hugepages, daemons: [], runDirs: [] }, 'DPDK resources leaked');
}

/** One dpdk-testpmd, in a network namespace, its output kept; stopped with SIGINT (it prints totals). */
export class Testpmd {
  private readonly child: ChildProcess;
  output = '';
  private readonly exited: Promise<number | null>;

  /** `netns` undefined: in the caller's namespace (vhost-user and memif ports need none). */
  constructor(netns: string | undefined, opts: { cpu: number; filePrefix: string; vdev: string; mode: string; ethPeer?: string; extraEal?: string[] }) {
    const argv = [...(netns ? ['ip', 'netns', 'exec', netns] : []), 'dpdk-testpmd', '--lcores', `0@${opts.cpu},1@${opts.cpu}`,
      '--file-prefix', opts.filePrefix, '--no-pci', '--single-file-segments', '-m', '256', ...(opts.extraEal ?? []),
      '--vdev', opts.vdev, '--', `--forward-mode=${opts.mode}`, '--stats-period', '1', '--no-mlockall',
      '--total-num-mbufs=8192', ...(opts.ethPeer ? [`--eth-peer=0,${opts.ethPeer}`] : [])];
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => { this.output += String(d); });
    this.child.stderr!.on('data', (d) => { this.output += String(d); });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves once testpmd forwards (its first statistics block), or rejects with its output. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes('Port statistics')) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`testpmd did not start:\n${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /** The final totals of port 0 (`Accumulated forward statistics` or the last statistics block). */
  totals(): { rx: number; tx: number } {
    const last = (re: RegExp) => { const all = [...this.output.matchAll(re)]; return all.length ? Number(all.at(-1)![1]) : 0; };
    return { rx: last(/RX-packets:\s+(\d+)/g), tx: last(/TX-packets:\s+(\d+)/g) };
  }
}

/**
 * A switch test's own run: names, ledger and resources as `nfvperf run` makes them, and the host
 * as it was. `release()` tears down and fails on a teardown error; `assertClean()` then fails on
 * anything left (namespaces, links, apps, hugepages, DPDK daemons and run directories).
 */
export function switchTestRun(): { names: RunNames; resources: Resources; release(): Promise<void>; assertClean(): void } {
  const before = hostState();
  const dpdkBefore = dpdkHostState();
  const names = runNames(newRunToken(new Set(readLedgers().map((l) => l.token))));
  const ledger = Ledger.open(names.token);
  const resources = new Resources(ledger);
  return {
    names, resources,
    async release() {
      const errors = await resources.releaseAll();
      ledger.close();
      assert.deepEqual(errors.map((e) => e.message), []);
    },
    assertClean() {
      assertNoLeaks(before);
      assertDpdkClean(dpdkBefore);
    },
  };
}
