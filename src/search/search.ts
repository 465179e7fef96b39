// The throughput search engine: one MLRsearch (draft-ietf-bmwg-mlrsearch-15 / RFC 9971) serving
// every goal of a plan at once. Pure and deterministic: the only effect is the `measure` callback
// it awaits, one trial at a time; the same trial results always lead to the same next trial.
//
// What is measured: per load, every trial result is kept and classified against each goal
// (classify.ts). Each goal's reported bounds are its Relevant Bounds; the next trial serves
// the goal whose bracket is widest. Trial loss includes what the generator failed to send (CSIT's
// lesson), so a generator that cannot reach a load makes that load fail, and the result names it.
import { InternalError } from '../common/errors.js';
import {
  expandSearch,
  type ExpandedSearch,
  type SearchConfig,
  type SearchGoal,
  type SearchPreset,
} from '../plan/search-schema.js';
import {
  classifyLoad,
  conditionalThroughput,
  relevantBounds,
  type ClassifiedTrial,
  type GoalAttributes,
  type LoadClass,
  type RelevantBounds,
} from './classify.js';

export type { LoadClass } from './classify.js';

/** What one trial measured, as the runner reports it. Rates are packets/s summed over senders. */
export interface TrialResult {
  /** The rate the generator was asked for (the search's load; kept for the record). */
  intendedPps: number;
  /**
   * What the generator offered the path: the frames its ports accepted, plus those refused by a
   * ring the switch empties (trial.ts: such refusals are the path's, so they are in lossRatio).
   */
  offeredPps: number;
  /** What arrived (forwarded by the path). */
  receivedPps: number;
  /** Loss on the path: 1 − received ÷ offered; packets the generator never offered are not in it. */
  lossRatio: number;
  /** Measured length of the trial. */
  durationS: number;
  /**
   * Whole-trial packet totals over all senders, when the runner counts them: frames the schedule
   * called for (rate × each sender's run time), frames the senders' ports accepted, frames received.
   */
  packets?: TrialPackets;
}

export interface TrialPackets {
  intended: number;
  sent: number;
  received: number;
  /** Frames offered to a send call that it refused (the port's ring, socket buffer or qdisc was full); absent: not counted. */
  unsent?: number;
  /** Times a sender's pacer fell behind its schedule by more than its catch-up bound (pacer.h). */
  stalls?: number;
  /**
   * Whose the refused frames are, by the kind of port the senders send on (switches/types.ts,
   * REFUSED_FRAMES_COUNT_AS): the path's loss (a ring the switch empties) or the generator's shortfall.
   */
  unsentCountsAs?: RefusalOwner;
}

/** Who is charged with frames a send call refused: the path (they count as its loss) or the generator (shortfall). */
export type RefusalOwner = 'path-loss' | 'generator-shortfall';

/**
 * Why a trial failed one goal (`pass`: within the goal's loss ratio). On the path's side (its
 * own loss ratio exceeds the goal's: the trial fails whatever the generator did): `path-loss`,
 * frames lost on the path, or `path-refused`, mostly frames a ring the switch empties refused.
 * On the generator's side (only its shortfall failed it): `sender-behind`, mostly frames the
 * sender's pacer never offered (it fell behind its schedule: stalls, a CPU it did not get), or
 * `sender-refused`, mostly frames the sender's own port refused (its socket buffer or qdisc).
 * `generator-shortfall`: the generator's, cause not counted (results before schema 7, or a
 * measure without packet totals).
 */
export type TrialVerdict =
  | 'pass'
  | 'path-loss'
  | 'path-refused'
  | 'sender-behind'
  | 'sender-refused'
  | 'generator-shortfall';

/** The verdicts that blame the path; the other failures are the generator's. */
export const PATH_VERDICTS: readonly string[] = ['path-loss', 'path-refused'];

/** A goal's failed trials: on the path's side, on the generator's, and by verdict. */
export interface FailedTrials {
  pathLoss: number;
  generatorShortfall: number;
  byVerdict: Record<Exclude<TrialVerdict, 'pass'>, number>;
}

