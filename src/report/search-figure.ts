// The search-trace figure (issue #8): one per search case, every trial of its throughput search in
// order — the rate asked per sender, coloured by which goals' loss ratio the trial exceeded, with
// each goal's relevant lower and upper bound as horizontal rules, and below it each trial's loss
// ratio. Built from the database alone (search_trials, search_goals, cases.search_json). Pure.
import type { TopLevelSpec } from 'vega-lite';
import type { RunAnalysis } from '../analysis/index.js';
import type { CaseSearch, SearchTrialRow } from '../store/run-data.js';
import { failedTrials } from '../search/search.js';
import { shapeLabel } from '../plan/expand.js';
import type { SummaryCase } from '../store/summary.js';
import { CONFIG, SCHEMA, WIDTH } from './figure-style.js';

/** One row of a figure's data, as figures.ts defines it. */
type Datum = Record<string, string | number | null>;

export interface SearchFigure {
  id: string;
  title: string;
  caption: string;
  /** One row per trial, as drawn. */
  data: Datum[];
  spec: TopLevelSpec;
}

/** What the rate panel and the loss panel draw besides the trials (tests read these back). */
export interface SearchTraceData {
  trials: Datum[];
  /** One row per goal and bound that exists: { goal, bound: 'lower' | 'upper', pps, kpps }. */
  bounds: Datum[];
  /** One row per goal: { goal, lossRatio }, drawn as a dashed rule in the loss panel. */
  lossRules: Datum[];
  /** The trial categories, in legend order (none exceeded … every goal exceeded). */
  outcomes: string[];
}

type Built = SearchFigure | { skip: string; figure?: string };

/** Loss ratios below this are drawn nearly linearly, above it logarithmically (symlog constant). */
const LOSS_SYMLOG_CONSTANT = 1e-6;
const LOSS_TICKS = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1];
const GREEN = '#2ca02c';
const RED = '#d62728';
const MIDDLE = ['#ff7f0e', '#bcbd22', '#8c564b', '#e377c2', '#9467bd', '#17becf', '#7f7f7f'];
const GOAL_STROKES = ['#1f77b4', '#9467bd', '#8c564b', '#17becf', '#e377c2', '#7f7f7f', '#bcbd22', '#ff7f0e'];

/** Figure stem of the k-th (0-based) search case of a run. */
export function searchFigureId(k: number): string {
  return `search${k + 1}`;
}

export function searchFigures(a: RunAnalysis): Built[] {
  const searchCases = a.data.summary.cases.filter((c) => c.rate === 'search');
  if (searchCases.length === 0)
    return [{ figure: 'search', skip: 'no search case (plan `search`: a throughput search for NDR/PDR)' }];
  return searchCases.map((c, k): Built => {
    const id = searchFigureId(k);
    const search = a.data.searches.get(c.id);
    if (!search || search.trials.length === 0) {
      const why = c.status === 'ok' ? 'stored no trials' : `${c.status}${c.error ? `: ${c.error}` : ''}`;
      return { figure: id, skip: `search case ${c.id} ${c.status === 'ok' ? why : `has no trials (${why})`}` };
    }
    return searchFigure(id, c, search);
  });
}

/** The goals' loss ratios as stored with the case (goal rows first, then the config). */
function goalsOf(search: CaseSearch): { name: string; lossRatio: number }[] {
  const fromRows = search.goals
    .filter((g) => g.goalLossRatio !== null)
    .map((g) => ({ name: g.goal, lossRatio: g.goalLossRatio! }));
  if (fromRows.length > 0) return fromRows;
  return (search.config?.goals ?? []).map((g) => ({ name: g.name, lossRatio: g.lossRatio }));
}

