// How steady a case's steady state was: the spread of its per-second rates. Pure.
//
// A case's throughput (steady.ts) is one number over the whole window; if the per-second rate
// wandered (a noisy neighbour, frequency scaling, a switch that stalls), that number hides it.
// Here each steady second k gets one rate — the packets of every pair in k ÷ that interval's
// length, summed over pairs — and the seconds are summarised.
import { coefficientOfVariation, mean, median, stddev } from './stats.js';
import { measuresTraffic, offersTraffic } from '../apps/protocol.js';
import type { SteadySample } from '../store/run-data.js';

/**
 * A case whose per-second receive rate has a coefficient of variation above this is flagged
 * `unsteady`. 5 % is well above the second-to-second jitter of a paced or saturated kernel path
 * on an idle host (≲ 1-2 %) and well below what a mid-case disturbance produces; the remedy is a
 * quieter host, isolated CPUs, or a longer `warmup` / `duration`.
 */
export const UNSTEADY_CV = 0.05;

export interface RateSpread {
  /** Steady seconds in which every pair had a complete sample. */
  seconds: number;
  meanPps: number | null;
  medianPps: number | null;
  /** Sample standard deviation over the seconds; null below two seconds. */
  stddevPps: number | null;
  /** stddev ÷ mean; null below two seconds or at a mean of 0. */
  cv: number | null;
}

export interface SteadyVariation {
  rx: RateSpread;
  tx: RateSpread;
  /** rx.cv > UNSTEADY_CV; null when the spread cannot be computed (fewer than two seconds). */
  unsteady: boolean | null;
}

export function steadyVariation(samples: readonly SteadySample[], cvThreshold = UNSTEADY_CV): SteadyVariation {
  const rx = spread(perSecondRates(samples, 'recv'));
  const tx = spread(perSecondRates(samples, 'send'));
  return { rx, tx, unsteady: rx.cv === null ? null : rx.cv > cvThreshold };
}

/**
 * Packets/s per steady second, summed over pairs. A second that lacks a complete (non-partial)
 * sample of some pair is left out: summing fewer pairs would read as a dip that never happened.
 */
export function perSecondRates(samples: readonly SteadySample[], role: 'send' | 'recv'): number[] {
  const mine = samples.filter((s) => (role === 'send' ? offersTraffic(s.role) : measuresTraffic(s.role)));
  const pairs = new Set(mine.map((s) => s.pair));
  const bySecond = new Map<number, { pairs: Set<number>; pps: number; broken: boolean }>();
  for (const s of mine) {
    const entry = bySecond.get(s.second) ?? { pairs: new Set<number>(), pps: 0, broken: false };
    const packets = role === 'send' ? s.txPackets : s.rxPackets;
    if (s.partial || s.durationNs <= 0 || packets === null) entry.broken = true;
    else entry.pps += packets / (s.durationNs / 1e9);
    entry.pairs.add(s.pair);
    bySecond.set(s.second, entry);
  }
  return [...bySecond.entries()]
    .filter(([, e]) => !e.broken && e.pairs.size === pairs.size)
    .sort(([a], [b]) => a - b)
    .map(([, e]) => e.pps);
}

function spread(ppsPerSecond: readonly number[]): RateSpread {
  return {
    seconds: ppsPerSecond.length,
    meanPps: mean(ppsPerSecond),
    medianPps: median(ppsPerSecond),
    stddevPps: stddev(ppsPerSecond),
    cv: coefficientOfVariation(ppsPerSecond),
  };
}
