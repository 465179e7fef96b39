// CPU allocation: one busy thread per physical core, as the paper did. Hyperthread siblings
// are read from sysfs; when a case needs more busy threads than there are cores, CPUs are
// shared round-robin and the case says so (`cpuShared`).
import { readFileSync } from 'node:fs';

export interface CpuTopology {
  /** The first hardware thread of each physical core, in order. */
  cores: number[];
  /** All online CPUs. */
  online: number[];
}

/** Parses a sysfs CPU list such as `0-3,8,10-11`. */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [lo, hi] = part.split('-').map(Number);
    if (lo === undefined || Number.isNaN(lo)) throw new Error(`bad CPU list ${JSON.stringify(text)}`);
    for (let c = lo; c <= (hi ?? lo); c++) cpus.push(c);
  }
  return cpus;
}

export function readTopology(sysfs = '/sys/devices/system/cpu'): CpuTopology {
  const online = parseCpuList(readFileSync(`${sysfs}/online`, 'utf8'));
  const seen = new Set<number>();
  const cores: number[] = [];
  for (const cpu of online) {
    if (seen.has(cpu)) continue;
    let siblings = [cpu];
    try {
      siblings = parseCpuList(readFileSync(`${sysfs}/cpu${cpu}/topology/thread_siblings_list`, 'utf8'));
    } catch {
      /* no topology: every CPU is its own core */
    }
    siblings.forEach((s) => seen.add(s));
    cores.push(cpu);
  }
  return { cores, online };
}

export interface CpuAssignment {
  /** CPU for each requested busy thread, in request order. */
  cpus: number[];
  /** True when two busy threads had to share a core. */
  shared: boolean;
}

/** Assigns `count` busy threads to distinct physical cores, wrapping when there are too few. */
export function assignCpus(topology: CpuTopology, count: number): CpuAssignment {
  const { cores } = topology;
  const cpus = Array.from({ length: count }, (_, i) => cores[i % cores.length]!);
  return { cpus, shared: count > cores.length };
}
