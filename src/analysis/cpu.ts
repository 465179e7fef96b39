// CPU cost of a case (the paper's §4.6, Fig. 6): how much processor time its apps used over the
// steady window, and what that costs per packet. Pure.
//
// What is counted: the user + system CPU time of each sender and receiver app (getrusage of the
// app's thread, reported per interval in cpu_user_us / cpu_sys_us). What is not yet counted:
// the switch's own threads (a DPDK/VPP worker polls a whole core) and kernel softirq work done
// on other CPUs on the apps' behalf (linux-bridge forwarding often runs there). Those need
// per-thread and per-CPU sampling in the runner; until then the totals here are lower bounds.
import type { SteadySample } from './dataset.js';

export interface AppCpu {
  pair: number;
  role: SteadySample['role'];
  /** Steady seconds measured for this app. */
  seconds: number;
  /** CPU time ÷ wall time: 1 = one CPU busy all the time. Null when no complete sample. */
  userCpus: number | null;
  sysCpus: number | null;
  cpus: number | null;
}

export interface CaseCpu {
  apps: AppCpu[];
  /** Sum over apps of their CPUs (the paper's "total CPU utilisation", apps only). */
  totalCpus: number | null;
  /** App CPU seconds × TSC Hz ÷ packets received in the steady window; null without TSC Hz or packets. */
  cyclesPerPacket: number | null;
}

/**
 * The environment key holding the TSC frequency in Hz. The manifest does not record it yet (the
 * "cpu MHz" of /proc/cpuinfo is the current core clock, not the TSC's, so it is not used); when a
 * run stores it, cycles per packet appear.
 */
export const TSC_HZ_KEY = 'tscHz';

export function tscHzOf(environment: Readonly<Record<string, string>>): number | null {
  const raw = environment[TSC_HZ_KEY];
  if (raw === undefined) return null;
  const hz = Number(raw);
  return Number.isFinite(hz) && hz > 0 ? hz : null;
}

export function caseCpu(samples: readonly SteadySample[], tscHz: number | null): CaseCpu {
  const byApp = new Map<string, SteadySample[]>();
  for (const s of samples) {
    const key = `${s.pair}/${s.role}`;
    const list = byApp.get(key) ?? [];
    list.push(s);
    byApp.set(key, list);
  }
  const apps: AppCpu[] = [...byApp.values()].map((list) => {
    // Partial intervals are kept out: an app that exited mid-interval reports a shorter duration
    // than it was measured over, which would inflate its share.
    const complete = list.filter((s) => !s.partial && s.durationNs > 0);
    const wallUs = complete.reduce((t, s) => t + s.durationNs / 1e3, 0);
    const userUs = complete.reduce((t, s) => t + s.cpuUserUs, 0);
    const sysUs = complete.reduce((t, s) => t + s.cpuSysUs, 0);
    const first = list[0]!;
    return {
      pair: first.pair, role: first.role, seconds: complete.length,
      userCpus: wallUs > 0 ? userUs / wallUs : null,
      sysCpus: wallUs > 0 ? sysUs / wallUs : null,
      cpus: wallUs > 0 ? (userUs + sysUs) / wallUs : null,
    };
  }).sort((a, b) => a.pair - b.pair || a.role.localeCompare(b.role));

  const measured = apps.filter((a) => a.cpus !== null);
  const totalCpus = measured.length > 0 ? measured.reduce((t, a) => t + a.cpus!, 0) : null;

  const complete = samples.filter((s) => !s.partial && s.durationNs > 0);
  const cpuSeconds = complete.reduce((t, s) => t + (s.cpuUserUs + s.cpuSysUs) / 1e6, 0);
  const rxPackets = complete.filter((s) => s.role === 'recv').reduce((t, s) => t + (s.rxPackets ?? 0), 0);
  const cyclesPerPacket = tscHz !== null && rxPackets > 0 ? (cpuSeconds * tscHz) / rxPackets : null;
  return { apps, totalCpus, cyclesPerPacket };
}