/** Counts one goal's failed trials from each trial's verdicts (as stored: any string). */
export function failedTrials(verdicts: readonly Record<string, string>[], goal: string): FailedTrials {
  const byVerdict: FailedTrials['byVerdict'] = {
    'path-loss': 0,
    'path-refused': 0,
    'sender-behind': 0,
    'sender-refused': 0,
    'generator-shortfall': 0,
  };
  for (const v of verdicts) {
    const of = v[goal] as keyof typeof byVerdict | undefined;
    if (of !== undefined && of in byVerdict) byVerdict[of]++;
  }
  const pathLoss = byVerdict['path-loss'] + byVerdict['path-refused'];
  const all = Object.values(byVerdict).reduce((n, k) => n + k, 0);
  return { pathLoss, generatorShortfall: all - pathLoss, byVerdict };
}

/** Runs one trial at `ratePps` for `durationS` seconds. */
export type Measure = (ratePps: number, durationS: number) => Promise<TrialResult>;

/** One trial of the search, in order, for the search-trace figure and the database. */
export interface TraceEntry {
  /** 0-based position in the search. */
  index: number;
  /** Trial seconds spent before this trial started (trial time only, no set-up). */
  tS: number;
  ratePps: number;
  /** Trial duration asked for; the classification uses it as the Trial (Effective) Duration. */
  durationS: number;
  measuredDurationS: number;
  offeredPps: number;
  receivedPps: number;
  pathLossRatio: number;
  /** What the generator did not send: max(0, 1 − offered ÷ load), counted in lossRatio only when generatorLimited. */
  shortfallRatio: number;
  /** Trial Loss Ratio used to classify: 1 − (1 − counted shortfall) × (1 − path loss) = 1 − received/intended. */
  lossRatio: number;
  /** The generator sent more than `generatorTolerance` below the load; that shortfall is in lossRatio. */
  generatorLimited: boolean;
  /** Per goal: whether this trial passed it, or why it failed it (TrialVerdict). */
  verdicts: Record<string, TrialVerdict>;
  /** Whole-trial packet totals, when the runner counted them. */
  packets: TrialPackets | null;
  /** The goal this trial was chosen for, and whether it served its coarse or its final phase. */
  focus: string;
  phase: Phase;
  /** This load's classification for every goal, right after this trial. */
  goalClassifications: Record<string, LoadClass>;
}

export type Phase = 'coarse' | 'final';

/**
 * converged: both relevant bounds exist and are within the goal width (a regular result).
 * The others are irregular: max-is-lower-bound (no upper bound exists; the lower bound reported is
 * the max rate), min-is-upper-bound (no lower bound exists), trial-limit (maxTrials reached first).
 */
export type GoalStatus = 'converged' | 'max-is-lower-bound' | 'min-is-upper-bound' | 'trial-limit';

export interface GoalResult {
  name: string;
  status: GoalStatus;
  /** Relevant Lower Bound (packets/s); null when none exists. */
  lowerBoundPps: number | null;
  /** Relevant Upper Bound (packets/s); null when none exists. */
  upperBoundPps: number | null;
  /** (upper − lower) ÷ upper; null unless both bounds exist. */
  relativeWidth: number | null;
  /** Conditional Throughput at the lower bound: the load times the quantile trial's forwarding ratio. */
  conditionalThroughputPps: number | null;
  /** Trials the search chose for this goal. */
  trials: number;
  /**
   * The generator, not the path, failed the upper bound: a trial there fell short of the load by
   * more than the goal's loss ratio (and the tolerance) while the path's own loss passed it. The
   * bounds then describe the generator.
   */
  generatorLimited: boolean;
  /**
   * lowerBoundPps ÷ the search's generatorAccuratePps: how far below the highest load the
   * generator held lies this goal's bound (1: at it, so the generator may be what limits it;
   * well below 1: the path limits it). Null without either.
   */
  lowerBoundToGeneratorRatio: number | null;
}