export function searchTraceData(search: CaseSearch): SearchTraceData {
  const goals = goalsOf(search);
  const thresholds = [...new Set(goals.map((g) => g.lossRatio))].sort((x, y) => x - y);
  // Category j: the trial's loss exceeded the j smallest distinct goal loss ratios (and no more).
  const names = (j: number) => goals.filter((g) => g.lossRatio < thresholds[j]!).map((g) => g.name);
  const only = goals.length === 1 ? goals[0]!.name : null;
  const label = (j: number): string => {
    if (goals.length === 0) return 'loss ratio (no goal known)';
    if (j === 0) return only ? `low loss for ${only}` : 'low loss for every goal';
    if (j === thresholds.length) return only ? `high loss for ${only}` : 'high loss for every goal';
    return `high loss for ${names(j).join(', ')} only`;
  };
  const outcomes =
    goals.length === 0 ? [label(0)] : thresholds.map((_, j) => label(j)).concat(label(thresholds.length));
  const trials = search.trials.map((t): Datum => {
    const exceeded = thresholds.filter((x) => t.lossRatio > x).length;
    return {
      trial: t.trial + 1,
      startS: t.startS,
      durationS: t.durationS,
      measuredDurationS: t.measuredDurationS,
      ratePps: t.ratePps,
      rateKpps: t.ratePps / 1e3,
      offeredKpps: t.offeredPps / 1e3,
      receivedKpps: t.receivedPps / 1e3,
      lossRatio: t.lossRatio,
      pathLossRatio: t.pathLossRatio,
      outcome: goals.length === 0 ? outcomes[0]! : label(exceeded),
      exceededGoals: goals
        .filter((g) => t.lossRatio > g.lossRatio)
        .map((g) => g.name)
        .join(', '),
      generatorLimited: t.generatorLimited ? 'yes' : 'no',
      phase: t.phase,
      unsent: t.packets?.unsent ?? null,
      stalls: t.packets?.stalls ?? null,
      verdicts: t.verdicts
        ? Object.entries(t.verdicts)
            .map(([goal, v]) => `${goal} ${v}`)
            .join(', ')
        : null,
    };
  });
  const bounds = search.goals.flatMap((g): Datum[] => [
    ...(g.lowerBoundPps === null
      ? []
      : [{ goal: g.goal, bound: 'lower', pps: g.lowerBoundPps, kpps: g.lowerBoundPps / 1e3 }]),
    ...(g.upperBoundPps === null
      ? []
      : [{ goal: g.goal, bound: 'upper', pps: g.upperBoundPps, kpps: g.upperBoundPps / 1e3 }]),
  ]);
  const lossRules = goals.map((g): Datum => ({ goal: g.name, lossRatio: g.lossRatio }));
  return { trials, bounds, lossRules, outcomes };
}

