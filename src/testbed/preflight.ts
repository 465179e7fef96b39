// The pre-flight check of a host: before a run (and in `nfvperf doctor --host`), what about this
// machine would make its figures vary or mislead — the CPUs the plan uses not isolated, interrupts
// on them, a CPU speed that moves, busy hyperthread siblings, cores on several NUMA nodes, other
// tasks on the plan's cores, a hypervisor stealing time, and how long a pinned busy loop is
// interrupted (the jitter probe, native/tools/jitter.c). Each finding says what it means for the
// figures and how to fix it. Every path is under injectable /proc and /sys roots, so tests cover
// what this VM lacks (isolated cores, IRQ affinity, governors) with a fake tree.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../apps/app.js';
import { TestbedError } from '../common/errors.js';
import { statFields } from '../common/procfs.js';
import { parseCpuList } from './cpus.js';
import { readCpufreq, turboOn } from './cpufreq.js';

/** pass: as a benchmark host should be; warn: figures may vary, worth fixing; fail: a rule `--strict` enforces; info: recorded, no rule. */
export type FindingStatus = 'pass' | 'warn' | 'fail' | 'info';

export interface Finding {
  rule: PreflightRule;
  status: FindingStatus;
  /** What was found, with its numbers. */
  found: string;
  /** What it means for the figures. */
  meaning: string;
  /** How to fix it; null when nothing needs fixing. */
  fix: string | null;
}

export const PREFLIGHT_RULES = [
  'isolated-cores',
  'irq-affinity',
  'cpufreq',
  'smt-siblings',
  'numa',
  'hugepages',
  'busy-processes',
  'steal-time',
  'jitter',
] as const;
export type PreflightRule = (typeof PREFLIGHT_RULES)[number];

/** What the jitter probe measured on one CPU (nfvperf-jitter's JSON line). */
export interface JitterResult {
  cpu: number;
  durationNs: number;
  interruptions: number;
  interruptedNs: number;
  maxNs: number;
  p99Ns: number;
}

export interface PreflightOptions {
  /** The CPUs the plan's apps and switch threads use. */
  cpus: readonly number[];
  /** Where procfs and sysfs are (fake trees in tests). */
  procRoot?: string;
  sysRoot?: string;
  /** Jitter probe length per CPU (all CPUs probed at once); 0 skips it (and the busy/steal windows sleep 200 ms instead). */
  jitterMs?: number;
  /** The probe (default: native/build/nfvperf-jitter); tests inject one. */
  probe?: (cpu: number, durationMs: number) => Promise<JitterResult>;
  /** This process and its children are not "other" busy processes. */
  ownPids?: readonly number[];
  /** The run pins the governor to performance and turbo off (`--cpufreq-performance`): the cpufreq rule judges that, not the state found. */
  cpufreqPinnedForRun?: boolean;
  /** Network interfaces the plan sends through (a remote plan's uplink): their NUMA node is checked against the CPUs'. */
  nics?: readonly string[];
}

export interface PreflightReport {
  cpus: number[];
  findings: Finding[];
}

export const DEFAULT_JITTER_MS = 1000;
/** Another task using more than this share of a plan CPU during the window is a finding. */
const BUSY_SHARE = 0.05;
/** Steal above this share of a CPU's time means a hypervisor gives the CPU to others. */
const STEAL_SHARE = 0.01;
/** Jitter: the longest interruption (µs) and the share of time lost, for pass and warn. */
const JITTER_PASS = { maxUs: 20, lost: 0.001 };
const JITTER_WARN = { maxUs: 100, lost: 0.01 };

