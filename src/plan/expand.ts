// Pure planning: a validated plan becomes the list of cases, one per tuple (D, L, S, V, P, R, B)
// and backend, times repetitions. No I/O here.
import {
  RATE_MAX,
  RATE_SEARCH,
  type BackendName,
  type IoMode,
  type Plan,
  type Rate,
  type SwitchName,
} from './schema.js';
import { expandSearch, type ExpandedSearch } from './search-schema.js';
import { meanFrameBytes, type SizeMix } from './traffic.js';

export interface Case {
  /** Stable, readable identity of the case within its run (also the resume key). */
  id: string;
  /** Position in the run, 0-based. */
  index: number;
  dimension: Plan['dimension'];
  locality: Plan['locality'];
  containers: Plan['containers'];
  pairs: number;
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
  rate: Rate;
  burst: number;
  repetition: number;
  durationS: number;
  warmupS: number;
  cooldownS: number;
  touchData: boolean;
  /** Senders (clients) run SCHED_FIFO, `--sched fifo` (the plan's senderScheduling); absent for the default. */
  senderScheduling?: 'fifo';
  /** Latency cases with a window: at most this many frames awaiting their echo (`--inflight`). */
  inflight?: number;
  /** For a search case (rate "search"): the goals and limits of the throughput search. */
  search?: ExpandedSearch;
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
 * inside, the paper's order: switch → pairs → backend (→ I/O mode → client threads) → burst → size (→ flows) → rate.
 */
export function expandPlan(plan: Plan): Case[] {
  const cases: Case[] = [];
  const search = plan.search ? expandSearch(plan.search) : undefined;
  const rates = ratesOf(plan);
  for (let repetition = 0; repetition < plan.repetitions; repetition++) {
    for (const sw of plan.switches) {
      for (const pairs of plan.pairs) {
        for (const backend of plan.backends) {
          for (const mode of plan.modes) {
            for (const clientThreads of plan.dimension === 'latency' ? plan.clientThreads : [1]) {
              for (const burst of plan.bursts) {
                for (const size of plan.packetSizes) {
                  const packetSize = typeof size === 'number' ? size : Math.round(meanFrameBytes(size));
                  const sizeMix = typeof size === 'number' ? {} : { sizeMix: size };
                  for (const flows of plan.flows) {
                    for (const rate of rates) {
                      const tuple = {
                        dimension: plan.dimension,
                        locality: plan.locality,
                        containers: plan.containers,
                        pairs,
                        switch: sw,
                        backend,
                        mode,
                        clientThreads,
                        packetSize,
                        ...sizeMix,
                        flows,
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
                        ...(rate === RATE_SEARCH ? { search } : {}),
                        ...(sw === 'sriov' && plan.sriov ? { switchOptions: { sriov: plan.sriov } } : {}),
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

/** Fixed rates first, then the search (a plan with `search` and no `rates` runs only the search). */
function ratesOf(plan: Plan): Rate[] {
  return [...(plan.rates ?? (plan.search ? [] : [RATE_MAX])), ...(plan.search ? [RATE_SEARCH] : [])];
}

/** How many cases `expandPlan` makes, without making them (a hostile plan asks for 10^15). */
export function caseCount(plan: Plan): number {
  const threads = plan.dimension === 'latency' ? plan.clientThreads.length : 1;
  return (
    plan.repetitions *
    plan.switches.length *
    plan.pairs.length *
    plan.backends.length *
    plan.modes.length *
    threads *
    plan.bursts.length *
    plan.packetSizes.length *
    plan.flows.length *
    ratesOf(plan).length
  );
}

type Tuple = Pick<
  Case,
  'dimension' | 'locality' | 'pairs' | 'switch' | 'backend' | 'packetSize' | 'rate' | 'burst' | 'repetition'
> &
  Partial<Pick<Case, 'mode' | 'clientThreads' | 'inflight' | 'sizeMix' | 'flows'>>;

export function caseId(t: Tuple): string {
  // The defaults (polling, one client thread, no window) add nothing, so the ids of earlier runs still resume.
  const mode = t.mode === 'blocking' ? ['blocking'] : [];
  const threads = (t.clientThreads ?? 1) > 1 ? [`${t.clientThreads}t`] : [];
  const window = t.inflight !== undefined ? [`inflight${t.inflight}`] : [];
  return [
    t.dimension,
    t.locality,
    `${t.pairs}vs${t.pairs}`,
    t.switch,
    t.backend,
    ...mode,
    ...threads,
    ...window,
    t.sizeMix ? t.sizeMix.label : `${t.packetSize}B`,
    ...((t.flows ?? 1) > 1 ? [`${t.flows}flows`] : []),
    typeof t.rate === 'number' ? `${t.rate}pps` : t.rate,
    `b${t.burst}`,
    `r${t.repetition}`,
  ].join('/');
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
  return `(${c.dimension}, ${c.locality}, ${c.pairs}vs${c.pairs}, ${c.switch}, ${size}, ${rate}, ${c.burst}${flows})`;
}

export function formatRate(pps: number): string {
  if (pps >= 1e6) return `${+(pps / 1e6).toFixed(3)}M`;
  if (pps >= 1e3) return `${+(pps / 1e3).toFixed(3)}k`;
  return String(pps);
}
