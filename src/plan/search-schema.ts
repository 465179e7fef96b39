// The `search` key of a plan: a throughput search (MLRsearch, draft-ietf-bmwg-mlrsearch / RFC 9971)
// instead of fixed rates. One zod schema gives validation, defaults and types; `expandSearch`
// turns a parsed `search` (a preset or explicit goals) into the goals the engine runs. Pure.
//
// Vocabulary (the draft's): a goal has a loss ratio, an exceed ratio, a final trial duration, a
// duration sum, and optionally an initial trial duration and a width. Widths here are relative:
// a goal is done when (upper − lower) / upper ≤ width.
import { z } from 'zod';

export const SEARCH_PRESETS = ['rfc2544', 'tst009', 'quick'] as const;
export type SearchPreset = (typeof SEARCH_PRESETS)[number];

/** CSIT's NDR and PDR goals (FD.io CSIT, MLRsearch): the defaults when neither preset nor goals is given. */
export const DEFAULT_GOALS = [
  { name: 'ndr', lossRatio: 0, exceedRatio: 0.5, finalTrialDurationS: 1, durationSumS: 21, width: 0.005 },
  { name: 'pdr', lossRatio: 0.005, exceedRatio: 0.5, finalTrialDurationS: 1, durationSumS: 21, width: 0.005 },
] as const;

const ratio = (what: string) =>
  z.number().min(0, `expected ${what} of at least 0`).lt(1, `expected ${what} below 1 (a fraction: 0.005 = 0.5 %)`);
const seconds = (what: string, max: number) =>
  z.number().positive(`expected ${what} above 0 s`).max(max, `expected ${what} of at most ${max} s`);
const pps = (what: string) =>
  z.number().min(1, `expected ${what} of at least 1 packet/s`).max(1e9, `expected ${what} of at most 1e9 packets/s`);

export const searchGoalSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'expected 1-32 letters, digits, dots, dashes or underscores')
    .describe('Name of the goal in results (e.g. ndr, pdr).'),
  lossRatio: ratio('a loss ratio').describe(
    "Goal Loss Ratio: a trial losing a larger fraction of the intended packets is high-loss (0 = NDR, 0.005 = CSIT's PDR).",
  ),
  exceedRatio: ratio('an exceed ratio')
    .default(0.5)
    .describe(
      'Goal Exceed Ratio: the share of trial seconds that may be high-loss at a lower bound (0.5 recommended; 0 = every trial must pass).',
    ),
  finalTrialDurationS: seconds('a final trial duration', 3600)
    .default(1)
    .describe('Goal Final Trial Duration: only trials at least this long can make a load a lower bound.'),
  durationSumS: seconds('a duration sum', 86_400)
    .default(21)
    .describe('Goal Duration Sum: full-length trial seconds after which a load is surely classified.'),
  initialTrialDurationS: seconds('an initial trial duration', 3600)
    .optional()
    .describe(
      'Goal Initial Trial Duration: trial length while the search still looks for the bracket (default: the final trial duration).',
    ),
  width: z
    .number()
    .positive('expected a relative width above 0')
    .lt(1, 'expected a relative width below 1 (0.005 = 0.5 %)')
    .default(0.005)
    .describe('Goal Width, relative: the search stops when (upper − lower) / upper is at most this.'),
});

/** CSIT's probe: one low fixed-rate stream (default 10 kpps per pair, beside CSIT's 9 kpps). */
export const DEFAULT_PROBE_RATE_PPS = 10_000;
export const DEFAULT_LATENCY_FRACTIONS = [0.1, 0.5, 0.9] as const;

export const searchLatencySchema = z.strictObject({
  fractions: z
    .array(
      z
        .number()
        .gt(0, 'expected a fraction above 0 (the probe alone, 0 %, always runs)')
        .max(1, 'expected a fraction of at most 1 (1 = the goal’s conditional throughput)'),
    )
    .min(1, 'expected at least one fraction')
    .max(10, 'expected at most 10 fractions')
    .default([...DEFAULT_LATENCY_FRACTIONS])
    .describe(
      "Loads of the latency runs, as fractions in (0, 1] of each goal's conditional throughput (CSIT: 0.1, 0.5, 0.9); the probe alone (0 %) runs first.",
    ),
  probeRatePps: pps('a probe rate')
    .default(DEFAULT_PROBE_RATE_PPS)
    .describe(
      'Packets/s per sender of the timed probe (single frames, evenly spaced): alone in the 0 % run, beside the load at each fraction; low, fixed, at most maxRatePps.',
    ),
});

