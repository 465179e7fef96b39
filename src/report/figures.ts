// The paper's figures (§4.2-4.6) as Vega-Lite specs, built from an analysed run alone. A figure
// whose data the run lacks is not drawn: it is listed as skipped with the reason and the plan
// field that would supply it. Pure: analysis in, specs out (rendering is render.ts).
import type { TopLevelSpec } from 'vega-lite';
import { BACKENDS } from '../apps/backends.js';
import { CPU_CLASSES, groupCpuClasses, groupCpus, type RunAnalysis } from '../analysis/index.js';
import { tupleKeyOf, type RepetitionGroup } from '../analysis/repetitions.js';
import { meanWithCi } from '../analysis/stats.js';
import { layoutName, shapeLabel } from '../plan/expand.js';
import type { SummaryCase } from '../store/summary.js';
import { searchFigures } from './search-figure.js';
import { latencySpectra, latencyVsLoad } from './latency-figures.js';
import { CONFIG, HEIGHT, SCHEMA, spanScale, WIDTH } from './figure-style.js';

/** One row of a figure's data, exactly as drawn (unit tests compare these with the database). */
export type Datum = Record<string, string | number | null>;

export interface Figure {
  /** File stem under figures/ and anchor in the report: fig4a, table2, … */
  id: string;
  title: string;
  /** What is plotted and how it was reduced, in one or two sentences. */
  caption: string;
  data: Datum[];
  spec: TopLevelSpec;
}

export interface SkippedFigure {
  figure: string;
  reason: string;
}

export interface FigureSet {
  figures: Figure[];
  skipped: SkippedFigure[];
}

/** The socket techniques of the paper's Table 2, in its order, with its wording. */
const SOCKET_TECHNIQUES: { backend: string; label: string }[] = BACKENDS.flatMap((b) =>
  'paperLabel' in b ? [{ backend: b.name, label: b.paperLabel }] : [],
);

/** A line chart with points over `data`, in the report's look: the shell the "maximum vs …" and latency figures share. */
export function lineChart(
  data: Datum[],
  encoding: NonNullable<Extract<TopLevelSpec, { mark: unknown }>['encoding']>,
): TopLevelSpec {
  return {
    $schema: SCHEMA,
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    data: { values: data },
    mark: { type: 'line', point: true },
    encoding,
  } as TopLevelSpec;
}

/** A figure, or why it is left out (`figure` names it when one builder makes several). */
type Built = Figure | { skip: string; figure?: string };