export interface SearchResult {
  /** What was run: the preset's or the plan's goals and limits. */
  search: ExpandedSearch;
  preset: SearchPreset | null;
  outcome: 'completed' | 'trial-limit';
  goals: GoalResult[];
  trace: TraceEntry[];
  totalTrials: number;
  totalTrialSeconds: number;
  /**
   * The highest load at which every trial's generator was accurate (shortfall within
   * `generatorTolerance`); null when it fell short at every load measured.
   */
  generatorAccuratePps: number | null;
}

export interface SearchOptions {
  /** Called after each trial (e.g. to store it before the next one starts). */
  onTrial?: (entry: TraceEntry) => void;
}

/** Runs a plan's `search` (as parsed by `searchSchema`). */
export function runSearch(config: SearchConfig, measure: Measure, options: SearchOptions = {}): Promise<SearchResult> {
  return runExpandedSearch(expandSearch(config), measure, options);
}

interface Trial extends ClassifiedTrial {
  /** Fraction of the load the generator did not send (0 when it sent all of it or more). */
  shortfall: number;
  /** The path's own loss ratio (TrialResult.lossRatio). */
  pathLoss: number;
  generatorLimited: boolean;
}

/** A target: what one phase of one goal classifies against. The final target is the goal itself. */
interface Target {
  phase: Phase;
  attrs: GoalAttributes;
  width: number;
  trialDurationS: number;
  /** Whether this target starts the goal's chain (then it expands by halving and doubling). */
  first: boolean;
}

type Step =
  | { kind: 'measure'; ratePps: number; width: number }
  | { kind: 'done'; status: Exclude<GoalStatus, 'trial-limit'>; bounds: RelevantBounds };

interface Limits {
  minRatePps: number;
  maxRatePps: number;
}

/**
 * The search:
 * - Each goal runs a chain of targets. With `coarsePhase`, a coarse target first brackets the goal
 *   with one initial-duration trial per load (its duration sum is one trial, its width twice the
 *   goal's); then the final target — the goal itself — starts at the coarse upper bound and
 *   measures each load until the goal classifies it. A finished coarse target is frozen; the final
 *   target is re-evaluated after every trial, as the draft's classification is current.
 * - A target's next load, from its relevant bounds:
 *   none yet: the previous phase's upper bound, else the max rate;
 *   an upper bound only: the largest load below it, still undecided, that had a low-loss trial
 *   (typically the coarse lower bound), else halving (first target of the chain) or stepping
 *   down by 4 × width, doubling with each upper bound already found;
 *   a lower bound only: the mirror image (smallest undecided load above with a high-loss trial,
 *   else doubling or stepping up);
 *   both: a load already measured and still undecided inside the bracket (nearest its middle),
 *   else the geometric mean — bisection in log space, each trial halving the relative width.
 *   Loads are whole packets/s; min and max are used as given.
 * - A target is done when its bounds are within its width (relative to the upper bound), when no
 *   whole load lies between them, when the max rate is a lower bound, or the min rate an upper bound.
 * - Each trial serves one goal: the one in the earliest phase, then with the widest bracket
 *   (a missing bound counts as infinitely wide), then the first listed.
 * - Trial durations: the coarse target's trials last the goal's initial trial duration, the final
 *   target's its final trial duration. Short trials can only push a load towards upper bound.
 */