export const searchSchema = z
  .strictObject({
    preset: z
      .enum(SEARCH_PRESETS)
      .optional()
      .describe(
        'rfc2544: one 60 s zero-loss trial per load, binary search. tst009: the same with loss verification (a lossy trial is repeated up to `verifications` times). quick: NDR and PDR with 1 s trials, 3 s per load, for a first look.',
      ),
    goals: z
      .array(searchGoalSchema)
      .min(1, 'expected at least one goal')
      .max(8, 'expected at most 8 goals')
      .optional()
      .describe("Search goals, all served by one search (default: CSIT's NDR and PDR)."),
    verifications: z
      .number()
      .int('expected a whole number of verification trials')
      .min(1, 'expected at least 1 verification trial')
      .max(10, 'expected at most 10 verification trials')
      .optional()
      .describe('tst009 only: how many times a lossy trial is repeated before its load counts as failed (default 1).'),
    minRatePps: pps('a minimum rate')
      .default(1000)
      .describe('Min Load: the search never offers less (packets/s per sender).'),
    maxRatePps: pps('a maximum rate').describe(
      'Max Load: the search starts here and never offers more (packets/s per sender).',
    ),
    maxTrials: z
      .number()
      .int('expected a whole number of trials')
      .min(1, 'expected at least 1 trial')
      .max(10_000, 'expected at most 10000 trials')
      .default(300)
      .describe('Safety stop: the search ends (with irregular results) after this many trials.'),
    generatorTolerance: z
      .number()
      .min(0, 'expected a generator tolerance of at least 0')
      .max(0.1, 'expected a generator tolerance of at most 0.1')
      .default(0.001)
      .describe(
        'A generator sending up to this fraction below the intended rate is taken as rate-measurement noise; beyond it, the whole shortfall counts as loss and the trial is marked generator-limited.',
      ),
    latency: searchLatencySchema
      .optional()
      .describe(
        "After the search, one-way latency under load (one host): a run of the probe alone, then runs at each fraction of each goal's conditional throughput, every received frame's latency in an HDR histogram (CSIT's latency at 0/10/50/90 % of PDR).",
      ),
  })
  .superRefine((s, ctx) => {
    if (s.minRatePps >= s.maxRatePps) {
      ctx.addIssue({
        code: 'custom',
        path: ['minRatePps'],
        message: `expected less than maxRatePps (${s.maxRatePps}), got ${s.minRatePps}`,
      });
    }
    if (s.latency && s.latency.probeRatePps > s.maxRatePps) {
      ctx.addIssue({
        code: 'custom',
        path: ['latency', 'probeRatePps'],
        message: `expected at most maxRatePps (${s.maxRatePps}), the highest load, got ${s.latency.probeRatePps}: the probe runs below the load`,
      });
    }
    s.latency?.fractions.forEach((f, i) => {
      if (s.latency!.fractions.indexOf(f) < i)
        ctx.addIssue({
          code: 'custom',
          path: ['latency', 'fractions', i],
          message: `expected each fraction once, got ${f} again`,
        });
    });
    if (s.preset !== undefined && s.goals !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['goals'],
        message: `expected either preset or goals, got both (preset ${s.preset})`,
      });
    }
    if (s.verifications !== undefined && s.preset !== 'tst009') {
      ctx.addIssue({
        code: 'custom',
        path: ['verifications'],
        message: `expected only with preset tst009, got preset ${s.preset ?? '(none)'}`,
      });
    }
    const seen = new Set<string>();
    s.goals?.forEach((g, i) => {
      if (seen.has(g.name))
        ctx.addIssue({
          code: 'custom',
          path: ['goals', i, 'name'],
          message: `expected a name not used by an earlier goal, got "${g.name}" again`,
        });
      seen.add(g.name);
      if (g.initialTrialDurationS !== undefined && g.initialTrialDurationS > g.finalTrialDurationS) {
        ctx.addIssue({
          code: 'custom',
          path: ['goals', i, 'initialTrialDurationS'],
          message: `expected at most finalTrialDurationS (${g.finalTrialDurationS} s), got ${g.initialTrialDurationS}`,
        });
      }
    });
  });

export type SearchConfig = z.output<typeof searchSchema>;
export type SearchGoalConfig = z.output<typeof searchGoalSchema>;

/** A goal with every optional attribute resolved. */
export interface SearchGoal {
  name: string;
  lossRatio: number;
  exceedRatio: number;
  finalTrialDurationS: number;
  durationSumS: number;
  initialTrialDurationS: number;
  width: number;
}

/** What the engine runs: the goals a preset or the plan named, and the common limits. */
export interface ExpandedSearch {
  preset: SearchPreset | null;
  goals: SearchGoal[];
  minRatePps: number;
  maxRatePps: number;
  maxTrials: number;
  generatorTolerance: number;
  /**
   * Locate each goal's bracket first with single trials per load (a coarse target: duration sum =
   * one initial trial, twice the width), then confirm it with the goal itself. On for goals that
   * need several trials per load; off for rfc2544 and tst009, whose every load is judged by the
   * goal itself (one trial, or one trial plus verifications).
   */
  coarsePhase: boolean;
  /** Latency runs after the search (`latency`); absent without. */
  latency?: { fractions: number[]; probeRatePps: number };
}

