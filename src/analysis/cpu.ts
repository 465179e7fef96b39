// CPU cost of a case (the paper's §4.6, Fig. 6): how much processor time its apps used over the
// steady window, and what that costs per packet. Pure.
//
// What is counted, per component: each sender and receiver app (user + system time of its
// thread, getrusage, reported per interval in cpu_user_us / cpu_sys_us); each busy switch thread
// (an OVS PMD, the basicfwd process: /proc/<pid>/task/<tid>/stat) and the kernel's softirq and
// irq time on each CPU the case uses (/proc/stat), both sampled by runner/cpu-sampler.ts on the
// apps' epoch. Each is a fraction of one CPU over the steady window. Remote cases sample only the
// apps (the agent does not sample the peer host's kernel yet).
import { measuresTraffic } from '../apps/protocol.js';
import type { SteadyCpuSample, SteadySample } from '../store/run-data.js';

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

/** One component's share of a CPU over the steady window. */
export interface ComponentCpu {
  /** "send 0", "recv 0" (apps), a switch thread's name ("ovs-vswitchd pmd-c01/id:8"), "softirq cpu0". */
  name: string;
  kind: 'app' | 'switch' | 'softirq' | 'irq';
  /** The CPU of a kernel component; null for apps and threads. */
  cpu: number | null;
  /** CPU time ÷ wall time over the component's complete steady seconds; null when none. */
  cpus: number | null;
  /** False when its time is already inside another component's (see `totalCores`). */
  inTotal: boolean;
}

export interface CaseCpu {
  apps: AppCpu[];
  /** Sum over apps of their CPUs (the apps alone, as the paper's Fig. 6 counts them). */
  totalCpus: number | null;
  /** Every component, apps first, then switch threads, then the kernel per CPU. */
  components: ComponentCpu[];
  /** Sum over the components counted in the total: the cores the whole path kept busy. */
  totalCores: number | null;
  /** totalCores × TSC Hz ÷ packets received per second (steady); null without TSC Hz or packets. */
  cyclesPerPacket: number | null;
  /**
   * Layouts tester and chain: the switch's cost alone — its threads' and the kernel's cores × TSC
   * Hz ÷ (packets received per second × the switch hops each packet took, chainLength + 1), the
   * figure that compares switches across layouts and chain lengths. Absent for pairs.
   */
  switchCyclesPerHop?: number | null;
}