function searchFigure(id: string, c: SummaryCase, search: CaseSearch): SearchFigure {
  const d = searchTraceData(search);
  const n = d.trials.length;
  const goalNames = [...new Set([...search.goals.map((g) => g.goal), ...d.lossRules.map((r) => r.goal as string)])];
  const middle = Math.max(0, d.outcomes.length - 2);
  const colours =
    d.outcomes.length === 1
      ? ['#555']
      : [GREEN, ...Array.from({ length: middle }, (_, i) => MIDDLE[i % MIDDLE.length]!), RED];
  const x = {
    field: 'trial',
    type: 'quantitative' as const,
    title: 'trial (in the order run)',
    scale: { domain: [0, n + 1], nice: false, zero: false },
    axis: { format: 'd', tickMinStep: 1 },
  };
  const color = {
    field: 'outcome',
    type: 'nominal' as const,
    title: 'trial loss ratio vs goals',
    sort: d.outcomes,
    scale: { domain: d.outcomes, range: colours },
  };
  const shape = {
    field: 'generatorLimited',
    type: 'nominal' as const,
    title: 'sender short of the rate',
    scale: { domain: ['no', 'yes'], range: ['circle', 'cross'] },
  };
  const stroke = {
    field: 'goal',
    type: 'nominal' as const,
    title: 'goal bound',
    scale: { domain: goalNames, range: GOAL_STROKES.slice(0, Math.max(1, goalNames.length)) },
  };
  const tooltip = [
    { field: 'trial' },
    { field: 'startS', title: 'start (trial s)', format: '.1f' },
    { field: 'durationS', title: 'duration s' },
    { field: 'phase' },
    { field: 'rateKpps', title: 'asked kpps/sender', format: '.3f' },
    { field: 'offeredKpps', title: 'sent kpps/sender', format: '.3f' },
    { field: 'receivedKpps', title: 'received kpps/sender', format: '.3f' },
    { field: 'lossRatio', title: 'loss ratio', format: '.3~e' },
    { field: 'pathLossRatio', title: 'path loss ratio', format: '.3~e' },
    { field: 'exceededGoals', title: 'above loss ratio of' },
    { field: 'generatorLimited', title: 'generator-limited' },
    { field: 'unsent', title: 'frames refused by the send calls' },
    { field: 'stalls', title: 'pacer stalls' },
    { field: 'verdicts', title: 'per goal' },
  ];
  const pointMark = { type: 'point' as const, filled: true, size: 70, opacity: 0.9 };
  const lossY = {
    field: 'lossRatio',
    type: 'quantitative' as const,
    title: 'trial loss ratio (%)',
    scale: { type: 'symlog' as const, constant: LOSS_SYMLOG_CONSTANT, domain: [0, 1], nice: false },
    axis: { values: LOSS_TICKS, labelExpr: "datum.value === 0 ? '0' : format(datum.value * 100, '~g') + ' %'" },
  };
  const ratePanel = (opts: { height: number; title: string; domain: [number, number] | null; xTitle: boolean }) => {
    const rateY = {
      field: 'rateKpps',
      type: 'quantitative' as const,
      title: opts.title,
      // The whole range on a log scale: the search halves and doubles, then bisects in log space.
      scale: opts.domain ? { domain: opts.domain, nice: false, zero: false } : { type: 'log' as const },
    };
    const inside = opts.domain
      ? d.trials.filter((t) => (t.rateKpps as number) >= opts.domain![0] && (t.rateKpps as number) <= opts.domain![1])
      : d.trials;
    const xAxis = opts.xTitle ? x : { ...x, title: null };
    return {
      width: WIDTH,
      height: opts.height,
      layer: [
        ...(opts.domain
          ? []
          : [
              {
                data: { values: d.trials },
                mark: { type: 'line' as const, color: '#bbb', strokeWidth: 1 },
                encoding: { x: xAxis, y: rateY, order: { field: 'trial', type: 'quantitative' as const } },
              },
            ]),
        // One rule layer per goal, the first widest: goals' bounds often coincide, and a later
        // goal's rule then shows inside the earlier one's.
        ...goalNames
          .filter((goal) => d.bounds.some((b) => b.goal === goal))
          .map((goal, i) => ({
            data: { values: d.bounds.filter((b) => b.goal === goal) },
            mark: { type: 'rule' as const, strokeWidth: Math.max(1, 4 - 1.25 * i) },
            encoding: {
              y: { field: 'kpps', type: 'quantitative' as const, title: opts.title, scale: rateY.scale },
              stroke,
              strokeDash: {
                field: 'bound',
                type: 'nominal' as const,
                title: 'bound',
                scale: {
                  domain: ['lower', 'upper'],
                  range: [
                    [1, 0],
                    [6, 3],
                  ],
                },
              },
              tooltip: [
                { field: 'goal' },
                { field: 'bound' },
                { field: 'pps', title: 'packets/s per sender', format: ',.0f' },
              ],
            },
          })),
        {
          data: { values: inside },
          mark: pointMark,
          encoding: { x: xAxis, y: rateY, color, shape, tooltip },
        },
      ],
    };
  };
  // The bounds of all goals usually lie within a few per cent of each other, invisible on the
  // whole range: a second panel zooms on them (trials outside it are left out there).
  const boundKpps = d.bounds.map((b) => b.kpps as number);
  const zoom: [number, number] | null =
    boundKpps.length > 0 ? [Math.min(...boundKpps) * 0.97, Math.max(...boundKpps) * 1.03] : null;
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: { ...CONFIG, legend: { ...CONFIG.legend, titleLimit: 400 } },
    resolve: { scale: { x: 'shared', color: 'shared', shape: 'shared', stroke: 'shared' } },
    vconcat: [
      ratePanel({ height: 180, title: 'rate asked per sender (kpps, log)', domain: null, xTitle: false }),
      ...(zoom ? [ratePanel({ height: 200, title: 'near the bounds (kpps)', domain: zoom, xTitle: false })] : []),
      {
        width: WIDTH,
        height: 160,
        layer: [
          {
            data: { values: d.lossRules },
            mark: { type: 'rule' as const, strokeDash: [6, 3], strokeWidth: 1 },
            encoding: {
              y: {
                field: 'lossRatio',
                type: 'quantitative' as const,
                scale: lossY.scale,
                axis: lossY.axis,
                title: lossY.title,
              },
              stroke,
              tooltip: [{ field: 'goal' }, { field: 'lossRatio', title: 'goal loss ratio' }],
            },
          },
          {
            data: { values: d.trials },
            mark: pointMark,
            encoding: { x, y: lossY, color, shape, tooltip },
          },
        ],
      },
    ],
  };
  const k = Number(id.replace(/^search/, ''));
  const totalS = search.trials.reduce((s, t) => s + t.durationS, 0);
  const goalText = search.goals
    .map(
      (g) =>
        `${g.goal} ${g.lowerBoundPps === null ? '—' : fmtKpps(g.lowerBoundPps)}…${g.upperBoundPps === null ? '—' : fmtKpps(g.upperBoundPps)}`,
    )
    .join(', ');
  return {
    id,
    title: `Search trace ${k} — ${c.switch} · ${c.backend} · ${c.packetSize} B · ${shapeLabel(c)} · B=${c.burst} · rep ${c.repetition}`,
    caption: `Every trial of the throughput search of ${c.id} in order (${n} trials, ${+totalS.toFixed(1)} s of traffic). Top: the rate asked per sender, coloured by which goals' loss ratio the trial's loss exceeded (a sender's shortfall counts as loss; crosses: the sender fell short of the rate); horizontal lines: each goal's relevant lower (solid) and upper (dashed) bound${goalText ? ` (${goalText} kpps)` : ''}; the middle panel zooms on the bounds (±3 %). Bottom: each trial's loss ratio on a symmetric-log scale (0 at the bottom), dashed at each goal's loss ratio.${refusalsNote(search.trials)}`,
    data: d.trials,
    spec,
  };
}