/**
 * Presets:
 * - rfc2544 (RFC 2544 §26.1, RFC 8204): goal `ndr`, loss 0, exceed 0, one 60 s trial per load
 *   (final = initial = duration sum = 60 s), binary search to 0.5 %.
 * - tst009 (ETSI GS NFV-TST 009, binary search with loss verification): goal `ndr`, loss 0, 60 s
 *   trials; a lossy trial is repeated up to `verifications` (N) times and the load fails only if
 *   every one of its N + 1 trials lost packets: duration sum (N + 1) × 60 s, exceed ratio N / (N + 1)
 *   (N = 1 is the draft's TST009-compliant goal: 120 s, 0.5).
 * - quick: `ndr` and `pdr` (loss 0 and 0.005), 1 s trials, 3 s duration sum, exceed 0.5, width 1 %.
 * - none: the plan's goals (their omitted attributes take CSIT's defaults), or CSIT's NDR and PDR.
 */
export function expandSearch(config: SearchConfig): ExpandedSearch {
  const limits = {
    minRatePps: config.minRatePps,
    maxRatePps: config.maxRatePps,
    maxTrials: config.maxTrials,
    generatorTolerance: config.generatorTolerance,
    ...(config.latency
      ? { latency: { fractions: [...config.latency.fractions], probeRatePps: config.latency.probeRatePps } }
      : {}),
  };
  switch (config.preset) {
    case 'rfc2544':
      return {
        preset: 'rfc2544',
        ...limits,
        coarsePhase: false,
        goals: [
          {
            name: 'ndr',
            lossRatio: 0,
            exceedRatio: 0,
            finalTrialDurationS: 60,
            durationSumS: 60,
            initialTrialDurationS: 60,
            width: 0.005,
          },
        ],
      };
    case 'tst009': {
      const n = config.verifications ?? 1;
      return {
        preset: 'tst009',
        ...limits,
        coarsePhase: false,
        goals: [
          {
            name: 'ndr',
            lossRatio: 0,
            exceedRatio: n / (n + 1),
            finalTrialDurationS: 60,
            durationSumS: 60 * (n + 1),
            initialTrialDurationS: 60,
            width: 0.005,
          },
        ],
      };
    }
    case 'quick':
      return {
        preset: 'quick',
        ...limits,
        coarsePhase: true,
        goals: [
          {
            name: 'ndr',
            lossRatio: 0,
            exceedRatio: 0.5,
            finalTrialDurationS: 1,
            durationSumS: 3,
            initialTrialDurationS: 1,
            width: 0.01,
          },
          {
            name: 'pdr',
            lossRatio: 0.005,
            exceedRatio: 0.5,
            finalTrialDurationS: 1,
            durationSumS: 3,
            initialTrialDurationS: 1,
            width: 0.01,
          },
        ],
      };
    case undefined: {
      const goals: readonly SearchGoalConfig[] = config.goals ?? DEFAULT_GOALS;
      return {
        preset: null,
        ...limits,
        coarsePhase: true,
        goals: goals.map((g) => ({
          name: g.name,
          lossRatio: g.lossRatio,
          exceedRatio: g.exceedRatio,
          finalTrialDurationS: g.finalTrialDurationS,
          durationSumS: g.durationSumS,
          initialTrialDurationS: g.initialTrialDurationS ?? g.finalTrialDurationS,
          width: g.width,
        })),
      };
    }
  }
}

/** Advice the draft gives on goal settings, as warnings that name the field to change. */
export function searchWarnings(search: ExpandedSearch): string[] {
  const warnings: string[] = [];
  const maxLoss = Math.max(...search.goals.map((g) => g.lossRatio));
  search.goals.forEach((g, i) => {
    if (g.width < maxLoss) {
      warnings.push(
        `goal ${g.name}: width ${g.width} is below the largest goal loss ratio ${maxLoss}; conditional throughputs of the goals may come out inverted (set goals[${i}].width to at least ${maxLoss})`,
      );
    }
    if (g.durationSumS < g.finalTrialDurationS) {
      warnings.push(
        `goal ${g.name}: duration sum ${g.durationSumS} s is shorter than one final trial (${g.finalTrialDurationS} s), which makes results less repeatable (set goals[${i}].durationSumS to at least ${g.finalTrialDurationS})`,
      );
    }
  });
  const finals = new Set(search.goals.map((g) => g.finalTrialDurationS));
  if (finals.size > 1) {
    warnings.push(
      `goals have different final trial durations (${[...finals].join(', ')} s); the draft recommends one value for all goals (set every goals[].finalTrialDurationS alike)`,
    );
  }
  return warnings;
}