export async function runExpandedSearch(
  search: ExpandedSearch,
  measure: Measure,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const limits: Limits = { minRatePps: search.minRatePps, maxRatePps: search.maxRatePps };
  const chains = search.goals.map((g) => targetChain(g, search.coarsePhase));
  /** Per goal, per coarse target: its bounds once it finished (frozen). */
  const frozen: (RelevantBounds | undefined)[][] = chains.map((c) => c.map(() => undefined));
  const loads = new LoadTable();
  const trace: TraceEntry[] = [];
  const focusCounts = search.goals.map(() => 0);
  let tS = 0;
  let outcome: SearchResult['outcome'] = 'completed';

  for (;;) {
    let best: { goal: number; phase: number; width: number; ratePps: number } | null = null;
    for (let goal = 0; goal < chains.length; goal++) {
      const chain = chains[goal]!;
      let prev: RelevantBounds | null = null;
      for (let k = 0; k < chain.length; k++) {
        const done = frozen[goal]![k];
        if (done) {
          prev = done;
          continue;
        }
        const target = chain[k]!;
        const step = nextStep(target, loads, prev, limits);
        if (step.kind === 'measure') {
          if (!best || k < best.phase || (k === best.phase && step.width > best.width)) {
            best = { goal, phase: k, width: step.width, ratePps: step.ratePps };
          }
          break;
        }
        if (k < chain.length - 1) frozen[goal]![k] = step.bounds;
        prev = step.bounds;
      }
    }
    if (best === null) break;
    if (trace.length >= search.maxTrials) {
      outcome = 'trial-limit';
      break;
    }

    const { goal, phase, ratePps } = best;
    const target = chains[goal]![phase]!;
    const durationS = target.trialDurationS;
    const result = await measure(ratePps, durationS);
    const trial = toTrial(result, ratePps, durationS, search.generatorTolerance);
    const atLoad = loads.add(ratePps, trial);
    focusCounts[goal]! += 1;

    const entry: TraceEntry = {
      index: trace.length,
      tS,
      ratePps,
      durationS,
      measuredDurationS: result.durationS,
      offeredPps: result.offeredPps,
      receivedPps: result.receivedPps,
      pathLossRatio: result.lossRatio,
      shortfallRatio: trial.shortfall,
      lossRatio: trial.lossRatio,
      generatorLimited: trial.generatorLimited,
      verdicts: Object.fromEntries(search.goals.map((g) => [g.name, verdict(trial, result, g.lossRatio)])),
      packets: result.packets ?? null,
      focus: search.goals[goal]!.name,
      phase: target.phase,
      goalClassifications: Object.fromEntries(search.goals.map((g) => [g.name, classifyLoad(atLoad, g)])),
    };
    trace.push(entry);
    tS += durationS;
    options.onTrial?.(entry);
  }

  const generatorAccuratePps = highestAccurateLoad(loads);
  const goals = search.goals.map((g, i): GoalResult => {
    const chain = chains[i]!;
    const target = chain[chain.length - 1]!;
    const prev = chain.length > 1 ? (frozen[i]![chain.length - 2] ?? null) : null;
    const step = nextStep(target, loads, prev, limits);
    const { lowerPps, upperPps } = step.kind === 'done' ? step.bounds : relevantBounds(loads.classes(g));
    const atUpper = upperPps === null ? [] : loads.at(upperPps);
    return {
      name: g.name,
      status: step.kind === 'done' ? step.status : 'trial-limit',
      lowerBoundPps: lowerPps,
      upperBoundPps: upperPps,
      relativeWidth: lowerPps !== null && upperPps !== null ? (upperPps - lowerPps) / upperPps : null,
      conditionalThroughputPps: lowerPps === null ? null : conditionalThroughput(lowerPps, loads.at(lowerPps), g),
      trials: focusCounts[i]!,
      // Failed by the generator alone: a trial there whose path loss would have passed it.
      generatorLimited: atUpper.some(
        (t) => t.generatorLimited && t.shortfall > g.lossRatio && t.pathLoss <= g.lossRatio,
      ),
      lowerBoundToGeneratorRatio:
        lowerPps !== null && generatorAccuratePps !== null ? lowerPps / generatorAccuratePps : null,
    };
  });
  return {
    search,
    preset: search.preset,
    outcome,
    goals,
    trace,
    totalTrials: trace.length,
    totalTrialSeconds: tS,
    generatorAccuratePps,
  };
}

/**
 * A trial against one goal's loss ratio: passed, or failed on the path's side or the generator's
 * (by the path's own loss ratio), and on each side what most of the missing frames were (the
 * packet totals, where counted). Frames never offered = intended − sent − unsent: the schedule's
 * frames the pacer dropped or did not reach.
 */
