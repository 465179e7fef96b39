// MLRsearch's per-load logic, as draft-ietf-bmwg-mlrsearch-15 (RFC 9971) specifies it: Load
// Classification (appendix "Load Classification Code"), Relevant Bounds (sections "Relevant Upper
// Bound", "Relevant Lower Bound") and Conditional Throughput (appendix "Conditional Throughput
// Code"). Pure functions over the trials measured so far; the search engine (search.ts) decides
// what to measure next.

/** The attributes of a goal the per-load logic reads. */
export interface GoalAttributes {
  lossRatio: number;
  exceedRatio: number;
  finalTrialDurationS: number;
  durationSumS: number;
}

/** One trial as the classification sees it. */
export interface ClassifiedTrial {
  /** Trial Duration: what was asked for (decides short vs full-length). */
  durationS: number;
  /** Trial Effective Duration: what the sums add up. */
  effectiveDurationS: number;
  /** Trial Loss Ratio: 1 − forwarded / intended, generator shortfall included (see search.ts). */
  lossRatio: number;
}

export type LoadClass = 'lower' | 'upper' | 'undecided';

// Sums of seconds are compared with a relative tolerance, so that e.g. 120 s against
// 180 s × (2/3) decides as the exact arithmetic would (the draft's examples hinge on equality).
const EPS = 1e-9;

/**
 * Load Classification: 'lower' when the trials at this load uphold the goal whatever the rest of
 * the duration sum brings (pessimistic), 'upper' when they fail it whatever comes (optimistic),
 * else 'undecided'. Short trials (shorter than the final trial duration) can make a load an upper
 * bound only in excess of what short low-loss trials balance; only full-length low-loss trials
 * make a lower bound. A load with no trials is undecided.
 */
export function classifyLoad(trials: readonly ClassifiedTrial[], goal: GoalAttributes): LoadClass {
  let fullLow = 0,
    fullHigh = 0,
    shortLow = 0,
    shortHigh = 0;
  for (const t of trials) {
    const high = t.lossRatio > goal.lossRatio;
    const full = t.durationS >= goal.finalTrialDurationS * (1 - EPS);
    if (full && high) fullHigh += t.effectiveDurationS;
    else if (full) fullLow += t.effectiveDurationS;
    else if (high) shortHigh += t.effectiveDurationS;
    else shortLow += t.effectiveDurationS;
  }
  const exceedCoefficient = goal.exceedRatio / (1 - goal.exceedRatio);
  const balancing = shortLow * exceedCoefficient;
  const positiveExcess = Math.max(0, shortHigh - balancing);
  const effectiveHigh = fullHigh + positiveExcess;
  const effectiveFull = fullLow + effectiveHigh;
  const effectiveWhole = Math.max(effectiveFull, goal.durationSumS);
  const quantile = effectiveWhole * goal.exceedRatio + effectiveWhole * EPS;
  const pessimisticHigh = effectiveWhole - fullLow;
  const pessimisticIsLower = pessimisticHigh <= quantile;
  const optimisticIsLower = effectiveHigh <= quantile;
  if (pessimisticIsLower && optimisticIsLower) return 'lower';
  if (!pessimisticIsLower && !optimisticIsLower) return 'upper';
  return 'undecided';
}

export interface RelevantBounds {
  /** Smallest load classified as an upper bound; null when none is. */
  upperPps: number | null;
  /** Largest load classified as a lower bound below the relevant upper bound; null when none is. */
  lowerPps: number | null;
}

/**
 * Relevant Bounds, conservative on loss inversion: the upper bound is the smallest upper-bound
 * load, and the lower bound the largest lower-bound load *below it* — a lower bound above a
 * failing smaller load is treated as a fluke, the failure as real.
 */
export function relevantBounds(classes: ReadonlyMap<number, LoadClass>): RelevantBounds {
  let upperPps: number | null = null;
  for (const [load, c] of classes) if (c === 'upper' && (upperPps === null || load < upperPps)) upperPps = load;
  let lowerPps: number | null = null;
  for (const [load, c] of classes) {
    if (c === 'lower' && (upperPps === null || load < upperPps) && (lowerPps === null || load > lowerPps))
      lowerPps = load;
  }
  return { upperPps, lowerPps };
}

/**
 * Conditional Throughput at `loadPps`: the intended load times the forwarding ratio of the
 * full-length trial found at the (1 − exceed ratio) quantile of full-length trial seconds, trials
 * sorted by increasing loss (the whole counted as at least the duration sum; seconds missing from
 * it count as total loss). Null when the load has no full-length trial.
 */
export function conditionalThroughput(
  loadPps: number,
  trials: readonly ClassifiedTrial[],
  goal: GoalAttributes,
): number | null {
  const full = trials
    .filter((t) => t.durationS >= goal.finalTrialDurationS * (1 - EPS))
    .sort((a, b) => a.lossRatio - b.lossRatio);
  if (full.length === 0) return null;
  const fullSum = full.reduce((s, t) => s + t.effectiveDurationS, 0);
  const whole = Math.max(goal.durationSumS, fullSum);
  let remaining = whole * (1 - goal.exceedRatio);
  let quantileLoss: number | null = null;
  for (const t of full) {
    if (quantileLoss !== null && remaining <= whole * EPS) break;
    quantileLoss = t.lossRatio;
    remaining -= t.effectiveDurationS;
  }
  if (remaining > whole * EPS) quantileLoss = 1;
  return loadPps * (1 - (quantileLoss ?? 1));
}
