// Latency histograms drawn (issue #16): latency percentiles vs offered load per switch — CSIT's
// figure of a search's latency runs, the probe alone at 0 % and each fraction of a goal's
// conditional throughput — and each case's percentile spectrum (p50 … p99.999 on HdrHistogram's
// 1/(1 − q) axis). Histograms are merged exactly over repetitions (bucket addition) before any
// percentile is taken; a percentile with fewer samples than it needs is left out, never drawn.
import type { RunAnalysis } from '../analysis/index.js';
import { histogramFigures, mergeHistograms, PERCENTILES, type Histogram } from '../analysis/histogram.js';
import { tupleKeyOf } from '../analysis/repetitions.js';
import type { SummaryCase } from '../store/summary.js';
import { formatRate, layoutName, shapeLabel } from '../plan/expand.js';
import { lineChart, type Datum, type Figure } from './figures.js';

type Built = Figure | { skip: string; figure?: string };

/** The percentiles drawn against load (deeper ones need more samples than a short run gives). */
const LOAD_PERCENTILES = ['p50', 'p90', 'p99', 'p99.9'];

/** One tuple's histograms, per run and kind, merged over its repetitions. */
interface TupleHistograms {
  c: SummaryCase;
  repetitions: number;
  /** key `${run}\0${kind}` */
  merged: Map<string, { run: string; kind: string; histogram: Histogram }>;
}

function tupleHistograms(a: RunAnalysis): TupleHistograms[] {
  const out = new Map<string, TupleHistograms>();
  for (const c of a.data.summary.cases) {
    const stored = a.data.histograms?.get(c.id);
    if (!stored || stored.length === 0) continue;
    const key = tupleKeyOf(c.id);
    const t = out.get(key) ?? { c, repetitions: 0, merged: new Map() };
    t.repetitions++;
    for (const h of stored) {
      const k = `${h.run}\0${h.kind}`;
      const m = t.merged.get(k);
      t.merged.set(k, {
        run: h.run,
        kind: h.kind,
        histogram: m ? mergeHistograms([m.histogram, h.histogram]) : mergeHistograms([h.histogram]),
      });
    }
    out.set(key, t);
  }
  return [...out.values()];
}

function seriesOf(c: SummaryCase): string {
  return `${c.switch} · ${c.backend} · ${c.packetSize} B · ${c.pairs}vs${c.pairs}`;
}

/** CSIT's figure: per goal, each switch's latency percentiles at 0 % (probe) and each fraction of the goal's throughput. */
export function latencyVsLoad(a: RunAnalysis): Built[] {
  const tuples = tupleHistograms(a).filter((t) => [...t.merged.values()].some((m) => m.run !== ''));
  if (tuples.length === 0)
    return [
      {
        figure: 'latency-load',
        skip: 'no latency runs (plan `search.latency`: latency at fractions of the found rate)',
      },
    ];
  const goals = [
    ...new Set(
      tuples.flatMap((t) => [...t.merged.values()].flatMap((m) => (m.run.includes('@') ? [m.run.split('@')[0]!] : []))),
    ),
  ];
  return goals.map((goal): Built => {
    const data: Datum[] = [];
    for (const t of tuples) {
      for (const m of t.merged.values()) {
        const fraction = m.run === 'probe' ? 0 : m.run.startsWith(`${goal}@`) ? Number(m.run.split('@')[1]) : null;
        if (fraction === null) continue;
        const f = histogramFigures(m.histogram);
        for (const p of LOAD_PERCENTILES) {
          const ns = f.percentiles[p]!.ns;
          if (ns === null) continue; // too few samples: not a measurement
          data.push({
            series: seriesOf(t.c),
            switch: t.c.switch,
            loadPercent: fraction * 100,
            run: m.run,
            percentile: p,
            latencyUs: ns / 1000,
            samples: f.samples,
            repetitions: t.repetitions,
          });
        }
      }
    }
    const loads = [...new Set(data.map((d) => d.loadPercent as number))].sort((x, y) => x - y);
    const spec = lineChart(data, {
      x: {
        field: 'loadPercent',
        type: 'quantitative',
        title: `offered load, % of ${goal}'s conditional throughput (0 = the probe alone)`,
        axis: { values: loads },
      },
      y: {
        field: 'latencyUs',
        type: 'quantitative',
        title: 'one-way latency (µs, log scale)',
        scale: { type: 'log' },
      },
      color: { field: 'series', type: 'nominal', title: 'switch · backend · size · pairs' },
      strokeDash: { field: 'percentile', type: 'nominal', sort: LOAD_PERCENTILES, title: 'percentile' },
      tooltip: [
        { field: 'series' },
        { field: 'run' },
        { field: 'percentile' },
        { field: 'latencyUs', title: 'µs', format: '.2f' },
        { field: 'samples' },
        { field: 'repetitions' },
      ],
    });
    return {
      id: `latency-load-${goal}`,
      title: `Latency vs offered load (${goal}), per switch`,
      caption: `One-way latency percentiles of the probe (single frames at the probe rate), at 0 % (the probe alone) and at each fraction of ${goal}'s conditional throughput found by the search (CSIT's latency at 0/10/50/90 % of PDR). Histograms merged over pairs and repetitions before the percentile; a percentile with fewer samples than 1/(1 − q) is not drawn.`,
      data,
      spec,
    };
  });
}