export async function preflightHost(options: PreflightOptions): Promise<PreflightReport> {
  const proc = options.procRoot ?? '/proc';
  const sys = options.sysRoot ?? '/sys';
  const cpus = [...new Set(options.cpus)].sort((a, b) => a - b);
  const jitterMs = options.jitterMs ?? DEFAULT_JITTER_MS;
  const probe = options.probe ?? runJitterProbe;
  const own = new Set([process.pid, ...(options.ownPids ?? [])]);

  // The busy-process and steal windows span the jitter probe: what runs beside a pinned busy loop.
  const before = { tasks: taskTimes(proc, own), stat: cpuStat(proc) };
  const started = process.hrtime.bigint();
  // A probe that cannot run (not built, a CPU it may not use) is a finding, not the end of the run.
  let probeError: string | undefined;
  const jitter =
    jitterMs > 0
      ? await Promise.all(cpus.map((cpu) => probe(cpu, jitterMs))).catch((e: unknown) => {
          probeError = e instanceof Error ? e.message : String(e);
          return [];
        })
      : (await sleep(200), []);
  const windowNs = Number(process.hrtime.bigint() - started);
  const after = { tasks: taskTimes(proc, own), stat: cpuStat(proc) };

  const findings = [
    isolation(proc, sys, cpus),
    irqAffinity(proc, cpus),
    cpufreq(sys, cpus, options.cpufreqPinnedForRun ?? false),
    smtSiblings(sys, cpus),
    numa(sys, cpus, options.nics ?? []),
    hugepages(proc),
    busyProcesses(cpus, before, after, windowNs, jitter),
    stealTime(proc, cpus, before.stat, after.stat),
    ...(jitter.length > 0 ? [jitterFinding(jitter)] : []),
    ...(probeError
      ? [
          {
            rule: 'jitter' as const,
            status: 'info' as const,
            found: `not measured: ${probeError}`,
            meaning: "how often the plan's CPUs are interrupted is unknown",
            fix: 'build the probe (`npm run build`: native/build/nfvperf-jitter)',
          },
        ]
      : []),
  ];
  return { cpus, findings };
}

/** The rules a host fails, one line each, for `--strict`. */
export function failedRules(report: PreflightReport): string[] {
  return report.findings
    .filter((f) => f.status === 'fail')
    .map((f) => `${f.rule}: ${f.found} (fix: ${f.fix ?? 'none known'})`);
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

const list = (cpus: readonly number[]) => compactCpuList(cpus) || 'none';

/** `0-3,8` for [0, 1, 2, 3, 8]. */
export function compactCpuList(cpus: readonly number[]): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** A kernel parameter's CPU list (`isolcpus=managed_irq,domain,2-3` → [2, 3]); undefined when absent. Arguments after `--` are init's, not the kernel's. */
export function kernelCpuParam(cmdline: string, name: string): number[] | undefined {
  const kernelPart = cmdline.split(/\s--(\s|$)/)[0]!;
  const m = new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(kernelPart);
  if (!m) return undefined;
  const cpuPart = m[1]!
    .split(',')
    .filter((p) => /^\d/.test(p))
    .join(',');
  try {
    return parseCpuList(cpuPart);
  } catch {
    return [];
  }
}

function isolation(proc: string, sys: string, cpus: number[]): Finding {
  const cmdline = read(join(proc, 'cmdline')) ?? '';
  const isolated = new Set([
    ...(kernelCpuParam(cmdline, 'isolcpus') ?? []),
    ...parseCpuList(read(join(sys, 'devices/system/cpu/isolated')) ?? ''),
  ]);
  const nohz = new Set(kernelCpuParam(cmdline, 'nohz_full') ?? []);
  const rcu = new Set(kernelCpuParam(cmdline, 'rcu_nocbs') ?? []);
  const notIsolated = cpus.filter((c) => !isolated.has(c));
  const noNohz = cpus.filter((c) => !nohz.has(c));
  const noRcu = cpus.filter((c) => !rcu.has(c));
  const found = `plan CPUs ${list(cpus)}; isolated ${list([...isolated])}, nohz_full ${list([...nohz])}, rcu_nocbs ${list([...rcu])}`;
  const bootFix = `boot with isolcpus=${list(cpus)} nohz_full=${list(cpus)} rcu_nocbs=${list(cpus)} on the kernel command line, leaving at least one CPU for the system`;
  if (notIsolated.length > 0) {
    return {
      rule: 'isolated-cores',
      status: 'fail',
      found: `${found}: ${list(notIsolated)} not isolated`,
      meaning:
        "the scheduler runs other tasks and kernel threads on the plan's CPUs, so a figure depends on what else the machine did during the run",
      fix: bootFix,
    };
  }
  if (noNohz.length > 0 || noRcu.length > 0) {
    return {
      rule: 'isolated-cores',
      status: 'warn',
      found: `${found}: ${list([...new Set([...noNohz, ...noRcu])])} isolated but still ticking or running RCU callbacks`,
      meaning:
        'the scheduler tick (nohz_full) and RCU callbacks (rcu_nocbs) still interrupt the busy loops now and then: short gaps, rare loss at high rates',
      fix: bootFix,
    };
  }
  return {
    rule: 'isolated-cores',
    status: 'pass',
    found,
    meaning: "the plan's CPUs run only what is pinned to them",
    fix: null,
  };
}

/** IRQs whose affinity includes a plan CPU and that fired there (per /proc/interrupts), by CPU. */
function irqAffinity(proc: string, cpus: number[]): Finding {
  const counts = interruptCounts(proc);
  const onPlan: string[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync(join(proc, 'irq'))
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(a) - Number(b));
  } catch {
    /* no /proc/irq */
  }
  for (const irq of entries) {
    const affinity = read(join(proc, 'irq', irq, 'smp_affinity_list'));
    if (affinity === undefined) continue;
    let allowed: number[];
    try {
      allowed = parseCpuList(affinity);
    } catch {
      continue;
    }
    const hit = cpus.filter((c) => allowed.includes(c));
    if (hit.length === 0) continue;
    const fired = counts.get(irq);
    // An IRQ allowed on a plan CPU but never fired there (or anywhere) does not disturb it.
    if (fired && !hit.some((c) => (fired.perCpu[c] ?? 0) > 0)) continue;
    onPlan.push(`${irq}${fired?.name ? ` (${fired.name})` : ''} → ${affinity}`);
  }
  const defaultAffinity = read(join(proc, 'irq', 'default_smp_affinity'));
  if (entries.length === 0) {
    return {
      rule: 'irq-affinity',
      status: 'info',
      found: 'no /proc/irq: IRQ affinity unknown',
      meaning: "cannot say whether interrupts land on the plan's CPUs",
      fix: null,
    };
  }
  if (onPlan.length === 0) {
    return {
      rule: 'irq-affinity',
      status: 'pass',
      found: `no active IRQ may run on CPUs ${list(cpus)}`,
      meaning: 'device interrupts do not interrupt the measured threads',
      fix: null,
    };
  }
  const others = `the CPUs outside ${list(cpus)}`;
  return {
    rule: 'irq-affinity',
    status: 'fail',
    found:
      `${onPlan.length} active IRQs may run on plan CPUs ${list(cpus)}: ${onPlan.slice(0, 8).join(', ')}${onPlan.length > 8 ? ', …' : ''}` +
      (defaultAffinity ? ` (default_smp_affinity ${defaultAffinity})` : ''),
    meaning:
      'each interrupt stops the pinned thread for its handler (and its softirq): gaps, lower rates and latency spikes that come and go with device traffic',
    fix: `write ${others} to /proc/irq/<n>/smp_affinity_list for each IRQ listed (and /proc/irq/default_smp_affinity); stop irqbalance or set IRQBALANCE_BANNED_CPULIST=${list(cpus)}`,
  };
}

