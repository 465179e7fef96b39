// CPU per component for real: a linux-bridge case through the CLI shows the kernel's softirq work
// (veth and bridge forwarding run there), and an OVS-DPDK PMD sampled on its own CPU shows a
// polling thread's whole core. Behaviour, not speed: a share above zero, a share above one half.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { SummaryDocument } from '../../src/analysis/summary-document.js';
import { CpuSampler } from '../../src/runner/cpu-sampler.js';
import { ovs } from '../../src/switches/ovs.js';
import { connectPair } from '../../src/switches/types.js';
import { readTopology } from '../../src/testbed/cpus.js';
import { createContainer } from '../../src/testbed/netns.js';
import { assertNoLeaks, hostState } from '../helpers/host.js';
import { nfvperf, tempDir } from '../helpers/cli.js';
import { dpdkSkipReason, ovsSkipReason, switchTestRun } from '../switches/dpdk-helpers.js';

test("linux-bridge through the CLI: summary.json cpu has the apps, softirq on some CPU, and per-second samples on the apps' seconds", async () => {
  const before = hostState();
  const dir = tempDir({
    'plan.yaml':
      'name: cpu\nswitches: [linux-bridge]\npairs: [1]\nbackends: [udp-mmsg]\nrates: [max]\nduration: 2\nwarmup: 1\ncooldown: 0\n',
  });
  const out = join(dir, 'out');
  const r = await nfvperf(['run', join(dir, 'plan.yaml'), '--out', out, '--plain'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const doc = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SummaryDocument;
  const c = doc.cases[0]!;
  assert.equal(c.status, 'ok', c.error);
  const cpu = c.cpu!;
  const components = Object.keys(cpu.perComponent);
  assert.ok(components.includes('send 0') && components.includes('recv 0'), components.join(', '));
  const softirq = components.filter((k) => k.startsWith('softirq cpu')).map((k) => cpu.perComponent[k]!);
  assert.ok(
    softirq.some((v) => v > 0),
    `the bridge forwards in softirq on some CPU: ${JSON.stringify(cpu.perComponent)}`,
  );
  assert.ok(cpu.totalCores! >= cpu.perComponent['send 0']! + cpu.perComponent['recv 0']!, 'the total counts the apps');
  if (doc.run.environment.tscHz) assert.ok(cpu.cyclesPerPacket! > 0, 'cycles per packet with a TSC frequency');
  const db = new Database(join(out, 'results.sqlite'), { readonly: true });
  try {
    const seconds = (sql: string) => (db.prepare(sql).pluck().all() as number[]).join(',');
    assert.equal(
      seconds(`SELECT DISTINCT second FROM cpu_samples WHERE steady = 1 ORDER BY second`),
      seconds(`SELECT DISTINCT second FROM samples WHERE steady = 1 ORDER BY second`),
      'the same steady seconds as the apps',
    );
  } finally {
    db.close();
  }
  assertNoLeaks(before);
});

/** Nanoseconds a thread ran and waited runnable on a run queue so far (/proc/…/schedstat). */
function runnableNs(pid: number, tid: number): number {
  const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
  return run! + wait!;
}

test('ovs: a PMD on its own CPU polls — sampled near a whole CPU, and never asleep', async (t) => {
  const skip = dpdkSkipReason() ?? ovsSkipReason();
  if (skip) {
    t.skip(skip);
    return;
  }
  const run = switchTestRun();
  const { names, resources } = run;
  const pmdCpu = readTopology().online.at(-1)!;
  try {
    const sw = await ovs.start({ names, resources, cpus: [pmdCpu] });
    // Ports give the PMD queues to poll; no app is needed for it to spin.
    await connectPair(
      sw,
      await createContainer(resources, names, 's', 0),
      await createContainer(resources, names, 'r', 0),
    );
    const thread = sw.cpuThreads()[0]!;
    const sampler = new CpuSampler(() => sw.cpuThreads(), [pmdCpu]);
    const startNs = process.hrtime.bigint();
    const runnableBefore = runnableNs(thread.pid, thread.tid!);
    sampler.start(startNs + 100_000_000n);
    await new Promise((r) => setTimeout(r, 2300));
    const pmd = sampler.stop({ warmupS: 0, durationS: 2 }).filter((s) => s.kind === 'switch');
    const runnable = (runnableNs(thread.pid, thread.tid!) - runnableBefore) / Number(process.hrtime.bigint() - startNs);
    assert.ok(pmd.length >= 2, `the PMD was sampled each second: ${JSON.stringify(pmd)}`);
    const share = pmd.reduce((n, s) => n + s.busyUs, 0) / pmd.reduce((n, s) => n + s.durationNs / 1e3, 0);
    t.diagnostic(
      `${pmd[0]!.component} on CPU ${pmdCpu}: ${share.toFixed(2)} CPU sampled; running or runnable ${runnable.toFixed(2)} of the time`,
    );
    // A polling thread never sleeps: it runs, or waits for the CPU when other work on this shared
    // host takes it. The sampled share is what it got, so it is held to half a CPU only when the
    // CPU was its own for most of the time (runnable time ≈ run time).
    assert.ok(runnable > 0.9, `the PMD never sleeps: running or runnable ${runnable.toFixed(2)} of the time`);
    const contended = runnable - share > 0.3;
    if (!contended) assert.ok(share > 0.5, `a polling thread on its own CPU keeps it busy: ${share.toFixed(2)}`);
    else
      t.diagnostic(
        `the CPU was contended (waited ${(runnable - share).toFixed(2)} of the time): the > 0.5 share check is not meaningful now`,
      );
  } finally {
    await run.release();
  }
  run.assertClean();
});