export function buildFigures(analysis: RunAnalysis): FigureSet {
  const builders: [string, (a: RunAnalysis) => Built | Built[]][] = [
    ['fig4a', fig4a],
    ['fig4b', (a) => maxVsSize(a, 'fig4b', 'local', 'Mpps')],
    ['fig4c', (a) => maxVsSize(a, 'fig4c', 'local', 'Gbps')],
    ['fig4d', (a) => maxVsSize(a, 'fig4d', 'remote', 'Gbps')],
    ['fig4e', (a) => maxVsPairs(a, 'fig4e', 'local', 64)],
    ['fig4f', (a) => maxVsPairs(a, 'fig4f', 'local', 1500)],
    ['fig4g', (a) => maxVsPairs(a, 'fig4g', 'remote', 64)],
    ['fig4h', (a) => maxVsPairs(a, 'fig4h', 'remote', 1500)],
    ['table2', table2],
    ['fig5', (a) => latencyFigures(a, 'local')],
    ['fig5', (a) => latencyFigures(a, 'remote')],
    ['fig6', fig6],
    ['search', searchFigures],
    ['latency-load', latencyVsLoad],
    ['latency-spectrum', latencySpectra],
    ['flows', flowFigure],
  ];
  const out: FigureSet = { figures: [], skipped: [] };
  for (const [id, build] of builders) {
    const built = build(analysis);
    for (const b of Array.isArray(built) ? built : [built]) {
      if ('skip' in b) out.skipped.push({ figure: b.figure ?? id, reason: b.skip });
      else out.figures.push(b);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fig. 4a: achieved vs requested rate.

function fig4a(a: RunAnalysis): Built {
  const all = throughputGroups(a, 'local').filter((g) => g.rxPps);
  if (all.length === 0) return { skip: 'no local throughput results' };
  const groups = all.filter((g) => typeof g.sample.rate === 'number');
  const onePair = groups.filter((g) => g.sample.pairs === 1);
  const chosen = onePair.length > 0 ? onePair : groups;
  const rates = new Set(chosen.map((g) => g.sample.rate));
  if (rates.size < 2) {
    return {
      skip: `needs at least two paced rates (plan \`rates\`, numbers rather than max) with results; this run has ${rates.size}`,
    };
  }
  const label = seriesLabeller(
    chosen.map((g) => g.sample),
    ['packetSize', 'burst', 'pairs'],
  );
  const data: Datum[] = chosen
    .map((g) => {
      const c = g.sample;
      const rate = c.rate as number;
      return {
        series: label(c),
        switch: c.switch,
        backend: c.backend,
        packetSizeBytes: c.packetSize,
        pairs: c.pairs,
        burstPackets: c.burst,
        requestedMpps: (rate * c.pairs) / 1e6,
        rxMpps: g.rxPps!.mean / 1e6,
        rxMppsCiLow: ciBound(g.rxPps!.ciLow),
        rxMppsCiHigh: ciBound(g.rxPps!.ciHigh),
        repetitions: g.rxPps!.n,
      };
    })
    .sort(
      (x, y) =>
        String(x.series).localeCompare(String(y.series)) || (x.requestedMpps as number) - (y.requestedMpps as number),
    );
  const maxRequested = Math.max(...data.map((d) => d.requestedMpps as number));
  const x = { field: 'requestedMpps', type: 'quantitative' as const, title: 'requested rate R × pairs (Mpps)' };
  const y = { field: 'rxMpps', type: 'quantitative' as const, title: 'received (Mpps)' };
  const hasCi = data.some((d) => d.rxMppsCiLow !== null);
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        // The ideal: everything asked for arrives.
        data: {
          values: [
            { requestedMpps: 0, rxMpps: 0 },
            { requestedMpps: maxRequested, rxMpps: maxRequested },
          ],
        },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x, y },
      },
      {
        data: { values: data },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y,
          color: { field: 'series', type: 'nominal', title: label.title },
          tooltip: [
            { field: 'series' },
            { field: 'requestedMpps', title: 'requested Mpps' },
            { field: 'rxMpps', title: 'rx Mpps', format: '.4f' },
            { field: 'repetitions' },
          ],
        },
      },
      ...(hasCi
        ? [
            {
              data: { values: data.filter((d) => d.rxMppsCiLow !== null) },
              mark: { type: 'errorbar' as const },
              encoding: {
                x,
                y: { field: 'rxMppsCiLow', type: 'quantitative' as const, title: 'received (Mpps)' },
                y2: { field: 'rxMppsCiHigh' },
                color: { field: 'series', type: 'nominal' as const },
              },
            },
          ]
        : []),
    ],
  };
  return {
    id: 'fig4a',
    title: 'Fig. 4a — achieved vs requested rate',
    caption: `Mean steady-state receive rate at each paced rate${onePair.length > 0 ? oneOfEach(chosen.map((g) => g.sample)) : ''}; dashed: received = requested.${hasCi ? ' Bars: 95 % CI over repetitions.' : ''}`,
    data,
    spec,
  };
}

// ---------------------------------------------------------------------------------------------
// Figs. 4b-4d: maximum throughput vs packet size.

