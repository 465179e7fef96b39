// Pure planning: a validated plan becomes the list of cases, one per tuple (D, L, S, V, P, R, B)
// and backend, times repetitions. No I/O here.
import type { BackendName, Plan, Rate, SwitchName } from './schema.js';

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
  packetSize: number;
  rate: Rate;
  burst: number;
  repetition: number;
  durationS: number;
  warmupS: number;
  cooldownS: number;
  touchData: boolean;
}

/**
 * Order: repetitions outermost, so repeated measurements of one case are spread over the run
 * rather than taken back to back (drift and noise then show up as spread, not as bias);
 * inside, the paper's order: switch → pairs → backend → burst → size → rate.
 */
export function expandPlan(plan: Plan): Case[] {
  const cases: Case[] = [];
  for (let repetition = 0; repetition < plan.repetitions; repetition++) {
    for (const sw of plan.switches) {
      for (const pairs of plan.pairs) {
        for (const backend of plan.backends) {
          for (const burst of plan.bursts) {
            for (const packetSize of plan.packetSizes) {
              for (const rate of plan.rates) {
                const tuple = {
                  dimension: plan.dimension, locality: plan.locality, containers: plan.containers,
                  pairs, switch: sw, backend, packetSize, rate, burst, repetition,
                };
                cases.push({
                  ...tuple,
                  id: caseId(tuple),
                  index: cases.length,
                  durationS: plan.duration,
                  warmupS: plan.warmup,
                  cooldownS: plan.cooldown,
                  touchData: plan.touchData,
                });
              }
            }
          }
        }
      }
    }
  }
  return cases;
}

type Tuple = Pick<Case, 'dimension' | 'locality' | 'pairs' | 'switch' | 'backend' | 'packetSize' | 'rate' | 'burst' | 'repetition'>;

export function caseId(t: Tuple): string {
  return [t.dimension, t.locality, `${t.pairs}vs${t.pairs}`, t.switch, t.backend, `${t.packetSize}B`,
    t.rate === 'max' ? 'max' : `${t.rate}pps`, `b${t.burst}`, `r${t.repetition}`].join('/');
}

/** Seconds a case runs traffic for: warm-up + steady state + cool-down. */
export function trafficSeconds(c: Case): number {
  return c.warmupS + c.durationS + c.cooldownS;
}

/** The tuple as the paper writes it: (D, L, S, V, P, R, B). */
export function formatTuple(c: Case): string {
  const rate = c.rate === 'max' ? 'max' : formatRate(c.rate);
  return `(${c.dimension}, ${c.locality}, ${c.pairs}vs${c.pairs}, ${c.switch}, ${c.packetSize}, ${rate}, ${c.burst})`;
}

export function formatRate(pps: number): string {
  if (pps >= 1e6) return `${+(pps / 1e6).toFixed(3)}M`;
  if (pps >= 1e3) return `${+(pps / 1e3).toFixed(3)}k`;
  return String(pps);
}
