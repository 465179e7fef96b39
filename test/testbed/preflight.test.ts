// The pre-flight check on fake /proc and /sys trees (what this VM lacks: isolated cores, IRQ
// affinity, governors, SMT siblings, several NUMA nodes, steal), then on this host with the real
// jitter probe, whose findings must say what the VM is like.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  failedRules,
  kernelCpuParam,
  preflightHost,
  PREFLIGHT_RULES,
  type Finding,
  type JitterResult,
} from '../../src/testbed/preflight.js';
import { nfvperf } from '../helpers/cli.js';

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

interface FakeHost {
  cmdline?: string;
  isolated?: string;
  /** IRQ number → [smp_affinity_list, count per CPU]. */
  irqs?: Record<string, [string, number[]]>;
  governors?: string[];
  turbo?: string;
  siblings?: Record<number, string>;
  nodes?: string[];
  /** Per CPU: [total non-steal ticks, steal ticks]. */
  stat?: [number, number][];
  /** NIC name → its numa_node. */
  nics?: Record<string, number>;
}

function fakeHost(host: FakeHost): { procRoot: string; sysRoot: string } {
  const root = mkdtempSync(join(tmpdir(), 'nfp-preflight-'));
  made.push(root);
  const procRoot = join(root, 'proc');
  const sysRoot = join(root, 'sys');
  const put = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${text}\n`);
  };
  put(join(procRoot, 'cmdline'), host.cmdline ?? 'console=ttyS0 quiet');
  put(join(sysRoot, 'devices/system/cpu/isolated'), host.isolated ?? '');
  const cpus = 4;
  put(
    join(procRoot, 'interrupts'),
    [
      `       ${Array.from({ length: cpus }, (_, i) => `CPU${i}`).join('       ')}`,
      ...Object.entries(host.irqs ?? {}).map(
        ([irq, [, counts]]) => ` ${irq}:  ${counts.join('  ')}  IO-APIC  fake-device-${irq}`,
      ),
    ].join('\n'),
  );
  for (const [irq, [affinity]] of Object.entries(host.irqs ?? {}))
    put(join(procRoot, 'irq', irq, 'smp_affinity_list'), affinity);
  host.governors?.forEach((g, i) => put(join(sysRoot, `devices/system/cpu/cpu${i}/cpufreq/scaling_governor`), g));
  if (host.turbo !== undefined) put(join(sysRoot, 'devices/system/cpu/intel_pstate/no_turbo'), host.turbo);
  for (const [cpu, list] of Object.entries(host.siblings ?? {}))
    put(join(sysRoot, `devices/system/cpu/cpu${cpu}/topology/thread_siblings_list`), list);
  (host.nodes ?? ['0-3']).forEach((list, i) => {
    put(join(sysRoot, `devices/system/node/node${i}/cpulist`), list);
    put(join(sysRoot, `devices/system/node/node${i}/hugepages/hugepages-2048kB/free_hugepages`), String(100 * (i + 1)));
  });
  for (const [nic, node] of Object.entries(host.nics ?? {}))
    put(join(sysRoot, `class/net/${nic}/device/numa_node`), String(node));
  put(
    join(procRoot, 'stat'),
    (host.stat ?? Array.from({ length: cpus }, () => [1000, 0] as [number, number]))
      .map(([busy, steal], i) => `cpu${i} ${busy} 0 0 0 0 0 0 ${steal} 0 0`)
      .join('\n'),
  );
  put(join(procRoot, 'meminfo'), 'HugePages_Total:     512\nHugePages_Free:      500\nHugepagesize:       2048 kB');
  return { procRoot, sysRoot };
}

/** A probe that reports `maxUs` and `lostShare` for every CPU, without running anything. */
const fakeProbe =
  (maxUs: number, lostShare: number) =>
  async (cpu: number, ms: number): Promise<JitterResult> => ({
    cpu,
    durationNs: ms * 1e6,
    interruptions: 10,
    interruptedNs: lostShare * ms * 1e6,
    maxNs: maxUs * 1000,
    p99Ns: maxUs * 1000,
  });

async function check(host: FakeHost, cpus: number[], probe = fakeProbe(5, 0.0001)): Promise<Map<string, Finding>> {
  const report = await preflightHost({
    cpus,
    ...fakeHost(host),
    jitterMs: 10,
    probe,
    nics: Object.keys(host.nics ?? {}),
  });
  assert.deepEqual(
    report.findings.map((f) => f.rule),
    [...PREFLIGHT_RULES],
    'every rule, in order',
  );
  for (const f of report.findings) {
    assert.ok(f.meaning.length > 0, `${f.rule} says what it means`);
    if (f.status === 'fail' || f.status === 'warn') assert.ok(f.fix, `${f.rule} (${f.status}) says how to fix it`);
  }
  return new Map(report.findings.map((f) => [f.rule, f]));
}

test('kernel CPU parameters: flags before the list, init arguments after `--` ignored', () => {
  assert.deepEqual(kernelCpuParam('quiet isolcpus=managed_irq,domain,2-3,5 nohz_full=2-3', 'isolcpus'), [2, 3, 5]);
  assert.deepEqual(kernelCpuParam('quiet nohz_full=2-3', 'nohz_full'), [2, 3]);
  assert.equal(kernelCpuParam('quiet -- isolcpus=1', 'isolcpus'), undefined);
});

test('a tuned host: isolated, tickless, no IRQs on the plan CPUs, performance governor, one node: every rule passes', async () => {
  const findings = await check(
    {
      cmdline: 'isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3 -- init-arg',
      isolated: '2-3',
      irqs: { 24: ['0-1', [50, 7, 0, 0]], 25: ['0-3', [9, 0, 0, 0]] }, // 25 may run on 2-3 but never fired there
      governors: ['powersave', 'powersave', 'performance', 'performance'],
      turbo: '1',
    },
    [2, 3],
  );
  for (const rule of [
    'isolated-cores',
    'irq-affinity',
    'cpufreq',
    'smt-siblings',
    'busy-processes',
    'steal-time',
    'jitter',
  ]) {
    assert.equal(findings.get(rule)!.status, 'pass', `${rule}: ${findings.get(rule)!.found}`);
  }
  assert.match(findings.get('cpufreq')!.found, /cpu2=performance, cpu3=performance; turbo off/);
  assert.match(findings.get('hugepages')!.found, /500 of 512 hugepages of 2048 kB free/);
});

test('an untuned host fails isolation, IRQ affinity, cpufreq, SMT, steal and jitter, each with its fix', async () => {
  const findings = await check(
    {
      cmdline: 'quiet',
      irqs: { 30: ['0-3', [0, 0, 120, 0]], 31: ['0', [80, 0, 0, 0]] },
      governors: ['ondemand', 'ondemand', 'ondemand', 'ondemand'],
      turbo: '0',
      siblings: { 2: '2-3', 3: '2-3' },
      nodes: ['0-1', '2-3'],
      nics: { eth1: 0 },
      stat: [
        [1000, 0],
        [1000, 0],
        [1000, 80],
        [1000, 0],
      ],
    },
    [2, 3],
    fakeProbe(400, 0.05),
  );
  const f = (rule: string) => findings.get(rule)!;
  assert.equal(f('isolated-cores').status, 'fail');
  assert.match(f('isolated-cores').fix!, /isolcpus=2-3 nohz_full=2-3 rcu_nocbs=2-3/);
  assert.equal(f('irq-affinity').status, 'fail');
  assert.match(f('irq-affinity').found, /30 \(IO-APIC fake-device-30\) → 0-3/);
  assert.doesNotMatch(f('irq-affinity').found, /\b31\b/, 'IRQ 31 cannot run on 2-3');
  assert.equal(f('cpufreq').status, 'fail');
  assert.match(f('cpufreq').fix!, /--cpufreq-performance/);
  assert.equal(f('smt-siblings').status, 'fail', 'the plan uses both threads of one core');
  assert.equal(f('numa').status, 'warn', 'both plan CPUs on node 1 of two, the NIC on node 0');
  assert.match(
    f('numa').found,
    /cpu2: node 1, cpu3: node 1; eth1: node 0; 2 MB hugepages free per node: node0 100, node1 200 \(eth1 on another node than the CPUs\)/,
  );
  assert.equal(f('steal-time').status, 'fail');
  assert.match(f('steal-time').found, /cpu2 [\d.]+ % now, 7\.41 % since boot/);
  assert.equal(f('jitter').status, 'fail');
  assert.match(f('jitter').found, /longest 400 µs/);
  assert.deepEqual(
    failedRules({ cpus: [2, 3], findings: [...findings.values()] }).map((l) => l.split(':')[0]),
    ['isolated-cores', 'irq-affinity', 'cpufreq', 'smt-siblings', 'busy-processes', 'steal-time', 'jitter'],
    "busy-processes: the 5 % the probe lost is no visible task's",
  );
});

test('half-tuned: isolated but ticking, turbo on, an idle sibling, two nodes: warnings, not failures', async () => {
  const findings = await check(
    {
      cmdline: 'isolcpus=1,3',
      isolated: '1,3',
      governors: ['performance', 'performance', 'performance', 'performance'],
      turbo: '0',
      siblings: { 1: '1,5' },
      nodes: ['0-1', '2-3'],
    },
    [1, 3],
    fakeProbe(60, 0.002),
  );
  assert.deepEqual(
    ['isolated-cores', 'cpufreq', 'smt-siblings', 'numa', 'jitter'].map((r) => findings.get(r)!.status),
    ['warn', 'warn', 'warn', 'warn', 'warn'],
  );
  assert.match(findings.get('isolated-cores')!.found, /still ticking/);
});

test('a jitter probe that cannot run is an info finding, not a failed check', async () => {
  const report = await preflightHost({
    cpus: [0],
    ...fakeHost({}),
    jitterMs: 10,
    probe: async () => {
      throw new Error('nfvperf-jitter is missing');
    },
  });
  assert.deepEqual(report.findings.at(-1), {
    rule: 'jitter',
    status: 'info',
    found: 'not measured: nfvperf-jitter is missing',
    meaning: "how often the plan's CPUs are interrupted is unknown",
    fix: 'build the probe (`npm run build`: native/build/nfvperf-jitter)',
  });
});

test("this host: doctor --host runs the jitter probe on each CPU and lists every rule with the VM's facts", async () => {
  const r = await nfvperf(['doctor', '--host', '--json', '--jitter-ms', '200']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { cpus: number[]; findings: Finding[] };
  const f = new Map(report.findings.map((x) => [x.rule, x]));
  assert.deepEqual([...f.keys()], [...PREFLIGHT_RULES]);
  for (const cpu of report.cpus)
    assert.match(f.get('jitter')!.found, new RegExp(`cpu${cpu}: \\d+ interruptions in [\\d.]+ s, longest [\\d.]+ µs`));
  assert.match(f.get('steal-time')!.found, /since boot/);
  const bad = await nfvperf(['doctor', '--host', '--cpus', '99']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Expected --cpus to name online CPUs/);
});