/** /proc/interrupts: IRQ number → its name and count per CPU column. */
function interruptCounts(proc: string): Map<string, { name: string; perCpu: number[] }> {
  const text = read(join(proc, 'interrupts'));
  const result = new Map<string, { name: string; perCpu: number[] }>();
  if (!text) return result;
  const [header, ...lines] = text.split('\n');
  const columns = (header ?? '')
    .trim()
    .split(/\s+/)
    .map((c) => Number(c.replace(/^CPU/, '')));
  for (const line of lines) {
    const m = /^\s*(\d+):\s+(.*)$/.exec(line);
    if (!m) continue;
    const fields = m[2]!.trim().split(/\s+/);
    const perCpu: number[] = [];
    columns.forEach((cpu, i) => {
      perCpu[cpu] = Number(fields[i] ?? 0);
    });
    result.set(m[1]!, { name: fields.slice(columns.length).join(' '), perCpu });
  }
  return result;
}

function cpufreq(sys: string, cpus: number[], pinnedForRun: boolean): Finding {
  const state = readCpufreq(sys);
  if (!state) {
    return {
      rule: 'cpufreq',
      status: 'info',
      found: 'no cpufreq (no scaling_governor under /sys/devices/system/cpu/cpu*/cpufreq)',
      meaning:
        'the CPU speed is set by the firmware or the hypervisor; nfvperf can neither read nor pin it, so part of a run-to-run swing may be the clock',
      fix: null,
    };
  }
  const governors = cpus.map((c) => [c, state.governors[`cpu${c}`]] as const);
  const slow = governors.filter(([, g]) => g !== undefined && g !== 'performance');
  const turbo = turboOn(state);
  const found = `governors ${governors.map(([c, g]) => `cpu${c}=${g ?? '?'}`).join(', ')}; turbo ${turbo === undefined ? 'no control' : turbo ? 'on' : 'off'}`;
  const fix =
    'run with `nfvperf run --cpufreq-performance` (performance governor, turbo off, restored after), or `cpupower frequency-set -g performance` and turbo off in the BIOS';
  if (pinnedForRun) {
    return {
      rule: 'cpufreq',
      status: 'pass',
      found: `${found} as found; the run pins performance and turbo off (--cpufreq-performance)`,
      meaning: 'the clock is fixed for the run',
      fix: null,
    };
  }
  if (slow.length > 0) {
    return {
      rule: 'cpufreq',
      status: 'fail',
      found,
      meaning:
        'a governor other than performance changes the clock with the load: the same code runs at different speeds from second to second and run to run',
      fix,
    };
  }
  if (turbo) {
    return {
      rule: 'cpufreq',
      status: 'warn',
      found,
      meaning:
        'turbo makes the clock depend on temperature and on how many cores are busy: figures drift within and between runs',
      fix,
    };
  }
  return { rule: 'cpufreq', status: 'pass', found, meaning: 'the clock is fixed for the run', fix: null };
}

