// Pure planning: a validated plan becomes the list of cases, one per tuple (D, L, S, V, P, R, B)
// and backend, times repetitions. No I/O here.
import {
  RATE_MAX,
  RATE_SEARCH,
  type BackendName,
  type IoMode,
  type Layout,
  type Plan,
  type Rate,
  type SwitchName,
} from './schema.js';
import { expandSearch, type ExpandedSearch } from './search-schema.js';
import { KERNEL_BACKENDS } from '../apps/backends.js';
import { meanFrameBytes, type SizeMix } from './traffic.js';

/** The back-to-back path of `latencyBaseline`: the apps over a bare veth pair (veth's backends: the kernel's). */
export const BASELINE_SWITCH: SwitchName = 'veth';

export interface Case {
  /** Stable, readable identity of the case within its run (also the resume key). */
  id: string;
  /** Position in the run, 0-based. */
  index: number;
  dimension: Plan['dimension'];
  locality: Plan['locality'];
  containers: Plan['containers'];
  /** Traffic generators: sender/receiver pairs (layout pairs), testers, or chains (one tester each). */
  pairs: number;
  /** How the apps hold the switch's ports (absent: pairs, the paper's). */
  layout?: Exclude<Layout, 'pairs'>;
  /** Layout chain: forwarders in series in each chain. */
  chainLength?: number;
  /** Layout chain: chains side by side (equal to `pairs`: one tester per chain). */
  chains?: number;
  switch: SwitchName;
  backend: BackendName;
  /** How the apps wait for I/O (`--blocking` when blocking). */
  mode: IoMode;
  /** Latency cases: 1 = single-thread client, 2 = a second, pinned receive thread. Always 1 for throughput. */
  clientThreads: number;
  /** Frame bytes without FCS; for a mix (`sizeMix`), its mean frame rounded (what reports place it at). */
  packetSize: number;
  /** The frame-size mix of this case (the plan's `packetSizes` entry), absent for one size. */
  sizeMix?: SizeMix;
  /** 5-tuples each sender cycles through (the plan's `flows`; 1 = the sender's own). */
  flows: number;
  /** Receive and transmit queues per app port (the plan's `queues`), absent for one. */
  queues?: number;
  rate: Rate;
  burst: number;
  repetition: number;
  durationS: number;
  warmupS: number;
  cooldownS: number;
  touchData: boolean;
  /** Senders (clients) run SCHED_FIFO, `--sched fifo` (the plan's senderScheduling); absent for the default. */
  senderScheduling?: 'fifo';
  /** Throughput cases: receivers record one-way latency (`--latency`, the plan's oneWayLatency); absent for off. */
  oneWayLatency?: true;
  /** Latency cases with a window: at most this many frames awaiting their echo (`--inflight`). */
  inflight?: number;
  /** For a search case (rate "search"): the goals and limits of the throughput search. */
  search?: ExpandedSearch;
  /**
   * A back-to-back baseline (`latencyBaseline`): this case runs the apps over a bare veth pair, to
   * be subtracted from the latency of the cases that differ from it only in their switch.
   */
  baseline?: true;
  /** The plan's settings of this case's switch (`sriov:`), handed to its driver. */
  switchOptions?: SwitchOptions;
}

/** Plan settings a switch's driver needs (the plan's field of the same name). */
export interface SwitchOptions {
  sriov?: NonNullable<Plan['sriov']>;
}

/**
 * Order: repetitions outermost, so repeated measurements of one case are spread over the run
 * rather than taken back to back (drift and noise then show up as spread, not as bias);
 * inside, the paper's order: switch → pairs → backend (→ I/O mode → client threads) → burst → size (→ flows → queues) → rate.
 */