/**
 * Per path (switch · backend · locality, and S's layout where not pairs): the percentile spectrum
 * of every histogram of its tuples — one line per tuple and run · kind, labelled by what differs
 * (P, R, B, S) — so a sweep of sizes or bursts reads as one figure, not one figure per case.
 */
export function latencySpectra(a: RunAnalysis): Built[] {
  const tuples = tupleHistograms(a);
  if (tuples.length === 0)
    return [
      {
        figure: 'latency-spectrum',
        skip: 'no latency histograms (dimension latency, plan `oneWayLatency`, or `search.latency`)',
      },
    ];
  const paths = new Map<string, TupleHistograms[]>();
  for (const t of tuples) {
    const path = [t.c.switch, t.c.backend, t.c.locality, ...(t.c.layout ? [layoutName(t.c)] : [])].join(' · ');
    paths.set(path, [...(paths.get(path) ?? []), t]);
  }
  return [...paths].map(([path, mine], k): Built => {
    const parts: [string, (c: SummaryCase) => string][] = [
      ['P', (c) => c.sizeMix?.label ?? `${c.packetSize} B`],
      ['R', (c) => (typeof c.rate === 'number' ? `${formatRate(c.rate)} pps` : c.rate)],
      ['B', (c) => `B=${c.burst}`],
      ['S', (c) => shapeLabel(c)],
    ];
    const varying = parts.filter(([, f]) => new Set(mine.map((t) => f(t.c))).size > 1);
    const data: Datum[] = [];
    for (const t of mine) {
      for (const m of t.merged.values()) {
        const f = histogramFigures(m.histogram);
        const histogram = [...varying.map(([, v]) => v(t.c)), m.run === '' ? 'traffic' : m.run, m.kind].join(' · ');
        for (const [p, q] of PERCENTILES) {
          const ns = f.percentiles[p]!.ns;
          if (ns === null) continue;
          data.push({
            histogram,
            case: tupleKeyOf(t.c.id),
            percentile: p,
            oneInN: Math.round(1 / (1 - q)),
            latencyUs: ns / 1000,
            samples: f.samples,
            repetitions: t.repetitions,
          });
        }
      }
    }
    const spec = lineChart(data, {
      x: {
        field: 'oneInN',
        type: 'quantitative',
        title: 'percentile, as 1/(1 − q): p50 = 2, p99 = 100, … p99.999 = 10^5 (log scale)',
        scale: { type: 'log' },
        axis: { values: PERCENTILES.map(([, q]) => Math.round(1 / (1 - q))), format: '~s' },
      },
      y: { field: 'latencyUs', type: 'quantitative', title: 'latency (µs, log scale)', scale: { type: 'log' } },
      color: {
        field: 'histogram',
        type: 'nominal',
        title: [...varying.map(([name]) => name), 'run', 'kind'].join(' · '),
      },
      tooltip: [
        { field: 'case' },
        { field: 'histogram' },
        { field: 'percentile' },
        { field: 'latencyUs', title: 'µs', format: '.2f' },
        { field: 'samples' },
        { field: 'repetitions' },
      ],
    });
    const reps = [...new Set(mine.map((t) => t.repetitions))].join('/');
    return {
      id: `latency-spectrum${k + 1}`,
      title: `Latency percentile spectrum — ${path}`,
      caption: `Each histogram of the path's cases (round trip for a latency case, one way for receivers with --latency, one per latency run of a search), merged over pairs and ${reps} repetition(s), from p50 to the deepest percentile its samples support (p99.999 needs 10^5).`,
      data,
      spec,
    };
  });
}