function smtSiblings(sys: string, cpus: number[]): Finding {
  const siblingsOf = (c: number) => {
    const text = read(join(sys, `devices/system/cpu/cpu${c}/topology/thread_siblings_list`));
    try {
      return text ? parseCpuList(text).filter((s) => s !== c) : [];
    } catch {
      return [];
    }
  };
  const pairs = cpus.map((c) => [c, siblingsOf(c)] as const).filter(([, s]) => s.length > 0);
  const smt = read(join(sys, 'devices/system/cpu/smt/control'));
  if (pairs.length === 0) {
    return {
      rule: 'smt-siblings',
      status: 'pass',
      found: `no hyperthread siblings of CPUs ${list(cpus)}${smt ? ` (smt/control ${smt})` : ''}`,
      meaning: 'each measured thread has its core to itself',
      fix: null,
    };
  }
  const shared = pairs.filter(([, s]) => s.some((x) => cpus.includes(x)));
  const found = `siblings: ${pairs.map(([c, s]) => `${c}↔${list(s)}`).join(', ')}`;
  const fix = `keep the siblings idle (isolate them with the plan's CPUs: isolcpus=${list([...cpus, ...pairs.flatMap(([, s]) => s)])}) or turn SMT off (echo off > /sys/devices/system/cpu/smt/control)`;
  if (shared.length > 0) {
    return {
      rule: 'smt-siblings',
      status: 'fail',
      found: `${found}: the plan uses both threads of a core`,
      meaning: 'two busy threads on one core share its execution units and caches: each runs far slower than alone',
      fix,
    };
  }
  return {
    rule: 'smt-siblings',
    status: 'warn',
    found,
    meaning: "whatever runs on a sibling thread takes the core's execution units from the measured thread",
    fix,
  };
}

/**
 * The NUMA node of every plan CPU, of each NIC given, and the hugepages free per node: packets,
 * buffers and threads on different nodes cross the interconnect.
 */