function verdict(trial: Trial, result: TrialResult, goalLossRatio: number): TrialVerdict {
  if (trial.lossRatio <= goalLossRatio) return 'pass';
  const p = result.packets;
  const counted = p?.unsent !== undefined && p.unsentCountsAs !== undefined ? p : null;
  if (result.lossRatio > goalLossRatio) {
    if (counted?.unsentCountsAs !== 'path-loss') return 'path-loss';
    return counted.unsent! > counted.sent - counted.received ? 'path-refused' : 'path-loss';
  }
  if (!counted) return 'generator-shortfall';
  const refused = counted.unsentCountsAs === 'generator-shortfall' ? counted.unsent! : 0;
  const neverOffered = Math.max(0, counted.intended - counted.sent - counted.unsent!);
  return refused > neverOffered ? 'sender-refused' : 'sender-behind';
}

/** The highest load none of whose trials was generator-limited. */
function highestAccurateLoad(loads: LoadTable): number | null {
  let best: number | null = null;
  for (const [load, trials] of loads.entries()) {
    if (trials.every((t) => !t.generatorLimited) && (best === null || load > best)) best = load;
  }
  return best;
}

function targetChain(goal: SearchGoal, coarsePhase: boolean): Target[] {
  const final: Target = {
    phase: 'final',
    attrs: goal,
    width: goal.width,
    trialDurationS: goal.finalTrialDurationS,
    first: true,
  };
  const coarseHelps =
    goal.durationSumS > goal.initialTrialDurationS || goal.initialTrialDurationS < goal.finalTrialDurationS;
  if (!coarsePhase || !coarseHelps) return [final];
  const d = goal.initialTrialDurationS;
  return [
    {
      phase: 'coarse',
      attrs: { ...goal, finalTrialDurationS: d, durationSumS: d },
      width: Math.min(0.5, 2 * goal.width),
      trialDurationS: d,
      first: true,
    },
    { ...final, first: false },
  ];
}

/** Trials per load; each load's classification per target is cached until the load gets a new trial. */
class LoadTable {
  private readonly trials = new Map<number, Trial[]>();
  private readonly cache = new Map<GoalAttributes, Map<number, LoadClass>>();

  add(load: number, trial: Trial): readonly Trial[] {
    const at = this.trials.get(load) ?? [];
    at.push(trial);
    this.trials.set(load, at);
    for (const classes of this.cache.values()) classes.delete(load);
    return at;
  }

  at(load: number): readonly Trial[] {
    return this.trials.get(load) ?? [];
  }

  entries(): IterableIterator<[number, readonly Trial[]]> {
    return this.trials.entries();
  }

  classes(attrs: GoalAttributes): ReadonlyMap<number, LoadClass> {
    let classes = this.cache.get(attrs);
    if (!classes) this.cache.set(attrs, (classes = new Map()));
    for (const [load, trials] of this.trials) if (!classes.has(load)) classes.set(load, classifyLoad(trials, attrs));
    return classes;
  }
}