function maxVsSize(a: RunAnalysis, id: string, locality: 'local' | 'remote', unit: 'Mpps' | 'Gbps'): Built {
  const maxima = plainMaxima(a).filter(
    (m) => m.best.sample.locality === locality && m.best.sample.dimension === 'throughput',
  );
  if (maxima.length === 0)
    return {
      skip: `no ${locality} throughput results${locality === 'remote' ? ' (a plan with `locality: remote` and a `testbed`)' : ''}`,
    };
  const onePair = maxima.filter((m) => m.pairs === 1);
  const chosen = onePair.length > 0 ? onePair : maxima;
  const sizes = [...new Set(chosen.map((m) => m.packetSize))].sort((x, y) => x - y);
  if (sizes.length < 2)
    return { skip: `needs at least two packet sizes (plan \`packetSizes\`); this run has ${sizes.join(', ')} B` };
  const label = seriesLabeller(
    chosen.map((m) => m.best.sample),
    ['pairs'],
  );
  const data: Datum[] = chosen
    .map((m) => ({
      series: label(m.best.sample),
      switch: m.switch,
      backend: m.backend,
      pairs: m.pairs,
      packetSizeBytes: m.packetSize,
      maxRxMpps: m.rxPps.mean / 1e6,
      maxRxGbps: m.rxGbps.mean,
      atRatePps: m.best.sample.rate,
      atBurstPackets: m.best.sample.burst,
    }))
    .sort(
      (x, y) =>
        String(x.series).localeCompare(String(y.series)) ||
        (x.packetSizeBytes as number) - (y.packetSizeBytes as number),
    );
  const field = unit === 'Mpps' ? 'maxRxMpps' : 'maxRxGbps';
  const spec = lineChart(data, {
    x: {
      field: 'packetSizeBytes',
      type: 'quantitative',
      title: 'packet size P (bytes, log scale)',
      scale: { type: 'log', domain: [sizes[0]!, sizes[sizes.length - 1]!], nice: false },
      axis: { values: sizes },
    },
    y: { field, type: 'quantitative', title: `maximum received (${unit})` },
    color: { field: 'series', type: 'nominal', title: label.title },
    tooltip: [
      { field: 'series' },
      { field: 'packetSizeBytes', title: 'P bytes' },
      { field, title: unit, format: '.4f' },
      { field: 'atRatePps', title: 'at R pps' },
    ],
  });
  const figure = id === 'fig4b' ? 'Fig. 4b' : id === 'fig4c' ? 'Fig. 4c' : 'Fig. 4d';
  return {
    id,
    title: `${figure} — maximum throughput (${unit}) vs packet size, ${locality}`,
    caption: `Highest mean receive rate over the swept rates and bursts, per packet size${onePair.length > 0 ? oneOfEach(chosen.map((m) => m.best.sample)) : ''}.`,
    data,
    spec,
  };
}

// ---------------------------------------------------------------------------------------------
// Figs. 4e-4h: total throughput vs number of pairs.

function maxVsPairs(a: RunAnalysis, id: string, locality: 'local' | 'remote', packetSize: number): Built {
  const maxima = plainMaxima(a).filter(
    (m) =>
      m.best.sample.locality === locality && m.best.sample.dimension === 'throughput' && m.packetSize === packetSize,
  );
  if (maxima.length === 0)
    return {
      skip: `no ${locality} throughput results at ${packetSize} B (plan \`packetSizes\`${locality === 'remote' ? '; `locality: remote` with a `testbed`' : ''})`,
    };
  const pairs = [...new Set(maxima.map((m) => m.pairs))].sort((x, y) => x - y);
  if (pairs.length < 2)
    return {
      skip: `needs at least two pair counts at ${packetSize} B (plan \`pairs\`); this run has ${pairs.join(', ')}`,
    };
  const label = seriesLabeller(
    maxima.map((m) => m.best.sample),
    [],
  );
  const data: Datum[] = maxima
    .map((m) => ({
      series: label(m.best.sample),
      switch: m.switch,
      backend: m.backend,
      pairs: m.pairs,
      packetSizeBytes: m.packetSize,
      maxRxMpps: m.rxPps.mean / 1e6,
      maxRxGbps: m.rxGbps.mean,
    }))
    .sort((x, y) => String(x.series).localeCompare(String(y.series)) || (x.pairs as number) - (y.pairs as number));
  const spec = lineChart(data, {
    x: {
      field: 'pairs',
      type: 'quantitative',
      title: 'application pairs S',
      axis: { values: pairs, format: 'd' },
      scale: { domain: [0, pairs[pairs.length - 1]!] },
    },
    y: { field: 'maxRxMpps', type: 'quantitative', title: `maximum total received (Mpps), ${packetSize} B` },
    color: { field: 'series', type: 'nominal', title: label.title },
    tooltip: [
      { field: 'series' },
      { field: 'pairs' },
      { field: 'maxRxMpps', title: 'Mpps', format: '.4f' },
      { field: 'maxRxGbps', title: 'Gbps', format: '.3f' },
    ],
  });
  const figure = { fig4e: 'Fig. 4e', fig4f: 'Fig. 4f', fig4g: 'Fig. 4g', fig4h: 'Fig. 4h' }[id] ?? id;
  return {
    id,
    title: `${figure} — total throughput vs pairs at ${packetSize} B, ${locality}`,
    caption: 'Highest mean receive rate summed over all pairs, over the swept rates and bursts, per number of pairs.',
    data,
    spec,
  };
}