function numa(sys: string, cpus: number[], nics: readonly string[]): Finding {
  const nodeOf = new Map<number, number>();
  let nodes: string[] = [];
  try {
    nodes = readdirSync(join(sys, 'devices/system/node'))
      .filter((d) => /^node\d+$/.test(d))
      .sort();
  } catch {
    /* no NUMA info */
  }
  for (const node of nodes) {
    try {
      for (const c of parseCpuList(read(join(sys, 'devices/system/node', node, 'cpulist')) ?? ''))
        nodeOf.set(c, Number(node.slice(4)));
    } catch {
      /* skip */
    }
  }
  // A NIC's numa_node is -1 where the platform does not say (VMs, one-node machines).
  const nicNodes = nics.map(
    (nic) => [nic, Number(read(join(sys, 'class/net', nic, 'device/numa_node')) ?? -1)] as const,
  );
  const freeHuge = nodes
    .map(
      (node) =>
        [node, read(join(sys, 'devices/system/node', node, 'hugepages/hugepages-2048kB/free_hugepages'))] as const,
    )
    .filter(([, free]) => free !== undefined)
    .map(([node, free]) => `${node} ${free}`);
  const found = [
    cpus.map((c) => `cpu${c}: node ${nodeOf.get(c) ?? '?'}`).join(', '),
    ...nicNodes.map(([nic, n]) => `${nic}: node ${n >= 0 ? n : 'unknown'}`),
    ...(freeHuge.length > 0 ? [`2 MB hugepages free per node: ${freeHuge.join(', ')}`] : []),
  ].join('; ');
  const used = new Set(cpus.map((c) => nodeOf.get(c)).filter((n) => n !== undefined));
  const nicElsewhere = nicNodes.filter(([, n]) => n >= 0 && used.size > 0 && !used.has(n));
  if (used.size > 1 || nicElsewhere.length > 0) {
    return {
      rule: 'numa',
      status: 'warn',
      found: `${found}${used.size > 1 ? ` (CPUs on ${used.size} nodes)` : ''}${nicElsewhere.length > 0 ? ` (${nicElsewhere.map(([nic]) => nic).join(', ')} on another node than the CPUs)` : ''}`,
      meaning:
        'packets cross the interconnect between nodes: slower and less steady than within one node; results differ with the CPU assignment',
      fix: "use CPUs of one node for a case, the node of the NIC and of the hugepages (the kernel command line's isolcpus can pick them), or say the cross-node figure is meant",
    };
  }
  return {
    rule: 'numa',
    status: nodes.length > 1 ? 'pass' : 'info',
    found: `${found}${nodes.length <= 1 ? ' (one node)' : ''}`,
    meaning: 'every plan CPU (and NIC) is on one node: no cross-node memory traffic',
    fix: null,
  };
}

function hugepages(proc: string): Finding {
  const meminfo = read(join(proc, 'meminfo')) ?? '';
  const field = (name: string) => Number(new RegExp(`^${name}:\\s*(\\d+)`, 'm').exec(meminfo)?.[1] ?? NaN);
  const total = field('HugePages_Total');
  const free = field('HugePages_Free');
  const sizeKb = field('Hugepagesize');
  if (Number.isNaN(total)) {
    return {
      rule: 'hugepages',
      status: 'info',
      found: 'no hugepage counts in /proc/meminfo',
      meaning: 'DPDK switches and backends cannot run',
      fix: null,
    };
  }
  return {
    rule: 'hugepages',
    status: 'info',
    found: `${free} of ${total} hugepages of ${sizeKb} kB free`,
    meaning:
      free > 0
        ? 'DPDK cases can map their memory from the pages reserved'
        : 'none reserved now: nfvperf reserves pages for each DPDK case and gives them back; where memory is fragmented the reservation may fall short',
    fix:
      free > 0
        ? null
        : 'for DPDK plans on a long-running host, reserve them at boot (hugepages=1024 on the kernel command line)',
  };
}

interface TaskTime {
  name: string;
  cpu: number;
  ticks: number;
}

/** Every task's user + system ticks and last CPU (/proc/<pid>/task/<tid>/stat), without ours. */
function taskTimes(proc: string, own: ReadonlySet<number>): Map<string, TaskTime> {
  const result = new Map<string, TaskTime>();
  let pids: string[] = [];
  try {
    pids = readdirSync(proc).filter((d) => /^\d+$/.test(d));
  } catch {
    return result;
  }
  for (const pid of pids) {
    if (own.has(Number(pid))) continue;
    let tids: string[] = [];
    try {
      tids = readdirSync(join(proc, pid, 'task'));
    } catch {
      continue;
    }
    for (const tid of tids) {
      const text = read(join(proc, pid, 'task', tid, 'stat'));
      if (!text) continue;
      const fields = statFields(text);
      const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      if (name === 'nfvperf-jitter') continue; // our own probes
      // Fields 14, 15 (utime, stime) and 39 (the CPU it last ran on) of proc(5).
      result.set(`${pid}/${tid}`, {
        name: `${name} (pid ${pid})`,
        cpu: Number(fields[36]),
        ticks: Number(fields[11]) + Number(fields[12]),
      });
    }
  }
  return result;
}