function nextStep(target: Target, loads: LoadTable, prev: RelevantBounds | null, limits: Limits): Step {
  const classes = loads.classes(target.attrs);
  const bounds = relevantBounds(classes);
  const { lowerPps: lower, upperPps: upper } = bounds;
  const { minRatePps: min, maxRatePps: max } = limits;
  const measure = (ratePps: number, width: number): Step => ({ kind: 'measure', ratePps, width });

  if (upper === null && lower !== null && lower >= max) return { kind: 'done', status: 'max-is-lower-bound', bounds };
  if (upper !== null && upper <= min) return { kind: 'done', status: 'min-is-upper-bound', bounds };
  if (lower !== null && upper !== null) {
    const width = (upper - lower) / upper;
    if (width <= target.width || Math.floor(lower) + 1 >= upper) return { kind: 'done', status: 'converged', bounds };
    const mid = Math.sqrt(lower * upper);
    const inside = [...classes].filter(([x, c]) => c === 'undecided' && x > lower && x < upper).map(([x]) => x);
    if (inside.length > 0) {
      inside.sort((a, b) => Math.abs(Math.log(a / mid)) - Math.abs(Math.log(b / mid)) || a - b);
      return measure(inside[0]!, width);
    }
    return measure(Math.min(Math.max(Math.round(mid), Math.floor(lower) + 1), Math.ceil(upper) - 1), width);
  }
  // One-sided: go to the nearest load already measured on the open side whose trials point the
  // right way (a coarse bound, another goal's load), else step away from the bound.
  if (upper !== null) {
    const hint = nearest(
      loads,
      classes,
      (x, t) => x < upper && x >= min && t.some((r) => r.lossRatio <= target.attrs.lossRatio),
      'largest',
    );
    if (hint !== null) return measure(hint, Infinity);
    const e = expansion(target, classes, 'upper');
    return measure(Math.max(min, Math.min(Math.ceil(upper) - 1, Math.round(upper * (1 - e)))), Infinity);
  }
  if (lower !== null) {
    const hint = nearest(
      loads,
      classes,
      (x, t) => x > lower && x <= max && t.some((r) => r.lossRatio > target.attrs.lossRatio),
      'smallest',
    );
    if (hint !== null) return measure(hint, Infinity);
    const e = expansion(target, classes, 'lower');
    return measure(Math.min(max, Math.max(Math.floor(lower) + 1, Math.round(lower / (1 - e)))), Infinity);
  }
  // Nothing classified yet: start from the previous phase's bracket, else at the max rate.
  return measure(prev?.upperPps ?? prev?.lowerPps ?? max, Infinity);
}

/** The smallest or largest measured load, still undecided for the target, that `accept`s. */
function nearest(
  loads: LoadTable,
  classes: ReadonlyMap<number, LoadClass>,
  accept: (load: number, trials: readonly Trial[]) => boolean,
  which: 'smallest' | 'largest',
): number | null {
  let best: number | null = null;
  for (const [load, trials] of loads.entries()) {
    if (classes.get(load) !== 'undecided' || !accept(load, trials)) continue;
    if (best === null || (which === 'smallest' ? load < best : load > best)) best = load;
  }
  return best;
}

/**
 * How far to step away from a one-sided bound: halving or doubling for the first target of a
 * chain; after a coarse phase, 4 × width, doubling with each load already classified on that side.
 */
function expansion(target: Target, classes: ReadonlyMap<number, LoadClass>, side: 'upper' | 'lower'): number {
  if (target.first) return 0.5;
  let m = 0;
  for (const c of classes.values()) if (c === side) m++;
  return Math.min(0.5, 4 * target.width * 2 ** Math.max(0, m - 1));
}

function toTrial(result: TrialResult, ratePps: number, durationS: number, tolerance: number): Trial {
  const numbers = [result.intendedPps, result.offeredPps, result.receivedPps, result.lossRatio, result.durationS];
  if (
    !numbers.every(Number.isFinite) ||
    result.offeredPps < 0 ||
    result.receivedPps < 0 ||
    result.lossRatio < 0 ||
    result.lossRatio > 1 ||
    result.durationS <= 0
  ) {
    throw new InternalError(
      `measure returned an impossible trial result for ${ratePps} packets/s: ${JSON.stringify(result)}`,
    );
  }
  if (Math.abs(result.intendedPps - ratePps) > 0.01 * ratePps) {
    throw new InternalError(
      `measure was asked for ${ratePps} packets/s but reports an intended rate of ${result.intendedPps}`,
    );
  }
  // Draft: Trial Forwarding Ratio = forwarded ÷ frames intended at the Trial Load. Packets the
  // generator never sent are lost from the load's point of view (CSIT); a shortfall within the
  // tolerance is taken as rate-measurement noise and not counted.
  const shortfall = Math.max(0, 1 - result.offeredPps / ratePps);
  const generatorLimited = shortfall > tolerance;
  const counted = generatorLimited ? shortfall : 0;
  const lossRatio = Math.min(1, Math.max(0, 1 - (1 - counted) * (1 - result.lossRatio)));
  return {
    durationS,
    effectiveDurationS: durationS,
    lossRatio,
    shortfall,
    pathLoss: result.lossRatio,
    generatorLimited,
  };
}