// ---------------------------------------------------------------------------------------------
// Table 2: socket techniques on linux-bridge.

/** Table 2's rows (also drawn as a bar chart); null when the run has none of its backends. */
export function table2Rows(a: RunAnalysis): { rows: Datum[]; packetSize: number } | { skip: string } {
  const candidates = plainMaxima(a).filter(
    (m) =>
      m.switch === 'linux-bridge' &&
      m.pairs === 1 &&
      m.best.sample.locality === 'local' &&
      m.best.sample.dimension === 'throughput' &&
      SOCKET_TECHNIQUES.some((t) => t.backend === m.backend),
  );
  if (candidates.length === 0)
    return { skip: 'needs linux-bridge, 1vs1, local results with backends udp, udp-mmsg, raw or raw-mmsg' };
  // The paper's Table 2 is at 64 B; another size is used only when the run has no 64 B case.
  const sizes = [...new Set(candidates.map((m) => m.packetSize))].sort((x, y) => x - y);
  const packetSize = sizes.includes(64) ? 64 : sizes[0]!;
  const rows = SOCKET_TECHNIQUES.flatMap((t): Datum[] => {
    const m = candidates.find((c) => c.backend === t.backend && c.packetSize === packetSize);
    return m
      ? [
          {
            technique: t.label,
            backend: t.backend,
            packetSizeBytes: packetSize,
            maxRxKpps: m.rxPps.mean / 1e3,
            maxRxKppsCiLow: ciBound(m.rxPps.ciLow, 1e3),
            maxRxKppsCiHigh: ciBound(m.rxPps.ciHigh, 1e3),
            atRatePps: m.best.sample.rate,
            atBurstPackets: m.best.sample.burst,
            repetitions: m.rxPps.n,
          },
        ]
      : [];
  });
  return { rows, packetSize };
}

function table2(a: RunAnalysis): Built {
  const t = table2Rows(a);
  if ('skip' in t) return t;
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    width: WIDTH,
    height: 40 * t.rows.length,
    data: { values: t.rows },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'technique', type: 'nominal', title: null, sort: null },
      x: {
        field: 'maxRxKpps',
        type: 'quantitative',
        title: `maximum received (kpps), ${t.packetSize} B, linux-bridge, 1vs1`,
      },
      color: { field: 'technique', type: 'nominal', legend: null },
      tooltip: [
        { field: 'technique' },
        { field: 'maxRxKpps', title: 'kpps', format: '.1f' },
        { field: 'atRatePps', title: 'at R pps' },
        { field: 'atBurstPackets', title: 'at B' },
      ],
    },
  };
  return {
    id: 'table2',
    title: 'Table 2 — maximum throughput per socket technique (linux-bridge)',
    caption: `Highest mean receive rate over the swept rates and bursts, ${t.packetSize} B, one pair, linux-bridge.`,
    data: t.rows,
    spec,
  };
}

// ---------------------------------------------------------------------------------------------
// Figs. 5a-5f: round-trip latency vs burst size, one figure per packet size (local: 5a-5c,
// remote: 5d-5f).