interface Snapshot {
  tasks: Map<string, TaskTime>;
  stat: Map<number, CpuTicks>;
}

/**
 * Other tasks on the plan's CPUs over the window: those this PID namespace can see, by name (the
 * CPU is where each last ran), and, where the jitter probe ran, the time it lost that neither
 * they nor the kernel's irq/softirq account for — tasks of another PID namespace (containers,
 * other users of a shared machine), which /proc here cannot name.
 */
function busyProcesses(
  cpus: number[],
  before: Snapshot,
  after: Snapshot,
  windowNs: number,
  jitter: readonly JitterResult[],
): Finding {
  const ticksPerS = 100; // USER_HZ on Linux
  const windowTicks = (windowNs / 1e9) * ticksPerS;
  const busy: { name: string; cpu: number; share: number }[] = [];
  const visibleShare = new Map<number, number>();
  for (const [key, now] of after.tasks) {
    const then = before.tasks.get(key);
    if (!then || !cpus.includes(now.cpu)) continue;
    const share = windowTicks > 0 ? (now.ticks - then.ticks) / windowTicks : 0;
    visibleShare.set(now.cpu, (visibleShare.get(now.cpu) ?? 0) + share);
    if (share >= BUSY_SHARE) busy.push({ name: now.name, cpu: now.cpu, share });
  }
  busy.sort((a, b) => b.share - a.share);
  const hidden = jitter
    .map((r) => {
      const a = before.stat.get(r.cpu);
      const b = after.stat.get(r.cpu);
      const total = a && b ? b.total - a.total : 0;
      const kernel = a && b && total > 0 ? (b.irq - a.irq) / total : 0;
      const lost = r.durationNs > 0 ? r.interruptedNs / r.durationNs : 0;
      return { cpu: r.cpu, lost, kernel, unseen: Math.max(0, lost - kernel - (visibleShare.get(r.cpu) ?? 0)) };
    })
    .filter((h) => h.unseen >= BUSY_SHARE);
  const window = `${(windowNs / 1e9).toFixed(1)} s`;
  const pct = (v: number) => `${Math.round(v * 100)} %`;
  if (busy.length === 0 && hidden.length === 0) {
    return {
      rule: 'busy-processes',
      status: 'pass',
      found: `no other task used ≥ ${pct(BUSY_SHARE)} of CPUs ${list(cpus)} over ${window}`,
      meaning: "the plan's CPUs were free for the measured threads",
      fix: null,
    };
  }
  const named =
    busy
      .slice(0, 6)
      .map((b) => `${b.name} ${pct(b.share)} on cpu${b.cpu}`)
      .join(', ') + (busy.length > 6 ? `, … (${busy.length} tasks)` : '');
  const unseen = hidden
    .map(
      (h) =>
        `cpu${h.cpu}: the probe lost ${pct(h.lost)}, ${pct(h.kernel)} of it to irq/softirq, ${pct(h.unseen)} to tasks not visible here`,
    )
    .join('; ');
  return {
    rule: 'busy-processes',
    status: 'fail',
    found: `over ${window}: ${[named, unseen].filter(Boolean).join('; ')}`,
    meaning:
      "other tasks compete with the measured threads for the plan's CPUs: figures depend on their load" +
      (hidden.length > 0
        ? '; tasks not visible in this PID namespace (other containers or users of the machine) cannot be named or stopped from here'
        : ''),
    fix: 'stop them for the run, or move them away (taskset -pc <other CPUs> <pid>; isolcpus keeps new ones off); on a shared machine, run when it is quiet',
  };
}

interface CpuTicks {
  steal: number;
  irq: number;
  total: number;
}

/** /proc/stat per CPU: steal, irq + softirq and total ticks. */
function cpuStat(proc: string): Map<number, CpuTicks> {
  const result = new Map<number, CpuTicks>();
  for (const line of (read(join(proc, 'stat')) ?? '').split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already in user.
    result.set(Number(m[1]), {
      steal: v[7] ?? 0,
      irq: (v[5] ?? 0) + (v[6] ?? 0),
      total: v.slice(0, 8).reduce((a, b) => a + b, 0),
    });
  }
  return result;
}

