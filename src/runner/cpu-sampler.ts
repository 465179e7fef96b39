// CPU time of what runs beside the apps, per second on the apps' epoch: each busy switch thread
// (OVS PMDs are threads of ovs-vswitchd: /proc/<pid>/task/<tid>/stat) and, per CPU the case uses,
// the kernel's softirq and irq time (/proc/stat). The apps measure themselves (getrusage in their
// interval lines); this fills in what they cannot see, so Fig. 6 counts the whole path.
//
// Reads happen on each second boundary of the epoch, so interval k here covers the same wall-clock
// second as the apps' interval k. The kernel counts in clock ticks (USER_HZ), so one second is
// resolved to 10 ms: a fraction of a CPU to ±0.01.
import { readFileSync } from 'node:fs';
import { isSteady } from '../analysis/steady.js';
import type { StoredCpuSample } from '../store/db.js';
import { statFields } from '../common/procfs.js';

/** USER_HZ: the unit of /proc's tick counts, 100 on every Linux ABI we run on (x86-64, arm64). */
const TICKS_PER_S = 100;
const US_PER_TICK = 1e6 / TICKS_PER_S;

export interface SampledThread {
  name: string;
  pid: number;
  tid?: number;
}

/** One reading of every counter, at `atNs` (process.hrtime, the clock the epoch is on). */
interface Snapshot {
  atNs: bigint;
  /** Component name → ticks so far (kind and CPU beside). */
  ticks: Map<string, { kind: StoredCpuSample['kind']; cpu: number | null; ticks: number }>;
}

/** utime + stime of a thread, from the text of /proc/<pid>/task/<tid>/stat; null if unreadable. */
export function threadTicks(statText: string): number | null {
  const rest = statFields(statText); // utime and stime are fields 14 and 15
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : null;
}

/** Per-CPU irq and softirq ticks from the text of /proc/stat. */
export function cpuIrqTicks(procStat: string): Map<number, { irq: number; softirq: number }> {
  const out = new Map<number, { irq: number; softirq: number }>();
  for (const line of procStat.split('\n')) {
    // cpuN user nice system idle iowait irq softirq steal guest guest_nice
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    out.set(Number(m[1]), { irq: f[5] ?? 0, softirq: f[6] ?? 0 });
  }
  return out;
}

/** The per-second samples between consecutive snapshots (pure; steady as the apps' samples). */
export function samplesBetween(
  snapshots: readonly Snapshot[],
  epochNs: bigint,
  window: { warmupS: number; durationS: number },
): StoredCpuSample[] {
  const out: StoredCpuSample[] = [];
  for (let i = 0; i + 1 < snapshots.length; i++) {
    const a = snapshots[i]!;
    const b = snapshots[i + 1]!;
    const startOffsetNs = Number(a.atNs - epochNs);
    const durationNs = Number(b.atNs - a.atNs);
    // Node's timers may fire a fraction of a millisecond early: round to the nearest second (and
    // never to -0, which would not equal the apps' 0).
    const second = Math.round(startOffsetNs / 1e9) || 0;
    for (const [component, end] of b.ticks) {
      const start = a.ticks.get(component);
      // A thread seen in only one of the two readings (started, or gone) has no whole interval.
      if (!start || end.ticks < start.ticks) continue;
      out.push({
        component,
        kind: end.kind,
        cpu: end.cpu,
        second,
        startOffsetNs,
        durationNs,
        steady: isSteady(second, window, durationNs),
        busyUs: (end.ticks - start.ticks) * US_PER_TICK,
      });
    }
  }
  return out;
}

/**
 * Samples `threads()` (asked anew at every reading: a switch may add threads after start) and the
 * irq/softirq time of `cpus`, on every second boundary from `start(epochNs)` until `stop()`.
 */
export class CpuSampler {
  private readonly snapshots: Snapshot[] = [];
  private timer: NodeJS.Timeout | undefined;
  private epochNs = 0n;

  constructor(
    private readonly threads: () => SampledThread[],
    private readonly cpus: readonly number[],
  ) {}

  /** Schedules the readings: the first on the epoch itself, then one per second. */
  start(epochNs: bigint): void {
    // Started again on a new epoch (a stretch of traffic run again): the earlier readings go.
    clearTimeout(this.timer);
    this.snapshots.length = 0;
    this.epochNs = epochNs;
    const next = (k: number) => {
      const waitMs = Number(epochNs + BigInt(k) * 1_000_000_000n - process.hrtime.bigint()) / 1e6;
      this.timer = setTimeout(
        () => {
          this.snapshots.push(this.read());
          next(k + 1);
        },
        Math.max(0, waitMs),
      );
    };
    next(0);
  }

  /** Stops sampling and returns the complete seconds measured. */
  stop(window: { warmupS: number; durationS: number }): StoredCpuSample[] {
    clearTimeout(this.timer);
    return samplesBetween(this.snapshots, this.epochNs, window);
  }

  private read(): Snapshot {
    const atNs = process.hrtime.bigint();
    const ticks: Snapshot['ticks'] = new Map();
    for (const t of this.threads()) {
      const n = threadTicks(readOr(`/proc/${t.pid}/task/${t.tid ?? t.pid}/stat`));
      if (n !== null) ticks.set(t.name, { kind: 'switch', cpu: null, ticks: n });
    }
    const perCpu = cpuIrqTicks(readOr('/proc/stat'));
    for (const cpu of this.cpus) {
      const c = perCpu.get(cpu);
      if (!c) continue;
      ticks.set(`softirq cpu${cpu}`, { kind: 'softirq', cpu, ticks: c.softirq });
      ticks.set(`irq cpu${cpu}`, { kind: 'irq', cpu, ticks: c.irq });
    }
    return { atNs, ticks };
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // a thread that exited: no reading, so no sample for its interval
  }
}