export function expandPlan(plan: Plan): Case[] {
  const cases: Case[] = [];
  const search = plan.search ? expandSearch(plan.search) : undefined;
  const rates = ratesOf(plan);
  const switches = baselineSwitches(plan);
  for (let repetition = 0; repetition < plan.repetitions; repetition++) {
    for (const sw of switches) {
      const baseline = !plan.switches.includes(sw);
      for (const shape of shapesOf(plan)) {
        for (const backend of plan.backends) {
          if (baseline && !KERNEL_BACKENDS.includes(backend)) continue;
          for (const mode of plan.modes) {
            for (const clientThreads of plan.dimension === 'latency' ? plan.clientThreads : [1]) {
              for (const burst of plan.bursts) {
                for (const size of plan.packetSizes) {
                  const packetSize = typeof size === 'number' ? size : Math.round(meanFrameBytes(size));
                  const sizeMix = typeof size === 'number' ? {} : { sizeMix: size };
                  for (const [flows, queues] of plan.flows.flatMap((f) => plan.queues.map((q) => [f, q] as const))) {
                    for (const rate of rates) {
                      const tuple = {
                        dimension: plan.dimension,
                        locality: plan.locality,
                        containers: plan.containers,
                        ...shape,
                        switch: sw,
                        backend,
                        mode,
                        clientThreads,
                        packetSize,
                        ...sizeMix,
                        flows,
                        ...(queues > 1 ? { queues } : {}),
                        rate,
                        burst,
                        repetition,
                        ...(plan.dimension === 'latency' && plan.inflight !== undefined
                          ? { inflight: plan.inflight }
                          : {}),
                      };
                      cases.push({
                        ...tuple,
                        id: caseId(tuple),
                        index: cases.length,
                        durationS: plan.duration,
                        warmupS: plan.warmup,
                        cooldownS: plan.cooldown,
                        touchData: plan.touchData,
                        ...(plan.senderScheduling === 'fifo' ? { senderScheduling: 'fifo' as const } : {}),
                        ...(plan.oneWayLatency && plan.dimension === 'throughput'
                          ? { oneWayLatency: true as const }
                          : {}),
                        ...(rate === RATE_SEARCH ? { search } : {}),
                        ...(sw === 'sriov' && plan.sriov ? { switchOptions: { sriov: plan.sriov } } : {}),
                        ...(baseline || (plan.latencyBaseline && sw === BASELINE_SWITCH)
                          ? { baseline: true as const }
                          : {}),
                      });
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return cases;
}

/**
 * The layouts and their sizes, in the plan's order: per layout, its pairs (testers) or its chains
 * × chain lengths. A chain has one tester, so a chain case's `pairs` is its number of chains.
 */
export function shapesOf(plan: Plan): Pick<Case, 'pairs' | 'layout' | 'chainLength' | 'chains'>[] {
  return (plan.layout ?? ['pairs']).flatMap((layout) => {
    if (layout === 'pairs') return plan.pairs.map((pairs) => ({ pairs }));
    if (layout === 'tester') return plan.pairs.map((pairs) => ({ pairs, layout }));
    return (plan.chains ?? [1]).flatMap((chains) =>
      (plan.chainLength ?? [1]).map((chainLength) => ({ pairs: chains, layout, chainLength, chains })),
    );
  });
}

/**
 * The plan's switches, with the baseline's veth first when `latencyBaseline` asks for it and the
 * plan does not sweep veth already (its veth cases are then the baseline).
 */
function baselineSwitches(plan: Plan): SwitchName[] {
  return plan.latencyBaseline && !plan.switches.includes(BASELINE_SWITCH)
    ? [BASELINE_SWITCH, ...plan.switches]
    : [...plan.switches];
}

/** Fixed rates first, then the search (a plan with `search` and no `rates` runs only the search). */
function ratesOf(plan: Plan): Rate[] {
  return [...(plan.rates ?? (plan.search ? [] : [RATE_MAX])), ...(plan.search ? [RATE_SEARCH] : [])];
}

/** How many cases `expandPlan` makes, without making them (a hostile plan asks for 10^15). */
export function caseCount(plan: Plan): number {
  const threads = plan.dimension === 'latency' ? plan.clientThreads.length : 1;
  const baseline =
    plan.latencyBaseline && !plan.switches.includes(BASELINE_SWITCH)
      ? plan.backends.filter((b) => KERNEL_BACKENDS.includes(b)).length
      : 0;
  return (
    plan.repetitions *
    shapeCount(plan) *
    (plan.switches.length * plan.backends.length + baseline) *
    plan.modes.length *
    threads *
    plan.bursts.length *
    plan.packetSizes.length *
    plan.flows.length *
    plan.queues.length *
    ratesOf(plan).length
  );
}

/** How many entries `shapesOf` gives. */
function shapeCount(plan: Plan): number {
  return (plan.layout ?? ['pairs']).reduce(
    (n, layout) =>
      n + (layout === 'chain' ? (plan.chains?.length ?? 1) * (plan.chainLength?.length ?? 1) : plan.pairs.length),
    0,
  );
}

type Tuple = Pick<
  Case,
  'dimension' | 'locality' | 'pairs' | 'switch' | 'backend' | 'packetSize' | 'rate' | 'burst' | 'repetition'
> &
  Partial<
    Pick<Case, 'mode' | 'clientThreads' | 'inflight' | 'layout' | 'chainLength' | 'sizeMix' | 'flows' | 'queues'>
  >;

export function caseId(t: Tuple): string {
  // The defaults (polling, one client thread, no window) add nothing, so the ids of earlier runs still resume.
  const mode = t.mode === 'blocking' ? ['blocking'] : [];
  const threads = (t.clientThreads ?? 1) > 1 ? [`${t.clientThreads}t`] : [];
  const window = t.inflight !== undefined ? [`inflight${t.inflight}`] : [];
  return [
    t.dimension,
    t.locality,
    shapeLabel(t),
    t.switch,
    t.backend,
    ...mode,
    ...threads,
    ...window,
    t.sizeMix ? t.sizeMix.label : `${t.packetSize}B`,
    ...((t.flows ?? 1) > 1 ? [`${t.flows}flows`] : []),
    ...((t.queues ?? 1) > 1 ? [`${t.queues}queues`] : []),
    typeof t.rate === 'number' ? `${t.rate}pps` : t.rate,
    `b${t.burst}`,
    `r${t.repetition}`,
  ].join('/');
}

/** The layout in words, for legends and headlines: `pairs`, `tester`, `chain of 2`. */
export function layoutName(c: Pick<Case, 'layout' | 'chainLength'>): string {
  return c.layout === 'chain' ? `chain of ${c.chainLength}` : (c.layout ?? 'pairs');
}

/** S as a case id writes it: `2vs2` (pairs), `2tester` (two testers), `3chain2` (three chains of two forwarders). */
export function shapeLabel(t: Pick<Case, 'pairs' | 'layout' | 'chainLength'>): string {
  if (t.layout === 'tester') return `${t.pairs}tester`;
  if (t.layout === 'chain') return `${t.pairs}chain${t.chainLength}`;
  return `${t.pairs}vs${t.pairs}`;
}

/** The id of a case's back-to-back baseline: the same tuple over the baseline's veth pair (caseId's fourth part is the switch). */
export function baselineCaseId(id: string): string {
  const parts = id.split('/');
  parts[3] = BASELINE_SWITCH;
  return parts.join('/');
}

/** Seconds a case runs traffic for: warm-up + steady state + cool-down. */
export function trafficSeconds(c: Case): number {
  return c.warmupS + c.durationS + c.cooldownS;
}

/** The tuple as the paper writes it: (D, L, S, V, P, R, B). */
export function formatTuple(c: Case): string {
  const rate = typeof c.rate === 'number' ? formatRate(c.rate) : c.rate;
  const size = c.sizeMix ? c.sizeMix.label : c.packetSize;
  const flows = c.flows > 1 ? `, ${c.flows} flows` : '';
  const queues = (c.queues ?? 1) > 1 ? `, ${c.queues} queues` : '';
  return `(${c.dimension}, ${c.locality}, ${shapeLabel(c)}, ${c.switch}, ${size}, ${rate}, ${c.burst}${flows}${queues})`;
}

export function formatRate(pps: number): string {
  if (pps >= 1e6) return `${+(pps / 1e6).toFixed(3)}M`;
  if (pps >= 1e3) return `${+(pps / 1e3).toFixed(3)}k`;
  return String(pps);
}