export interface KernelAccounting {
  /**
   * True when the kernel charges softirq/irq ticks to the interrupted task as well
   * (CONFIG_IRQ_TIME_ACCOUNTING unset, or unknown): the kernel time on a CPU that runs an app or a
   * switch thread is then already inside that task's system time and is not added again.
   */
  irqInTaskTime: boolean;
  /** CPUs that run an app or a switch thread (the case's cpus_json). */
  busyCpus: readonly number[];
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

/** Whether the environment says irq time is accounted apart from tasks (environment.ts). */
export function irqInTaskTimeOf(environment: Readonly<Record<string, string>>): boolean {
  return environment.irqTimeAccounting !== 'yes';
}

export function caseCpu(
  samples: readonly SteadySample[],
  tscHz: number | null,
  components: readonly SteadyCpuSample[] = [],
  kernel: KernelAccounting = { irqInTaskTime: true, busyCpus: [] },
  /** Switch hops per packet, for `switchCyclesPerHop` (layouts tester and chain only). */
  hops?: number,
): CaseCpu {
  const byApp = new Map<string, SteadySample[]>();
  for (const s of samples) {
    const key = `${s.pair}/${s.role}`;
    const list = byApp.get(key) ?? [];
    list.push(s);
    byApp.set(key, list);
  }
  const apps: AppCpu[] = [...byApp.values()]
    .map((list) => {
      // Partial intervals are kept out: an app that exited mid-interval reports a shorter duration
      // than it was measured over, which would inflate its share.
      const complete = list.filter((s) => !s.partial && s.durationNs > 0);
      const wallUs = complete.reduce((t, s) => t + s.durationNs / 1e3, 0);
      const userUs = complete.reduce((t, s) => t + s.cpuUserUs, 0);
      const sysUs = complete.reduce((t, s) => t + s.cpuSysUs, 0);
      const first = list[0]!;
      return {
        pair: first.pair,
        role: first.role,
        seconds: complete.length,
        userCpus: wallUs > 0 ? userUs / wallUs : null,
        sysCpus: wallUs > 0 ? sysUs / wallUs : null,
        cpus: wallUs > 0 ? (userUs + sysUs) / wallUs : null,
      };
    })
    .sort((a, b) => a.pair - b.pair || a.role.localeCompare(b.role));

  const measured = apps.filter((a) => a.cpus !== null);
  const totalCpus = measured.length > 0 ? measured.reduce((t, a) => t + a.cpus!, 0) : null;

  const all: ComponentCpu[] = [
    ...apps.map(
      (a): ComponentCpu => ({ name: `${a.role} ${a.pair}`, kind: 'app', cpu: null, cpus: a.cpus, inTotal: true }),
    ),
    ...sampledComponents(components, kernel),
  ];
  const counted = all.filter((c) => c.inTotal && c.cpus !== null);
  const totalCores = counted.length > 0 ? counted.reduce((t, c) => t + c.cpus!, 0) : null;
  const rxPps = receivedPps(samples);
  const cyclesPerPacket = tscHz !== null && totalCores !== null && rxPps > 0 ? (totalCores * tscHz) / rxPps : null;
  if (hops === undefined) return { apps, totalCpus, components: all, totalCores, cyclesPerPacket };
  const path = counted.filter((c) => c.kind !== 'app');
  const switchCores = path.reduce((t, c) => t + c.cpus!, 0);
  const switchCyclesPerHop =
    tscHz !== null && path.length > 0 && rxPps > 0 ? (switchCores * tscHz) / (rxPps * hops) : null;
  return { apps, totalCpus, components: all, totalCores, cyclesPerPacket, switchCyclesPerHop };
}

/** Switch threads (by name), then kernel components by CPU, each over its complete seconds. */
function sampledComponents(samples: readonly SteadyCpuSample[], kernel: KernelAccounting): ComponentCpu[] {
  const byName = new Map<string, SteadyCpuSample[]>();
  for (const s of samples) byName.set(s.component, [...(byName.get(s.component) ?? []), s]);
  const order = { switch: 0, softirq: 1, irq: 2 };
  return [...byName.values()]
    .map((list): ComponentCpu => {
      const first = list[0]!;
      const wallUs = list.reduce((t, s) => t + s.durationNs / 1e3, 0);
      const busyUs = list.reduce((t, s) => t + s.busyUs, 0);
      const sharesTaskTime =
        first.kind !== 'switch' && kernel.irqInTaskTime && first.cpu !== null && kernel.busyCpus.includes(first.cpu);
      return {
        name: first.component,
        kind: first.kind,
        cpu: first.cpu,
        cpus: wallUs > 0 ? busyUs / wallUs : null,
        inTotal: !sharesTaskTime,
      };
    })
    .sort(
      (a, b) =>
        order[a.kind as keyof typeof order] - order[b.kind as keyof typeof order] ||
        (a.cpu ?? 0) - (b.cpu ?? 0) ||
        a.name.localeCompare(b.name),
    );
}

/** Packets per second summed over receivers (testers), each over its own complete steady seconds. */
function receivedPps(samples: readonly SteadySample[]): number {
  const byPair = new Map<number, { rx: number; wallS: number }>();
  for (const s of samples) {
    if (!measuresTraffic(s.role) || s.partial || s.durationNs <= 0) continue;
    const e = byPair.get(s.pair) ?? { rx: 0, wallS: 0 };
    e.rx += s.rxPackets ?? 0;
    e.wallS += s.durationNs / 1e9;
    byPair.set(s.pair, e);
  }
  return [...byPair.values()].reduce((t, e) => t + (e.wallS > 0 ? e.rx / e.wallS : 0), 0);
}