function latencyFigures(a: RunAnalysis, locality: 'local' | 'remote'): Built[] {
  const ids = locality === 'local' ? ['fig5a', 'fig5b', 'fig5c'] : ['fig5d', 'fig5e', 'fig5f'];
  const range = locality === 'local' ? 'fig5a-c' : 'fig5d-f';
  const cases = a.data.summary.cases.filter((c) => c.dimension === 'latency' && c.locality === locality && c.latency);
  if (cases.length === 0) {
    return [
      {
        figure: range,
        skip: `no ${locality} latency results (plan \`dimension: latency\`${locality === 'remote' ? '; `locality: remote` with a `testbed`' : ''})`,
      },
    ];
  }
  // Mean over repetitions of each tuple's average RTT.
  const byTuple = new Map<string, { c: SummaryCase; avgUs: number[]; p99Us: number[] }>();
  for (const c of cases) {
    const key = tupleKeyOf(c.id);
    const entry = byTuple.get(key) ?? { c, avgUs: [], p99Us: [] };
    entry.avgUs.push(c.latency!.avgUs);
    entry.p99Us.push(c.latency!.p99Us);
    byTuple.set(key, entry);
  }
  const tuples = [...byTuple.values()];
  // The paper draws three packet sizes; a run with more gets the three smallest.
  const sizes = [...new Set(tuples.map((t) => t.c.packetSize))].sort((x, y) => x - y).slice(0, 3);
  return sizes.map((size, i): Built => {
    const id = ids[i]!;
    const mine = tuples.filter((t) => t.c.packetSize === size);
    const bursts = [...new Set(mine.map((t) => t.c.burst))].sort((x, y) => x - y);
    if (bursts.length < 2)
      return {
        figure: id,
        skip: `needs at least two burst sizes at ${size} B (plan \`bursts\`); this run has ${bursts.join(', ')}`,
      };
    const label = seriesLabeller(
      mine.map((t) => t.c),
      ['pairs'],
    );
    const data: Datum[] = mine
      .map((t) => {
        const avg = meanWithCi(t.avgUs)!;
        return {
          series: label(t.c),
          switch: t.c.switch,
          backend: t.c.backend,
          packetSizeBytes: size,
          burstPackets: t.c.burst,
          ratePps: t.c.rate,
          rttAvgUs: avg.mean,
          rttAvgUsCiLow: avg.ciLow,
          rttAvgUsCiHigh: avg.ciHigh,
          rttP99Us: meanWithCi(t.p99Us)!.mean,
          repetitions: avg.n,
        };
      })
      .sort(
        (x, y) =>
          String(x.series).localeCompare(String(y.series)) || (x.burstPackets as number) - (y.burstPackets as number),
      );
    // Round trips can span orders of magnitude (a few µs on a polling path, ms where a burst of
    // 128 queues behind a kernel socket): then a log axis, so the fast paths do not lie flat.
    const rtt = spanScale(data.map((d) => d.rttAvgUs as number));
    const spec = lineChart(data, {
      x: {
        field: 'burstPackets',
        type: 'quantitative',
        title: 'burst size B (packets, log scale)',
        scale: { type: 'log', base: 2, domain: [bursts[0]!, bursts[bursts.length - 1]!], nice: false },
        axis: { values: bursts, format: 'd' },
      },
      y: {
        field: 'rttAvgUs',
        type: 'quantitative',
        title: `average round-trip time (µs${rtt.logarithmic ? ', log scale' : ''}), ${size} B`,
        scale: rtt.scale,
      },
      color: { field: 'series', type: 'nominal', title: label.title },
      tooltip: [
        { field: 'series' },
        { field: 'burstPackets', title: 'B' },
        { field: 'rttAvgUs', title: 'avg RTT µs', format: '.2f' },
        { field: 'rttP99Us', title: 'p99 RTT µs', format: '.2f' },
        { field: 'repetitions' },
      ],
    });
    return {
      id,
      title: `Fig. ${id.slice(3)} — average round-trip time vs burst size at ${size} B, ${locality}`,
      caption:
        "Mean over repetitions of each case's steady-state average round-trip time (client to server and back), per burst size.",
      data,
      spec,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Fig. 6: CPU vs maximum throughput.

function fig6(a: RunAnalysis): Built {
  const maxima = plainMaxima(a).filter(
    (m) => m.best.sample.locality === 'local' && m.best.sample.dimension === 'throughput',
  );
  if (maxima.length === 0) return { skip: 'no local throughput results' };
  // The paper plots one point per configuration and number of flows; the smallest packet size
  // (the most packets per second, the heaviest load) stands for the configuration.
  const smallest = Math.min(...maxima.map((m) => m.packetSize));
  // Forwarders stack only where a chain ran.
  const classes = CPU_CLASSES.filter((k) => k !== 'forwarders' || maxima.some((m) => m.layout === 'chain'));
  const data = maxima
    .filter((m) => m.packetSize === smallest)
    .flatMap((m): Datum[] => {
      const cpu = groupCpuClasses(a, m.best);
      if (cpu === null) return [];
      const totalCores = CPU_CLASSES.reduce((t, k) => t + cpu.classes[k], 0);
      const config = `${m.switch} · ${m.backend} · ${shapeLabel(m)}`;
      // One row per component class, each carrying its configuration's total and throughput.
      return classes.map((k) => ({
        config,
        switch: m.switch,
        backend: m.backend,
        pairs: m.pairs,
        packetSizeBytes: m.packetSize,
        component: k,
        componentOrder: classes.indexOf(k),
        cpus: cpu.classes[k],
        totalCores,
        appCpus: groupCpus(a, m.best),
        uncountedKernelCpus: cpu.uncounted,
        maxRxMpps: m.rxPps.mean / 1e6,
      }));
    });
  if (data.length === 0) return { skip: 'no CPU samples for the cases of maximum throughput' };
  data.sort(
    (x, y) =>
      String(x.config).localeCompare(String(y.config), undefined, { numeric: true }) ||
      (x.componentOrder as number) - (y.componentOrder as number),
  );
  const configs = [...new Set(data.map((d) => d.config as string))];
  const y = { field: 'config', type: 'nominal' as const, title: null, sort: configs };
  const height = Math.max(60, 28 * configs.length);
  const spec: TopLevelSpec = {
    $schema: SCHEMA,
    config: CONFIG,
    data: { values: data },
    hconcat: [
      {
        // The paper's total CPU utilisation, split into what kept each core busy.
        width: WIDTH * 0.6,
        height,
        mark: { type: 'bar' },
        encoding: {
          y,
          x: {
            field: 'cpus',
            type: 'quantitative',
            aggregate: 'sum',
            title: 'CPUs used (1 = one core busy)',
            stack: 'zero',
          },
          color: {
            field: 'component',
            type: 'nominal',
            title: 'component',
            sort: [...classes],
            scale: { domain: [...classes] },
          },
          order: { field: 'componentOrder', type: 'quantitative' },
          tooltip: [
            { field: 'config' },
            { field: 'component' },
            { field: 'cpus', title: 'CPUs', format: '.2f' },
            { field: 'totalCores', title: 'total cores', format: '.2f' },
            { field: 'uncountedKernelCpus', title: 'kernel time inside tasks', format: '.2f' },
          ],
        },
      },
      {
        width: WIDTH * 0.4,
        height,
        transform: [{ filter: `datum.component == '${CPU_CLASSES[0]}'` }],
        mark: { type: 'bar', color: '#555' },
        encoding: {
          y: { ...y, axis: null },
          x: { field: 'maxRxMpps', type: 'quantitative', title: `maximum total received (Mpps), ${smallest} B` },
          tooltip: [{ field: 'config' }, { field: 'maxRxMpps', title: 'Mpps', format: '.4f' }],
        },
      },
    ],
  };
  return {
    id: 'fig6',
    title: 'Fig. 6 — CPU used vs maximum throughput',
    caption: `Per switch · backend · pairs at ${smallest} B, the case of maximum throughput: left, the CPUs its components kept busy over the steady window (apps: user + system time of their threads; switch threads such as OVS PMDs; kernel softirq and irq time on the case's CPUs), mean over repetitions; right, its receive rate. Kernel time on a CPU that runs an app or switch thread is left out of the stack when this kernel already charges it to that task (CONFIG_IRQ_TIME_ACCOUNTING unset); it shows in the tooltip.`,
    data,
    spec,
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * The maxima the paper's figures compare: one flow of one frame size (flows and mixes have their
 * own figure, and a mix's mean frame size is no size the paper swept).
 */
export function plainMaxima(a: RunAnalysis): RunAnalysis['maxima'] {
  return a.maxima.filter((m) => m.flows === 1 && m.sizeMix === undefined);
}

// ---------------------------------------------------------------------------------------------
// Throughput vs flow count, per switch: a switch's flow caches (OVS's EMC and megaflows) show as
// a fall with the number of distinct 5-tuples.

function flowFigure(a: RunAnalysis): Built {
  const maxima = a.maxima.filter((m) => m.best.sample.dimension === 'throughput' && m.best.sample.locality === 'local');
  const counts = [...new Set(maxima.map((m) => m.flows))].sort((x, y) => x - y);
  if (counts.length < 2)
    return { skip: `needs at least two flow counts (plan \`flows\`); this run has ${counts.join(', ') || 'none'}` };
  const label = (m: (typeof maxima)[number]) =>
    [m.switch, m.backend, m.sizeMix ?? `${m.packetSize} B`, `${m.pairs}vs${m.pairs}`].join(' · ');
  const data: Datum[] = maxima
    .map((m) => ({
      series: label(m),
      switch: m.switch,
      backend: m.backend,
      packetSizeBytes: m.packetSize,
      sizeMix: m.sizeMix ?? null,
      pairs: m.pairs,
      flows: m.flows,
      maxRxMpps: m.rxPps.mean / 1e6,
      maxRxMppsCiLow: ciBound(m.rxPps.ciLow),
      maxRxMppsCiHigh: ciBound(m.rxPps.ciHigh),
      maxRxGbps: m.rxGbps.mean,
      atRatePps: m.best.sample.rate,
      repetitions: m.rxPps.n,
    }))
    .sort((x, y) => String(x.series).localeCompare(String(y.series)) || (x.flows as number) - (y.flows as number));
  const spec = lineChart(data, {
    x: {
      field: 'flows',
      type: 'quantitative',
      title: 'flows per sender (distinct 5-tuples, log scale)',
      scale: { type: 'log', domain: [counts[0]!, counts[counts.length - 1]!], nice: false },
      axis: { values: counts },
    },
    y: { field: 'maxRxMpps', type: 'quantitative', title: 'maximum received (Mpps)' },
    color: { field: 'series', type: 'nominal', title: 'switch · backend · P · S' },
    tooltip: [
      { field: 'series' },
      { field: 'flows' },
      { field: 'maxRxMpps', title: 'Mpps', format: '.4f' },
      { field: 'atRatePps', title: 'at R pps' },
    ],
  });
  return {
    id: 'flows',
    title: 'Throughput vs flow count, per switch',
    caption:
      'Highest mean receive rate over the swept rates and bursts, per number of distinct 5-tuples each sender cycles ' +
      'through (UDP source ports; MACs fixed). A fall with the count is the switch’s per-flow caching.',
    data,
    spec,
  };
}

function throughputGroups(a: RunAnalysis, locality: 'local' | 'remote'): RepetitionGroup[] {
  return a.groups.filter((g) => g.sample.dimension === 'throughput' && g.sample.locality === locality);
}

type Labelled = Pick<SummaryCase, 'switch' | 'backend' | 'packetSize' | 'burst' | 'pairs' | 'layout' | 'chainLength'>;

/** ", one pair (1vs1)", ", one tester (1tester)" or ", one of each (1vs1 / 1chain2)": what S = 1 was, as case ids write it. */
function oneOfEach(items: readonly Labelled[]): string {
  const shapes = [...new Set(items.map((c) => shapeLabel(c)))];
  const what =
    shapes.length > 1
      ? 'one of each'
      : items[0]?.layout === 'tester'
        ? 'one tester'
        : items[0]?.layout === 'chain'
          ? 'one chain'
          : 'one pair';
  return `, ${what} (${shapes.join(' / ')})`;
}

/**
 * "switch · backend", plus each of `extra` that takes more than one value among `items`, and the
 * layout where it does; the function's `title` names the parts, for the legend.
 */
function seriesLabeller(
  items: readonly Labelled[],
  extra: readonly ('packetSize' | 'burst' | 'pairs')[],
): ((c: Labelled) => string) & { title: string } {
  const fmt = {
    packetSize: (c: Labelled) => `${c.packetSize} B`,
    burst: (c: Labelled) => `B=${c.burst}`,
    pairs: (c: Labelled) => shapeLabel(c),
    layout: (c: Labelled) => layoutName(c),
  };
  const varying = [...extra, 'layout' as const].filter((k) => new Set(items.map((c) => fmt[k](c))).size > 1);
  const names = { packetSize: 'P', burst: 'B', pairs: 'S', layout: 'layout' };
  const label = (c: Labelled) => [c.switch, c.backend, ...varying.map((k) => fmt[k](c))].join(' · ');
  return Object.assign(label, { title: ['switch', 'backend', ...varying.map((k) => names[k])].join(' · ') });
}

function ciBound(v: number | null, scale = 1e6): number | null {
  return v === null ? null : v / scale;
}