function stealTime(proc: string, cpus: number[], before: Map<number, CpuTicks>, after: Map<number, CpuTicks>): Finding {
  const shares = cpus.map((c) => {
    const a = before.get(c);
    const b = after.get(c);
    if (!a || !b) return { cpu: c, window: null, sinceBoot: null };
    const dt = b.total - a.total;
    return { cpu: c, window: dt > 0 ? (b.steal - a.steal) / dt : 0, sinceBoot: b.total > 0 ? b.steal / b.total : 0 };
  });
  const pct = (v: number | null) => (v === null ? '?' : `${(v * 100).toFixed(2)} %`);
  const found = `steal ${shares.map((s) => `cpu${s.cpu} ${pct(s.window)} now, ${pct(s.sinceBoot)} since boot`).join('; ')}`;
  const worst = Math.max(0, ...shares.map((s) => Math.max(s.window ?? 0, s.sinceBoot ?? 0)));
  if (worst >= STEAL_SHARE) {
    return {
      rule: 'steal-time',
      status: 'fail',
      found,
      meaning:
        "a hypervisor gives these virtual CPUs' time to other guests: figures swing with their load, which nothing in the run can see or control",
      fix: 'measure on bare metal or on an instance with dedicated (pinned) physical cores',
    };
  }
  const hypervisor = / hypervisor( |$)/m.test(read(join(proc, 'cpuinfo')) ?? '');
  return {
    rule: 'steal-time',
    status: 'pass',
    found: `${found}${hypervisor ? ' (a VM)' : ''}`,
    meaning: hypervisor
      ? 'a VM, but its CPUs were not taken away measurably; its host may still share caches and memory bandwidth'
      : 'no hypervisor takes time from the CPUs',
    fix: null,
  };
}

function jitterFinding(results: JitterResult[]): Finding {
  const us = (ns: number) => (ns / 1000).toFixed(ns < 10_000 ? 1 : 0);
  const lost = (r: JitterResult) => (r.durationNs > 0 ? r.interruptedNs / r.durationNs : 0);
  const found = results
    .map(
      (r) =>
        `cpu${r.cpu}: ${r.interruptions} interruptions in ${(r.durationNs / 1e9).toFixed(1)} s, ` +
        `longest ${us(r.maxNs)} µs, p99 ≤ ${us(r.p99Ns)} µs, ${(lost(r) * 100).toFixed(2)} % of the time lost`,
    )
    .join('; ');
  const worstMaxUs = Math.max(...results.map((r) => r.maxNs / 1000));
  const worstLost = Math.max(...results.map(lost));
  const status: FindingStatus =
    worstMaxUs <= JITTER_PASS.maxUs && worstLost <= JITTER_PASS.lost
      ? 'pass'
      : worstMaxUs <= JITTER_WARN.maxUs && worstLost <= JITTER_WARN.lost
        ? 'warn'
        : 'fail';
  return {
    rule: 'jitter',
    status,
    found,
    meaning:
      status === 'pass'
        ? 'a pinned busy loop runs nearly uninterrupted: polling threads see what they measure'
        : `while a polling thread is interrupted its queue fills: a ${Math.round(worstMaxUs)} µs gap at 1 Mpps is ${Math.round(worstMaxUs)} packets to buffer or lose, and the time lost is throughput lost`,
    fix:
      status === 'pass'
        ? null
        : 'isolate the CPUs (isolcpus, nohz_full, rcu_nocbs), move IRQs and other tasks off them, and prefer bare metal over a shared VM',
  };
}

/** The jitter probe's binary: native/build/nfvperf-jitter (NFVPERF_JITTER overrides). */
export function jitterBinary(): string {
  const path = process.env.NFVPERF_JITTER ?? join(PACKAGE_ROOT, 'native', 'build', 'nfvperf-jitter');
  if (!existsSync(path))
    throw new TestbedError(`the jitter probe is not built (${path} is missing): run \`npm run build\``);
  return path;
}

/** Runs nfvperf-jitter pinned to `cpu` for `durationMs` and parses its line. */
export async function runJitterProbe(cpu: number, durationMs: number): Promise<JitterResult> {
  const child = spawn(jitterBinary(), ['--cpu', String(cpu), '--duration-ms', String(durationMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new TestbedError(`the jitter probe on CPU ${cpu} failed (exit ${code}): ${stderr.trim()}`);
  return JSON.parse(stdout) as JitterResult;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