/** Readers of the verdicts' names: what each failure blames. */
const VERDICT_WORDS: Record<string, string> = {
  'path-loss': 'lost on the path',
  'path-refused': "refused by the switch's ring",
  'sender-behind': 'sender behind its schedule',
  'sender-refused': "refused by the sender's own port",
  'generator-shortfall': 'generator shortfall, cause not counted',
};

/**
 * The search table's failed-trials cell for `goal`: "path / generator", then the verdicts that
 * make them up ("0 / 3: 3 sender behind its schedule"); "—" before schema 5.
 */
export function failedTrialsCell(trials: readonly SearchTrialRow[], goal: string): string {
  if (trials.length === 0 || trials.some((t) => t.verdicts === null)) return '—';
  const f = failedTrials(
    trials.map((t) => t.verdicts!),
    goal,
  );
  const causes = Object.entries(f.byVerdict)
    .filter(([, n]) => n > 0)
    .map(([v, n]) => `${n} ${VERDICT_WORDS[v] ?? v}`);
  return `${f.pathLoss} / ${f.generatorShortfall}${causes.length > 0 ? `: ${causes.join(', ')}` : ''}`;
}

/** What the trace's caption says about refused frames and stalls: totals, and whose the refusals are (switches/types.ts). */
function refusalsNote(trials: readonly SearchTrialRow[]): string {
  const counted = trials.map((t) => t.packets).filter((p) => p !== null && p.unsent !== null);
  if (counted.length === 0 || counted.length < trials.length) return '';
  const unsent = counted.reduce((n, p) => n + p!.unsent!, 0);
  const stalls = counted.reduce((n, p) => n + (p!.stalls ?? 0), 0);
  const owner =
    counted[0]!.unsentCountsAs === 'path-loss'
      ? "they count as the path's loss: the senders' ports are rings the switch empties"
      : "they count as the generator's shortfall: the senders' ports are their own socket buffers and queues, emptied by their own send calls";
  return ` Over the search the send calls refused ${unsent.toLocaleString('en-US')} frames (${owner}), and the pacers fell behind their schedule ${stalls} times.`;
}

function fmtKpps(pps: number): string {
  return (pps / 1e3).toFixed(pps >= 1e5 ? 1 : 2);
}
