// Each of the paper's findings (paper-facts.ts) against what this run's figures show: agrees,
// differs, or cannot tell — always with the reason. A finding that differs on cases whose CPUs
// were shared is "cannot tell": those figures understate the path. Pure.
import type { CaseAnalysis, RunAnalysis } from '../analysis/index.js';
import type { SummaryCase } from '../store/summary.js';
import type { Datum, Figure, FigureSet } from './figures.js';
import { PAPER_FACTS, PAPER_SWITCHES, type FactCheck, type PaperFact } from './paper-facts.js';

export type Verdict = 'agrees' | 'differs' | 'cannot tell';

export interface PaperComparison {
  fact: PaperFact;
  /** The figure compared (the first of the fact's that was drawn), or the fact's first. */
  figure: string;
  verdict: Verdict;
  /** What this run found, or why it cannot tell. */
  found: string;
}

/** What a reproduction knows beyond its data: why a paper switch or an experiment did not run. */
export interface CompareContext {
  /** Paper switches this host cannot run, with the probe's reason. */
  notHere?: Map<string, string>;
  /** Experiments not run, the figures they draw and why. */
  notRun?: { figures: string[]; reason: string }[];
}

export function compareWithPaper(a: RunAnalysis, set: FigureSet, context: CompareContext = {}): PaperComparison[] {
  return PAPER_FACTS.flatMap((fact): PaperComparison[] => {
    const drawn = set.figures.filter((f) => fact.figures.includes(f.id));
    if (drawn.length === 0) {
      const skipped = fact.figures.map((id) => whyNotDrawn(set, id)).find((r) => r !== undefined);
      const notRun = context.notRun?.find((n) => n.figures.some((id) => fact.figures.includes(id)));
      return [
        {
          fact,
          figure: fact.figures[0]!,
          verdict: 'cannot tell',
          found: `not drawn: ${skipped ?? 'this run has no data for it'}${notRun ? `; ${notRun.reason}` : ''}`,
        },
      ];
    }
    return drawn.map((f) => {
      const rows = comparedRows(fact.check, f.data);
      const feeding = casesBehind(a, f.id, rows);
      const result = check(fact.check, rows, feeding);
      return { fact, figure: f.id, ...caveats(result, feeding, unmeasured(a, fact.check, f, context)) };
    });
  });
}

/** Why figure `id` is left out of `set` (a builder of several, e.g. "fig5a-c", names their range), or undefined. */
export function whyNotDrawn(set: FigureSet, id: string): string | undefined {
  return set.skipped.find((s) => s.figure === id || inRange(s.figure, id))?.reason;
}

/** "fig5a-c" holds fig5a, fig5b and fig5c. */
function inRange(range: string, id: string): boolean {
  const m = /^(fig\d)([a-z])-([a-z])$/.exec(range);
  return (
    m !== null &&
    id.startsWith(m[1]!) &&
    id.length === m[1]!.length + 1 &&
    id.slice(-1) >= m[2]! &&
    id.slice(-1) <= m[3]!
  );
}

type Result = { verdict: Verdict; found: string };

/** A figure's data fields and the case fields they were drawn from. */
const DRAWN_FROM: [string, (c: SummaryCase) => string | number][] = [
  ['switch', (c) => c.switch],
  ['backend', (c) => c.backend],
  ['pairs', (c) => c.pairs],
  ['packetSizeBytes', (c) => c.packetSize],
  ['burstPackets', (c) => c.burst],
];
const REMOTE_FIGURES = /^fig(4[dgh]|5[def])$/;

/**
 * The rows a check compares: the paper's switches only (Table 2's rows name none: all
 * linux-bridge), and for checks along a series, the series of two points or more.
 */
function comparedRows(c: FactCheck, data: Datum[]): Datum[] {
  const paper = data.filter(
    (d) => d.switch === undefined || (PAPER_SWITCHES as readonly string[]).includes(String(d.switch)),
  );
  if (c.kind !== 'trend' && c.kind !== 'plateau' && c.kind !== 'scaling') return paper;
  return [...bySeries(paper).values()].filter((rows) => rows.length >= 2).flat();
}

/** Whether case `c` is behind figure row `d` (Table 2's rows: linux-bridge, 1vs1). */
function drawnFrom(id: string, d: Datum, c: SummaryCase): boolean {
  const row: Datum = id === 'table2' ? { switch: 'linux-bridge', pairs: 1, ...d } : d;
  return DRAWN_FROM.every(([k, of]) => row[k] === undefined || row[k] === of(c));
}

/** The measured cases behind a figure's rows. */
function casesBehind(a: RunAnalysis, id: string, rows: Datum[]): CaseAnalysis[] {
  const dimension = id.startsWith('fig5') ? 'latency' : 'throughput';
  const locality = REMOTE_FIGURES.test(id) ? 'remote' : 'local';
  return a.cases.filter(
    ({ case: c }) =>
      c.status === 'ok' &&
      c.dimension === dimension &&
      c.locality === locality &&
      rows.some((d) => drawnFrom(id, d, c)),
  );
}

/**
 * What qualifies a verdict: a difference on cases whose CPUs were shared is "cannot tell" (those
 * figures understate the path); cases in another layout than the paper's pairs, and paper
 * switches the check needs but this run lacks, are said.
 */
function caveats(r: Result, feeding: CaseAnalysis[], missing: string | null): Result {
  const shared = feeding.filter((c) =>
    c.warnings.some((w) => w.kind === 'CpuShared' || w.kind === 'SwitchSharesAppCpu'),
  );
  const notes: string[] = [];
  if (shared.length > 0) {
    const which = [...new Set(shared.map((c) => c.case.switch))].join(', ');
    notes.push(`CPU shared in ${shared.length} case${shared.length > 1 ? 's' : ''} of ${which}`);
  }
  const byLayout = new Map<string, Set<string>>();
  for (const { case: c } of feeding)
    if (c.layout) byLayout.set(c.layout, (byLayout.get(c.layout) ?? new Set()).add(c.switch));
  for (const [layout, switches] of byLayout)
    notes.push(
      `${[...switches].join(', ')} measured with layout ${layout} (${layout === 'tester' ? 'one app holds both ports' : 'a tester through forwarders'}; the paper: a sender and a receiver per pair)`,
    );
  if (missing !== null) notes.push(missing);
  if (shared.length > 0 && r.verdict === 'differs')
    return { verdict: 'cannot tell', found: [`${notes[0]}; measured: ${r.found}`, ...notes.slice(1)].join('; ') };
  return notes.length === 0 ? r : { verdict: r.verdict, found: `${r.found} (${notes.join('; ')})` };
}

/** The paper switches a check names that this figure lacks, with why: "not measured: sriov (no SR-IOV capable NIC)". */
function unmeasured(a: RunAnalysis, c: FactCheck, f: Figure, context: CompareContext): string | null {
  const named =
    c.kind === 'tiers'
      ? c.tiers.flat().filter((s) => s !== '*')
      : c.kind === 'scaling'
        ? c.scales
        : c.kind === 'cpu'
          ? c.lighter
          : [];
  const present = new Set(f.data.map((d) => String(d.switch)));
  const absent = named.filter((sw) => !present.has(sw));
  if (absent.length === 0) return null;
  const dimension = f.id.startsWith('fig5') ? 'latency' : 'throughput';
  const locality = REMOTE_FIGURES.test(f.id) ? 'remote' : 'local';
  const why = (sw: string) => {
    const mine = a.cases.filter((x) => x.case.switch === sw);
    const ok = mine.filter((x) => x.case.status === 'ok' && x.case.dimension === dimension);
    const sizes = [...new Set(ok.filter((x) => x.case.locality === locality).map((x) => x.case.packetSize))];
    if (sizes.length > 0) return `${sw} (measured at ${sizes.join(', ')} B only)`;
    if (ok.length > 0) return `${sw} (measured ${ok[0]!.case.locality} only)`;
    const skipped = mine.find((x) => x.case.status === 'skipped')?.case.error;
    const reason = skipped?.replace(/^switch \S+ is unavailable here: /, '') ?? context.notHere?.get(sw);
    return reason === undefined ? `${sw} (not in this run)` : `${sw} (${reason.split(/ \(|; |, and /)[0]})`;
  };
  return `not measured: ${absent.map(why).join(', ')}`;
}

const num = (v: Datum[string] | undefined) => v as number;

function check(c: FactCheck, data: Datum[], feeding: CaseAnalysis[]): Result {
  switch (c.kind) {
    case 'values':
      return values(c, data);
    case 'tiers':
      return tiers(c, data);
    case 'trend':
      return trend(c, data);
    case 'plateau':
      return plateau(data, feeding);
    case 'scaling':
      return scaling(c, data);
    case 'cpu':
      return cpu(c, data);
    case 'qualitative':
      return { verdict: 'cannot tell', found: 'the paper states this in words only' };
  }
}

/** The order of `names` by value, best first, as "a > b > c". */
const ranking = (entries: [string, number][]) => [...entries].sort((x, y) => y[1] - x[1]).map(([k]) => k);

function values(c: Extract<FactCheck, { kind: 'values' }>, data: Datum[]): Result {
  const run = data.flatMap((d): [string, number][] =>
    String(d[c.by]) in c.values ? [[String(d[c.by]), num(d[c.field])]] : [],
  );
  if (run.length < 2)
    return {
      verdict: 'cannot tell',
      found: `only ${run.map(([k]) => k).join(', ') || 'none'} of ${Object.keys(c.values).join(', ')} measured`,
    };
  const mine = ranking(run);
  const theirs = ranking(Object.entries(c.values).filter(([k]) => mine.includes(k)));
  const numbers = run
    .map(([k, v]) => `${k} ${v.toFixed(0)} (paper ${c.values[k]}, ×${(v / c.values[k]!).toFixed(2)})`)
    .join(', ');
  const same = mine.join() === theirs.join();
  return {
    verdict: same ? 'agrees' : 'differs',
    found: `${numbers} ${c.unit}; order ${same ? 'as in the paper' : `${mine.join(' > ')}, paper ${theirs.join(' > ')}`}`,
  };
}

function tiers(c: Extract<FactCheck, { kind: 'tiers' }>, data: Datum[]): Result {
  const at = c.at ? Math.min(...data.map((d) => num(d[c.at!]))) : null;
  const rows = data.filter((d) => at === null || num(d[c.at!]) === at);
  // Per paper switch, its best value at that point (over backends).
  const best = new Map<string, number>();
  for (const d of rows) {
    const sw = String(d.switch);
    if (!(PAPER_SWITCHES as readonly string[]).includes(sw)) continue;
    const v = num(d[c.field]);
    const prev = best.get(sw);
    if (prev === undefined || (c.higherIsBetter ? v > prev : v < prev)) best.set(sw, v);
  }
  const named = new Set(c.tiers.flat());
  const tierOf = (sw: string) => c.tiers.findIndex((t) => t.includes(sw) || (t.includes('*') && !named.has(sw)));
  const present = [...best.keys()].filter((sw) => tierOf(sw) >= 0);
  const fmt = (sw: string) =>
    `${sw} ${best.get(sw)!.toFixed(c.unit === 'µs' ? 1 : 3)}${c.paperValues?.[sw] !== undefined ? ` (paper ${c.paperValues[sw]})` : ''}`;
  const where = at === null ? '' : ` at ${c.at === 'burstPackets' ? `B=${at}` : `${at} B`}`;
  if (new Set(present.map(tierOf)).size < 2) {
    const wanted = c.tiers
      .flat()
      .filter((s) => s !== '*')
      .join(', ');
    return {
      verdict: 'cannot tell',
      found: `needs ${wanted} beside another paper switch; measured${where}: ${present.map(fmt).join(', ') || 'none of the switches it ranks'}`,
    };
  }
  // A 2 % margin: two paths within noise of each other are not out of order.
  const better = (x: number, y: number) => (c.higherIsBetter ? x >= y * 0.98 : x <= y * 1.02);
  const wrong: string[] = [];
  for (const x of present)
    for (const y of present) {
      if (tierOf(x) < tierOf(y) && !better(best.get(x)!, best.get(y)!)) wrong.push(`${y} ahead of ${x}`);
    }
  const list = present
    .sort((x, y) => tierOf(x) - tierOf(y))
    .map(fmt)
    .join(', ');
  return wrong.length === 0
    ? { verdict: 'agrees', found: `${list} ${c.unit}${where}` }
    : { verdict: 'differs', found: `${wrong.join('; ')}: ${list} ${c.unit}${where}` };
}

function bySeries(data: Datum[]): Map<string, Datum[]> {
  const out = new Map<string, Datum[]>();
  for (const d of data) out.set(String(d.series), [...(out.get(String(d.series)) ?? []), d]);
  return out;
}

function trend(c: Extract<FactCheck, { kind: 'trend' }>, data: Datum[]): Result {
  const against: string[] = [];
  let series = 0;
  for (const [name, rows] of bySeries(data)) {
    const sorted = [...rows].sort((x, y) => num(x[c.x]) - num(y[c.x]));
    if (sorted.length < 2) continue;
    series++;
    const first = num(sorted[0]![c.y]);
    const last = num(sorted[sorted.length - 1]![c.y]);
    if (c.direction === 'up' ? last <= first : last >= first)
      against.push(`${name} (${first.toFixed(3)} → ${last.toFixed(3)})`);
  }
  if (series === 0) return { verdict: 'cannot tell', found: 'no series with two points' };
  return against.length === 0
    ? { verdict: 'agrees', found: `all ${series} series go ${c.direction}` }
    : {
        verdict: 'differs',
        found: `${against.length} of ${series} series do not go ${c.direction}: ${against.join(', ')}`,
      };
}

/**
 * Fig. 4a: each series delivers its lowest rate and does not fall as the rate rises. A series
 * short of its lowest rate with no loss is the sender's shortfall, not the path's: not judged.
 */
function plateau(data: Datum[], feeding: CaseAnalysis[]): Result {
  const against: string[] = [];
  const unjudged: string[] = [];
  const all = bySeries(data);
  if (all.size === 0)
    return { verdict: 'cannot tell', found: "no series of the paper's switches at two paced rates or more" };
  for (const [name, rows] of all) {
    const sorted = [...rows].sort((x, y) => num(x.requestedMpps) - num(y.requestedMpps));
    const low = sorted[0]!;
    const fall = sorted.findIndex((d, i) => i > 0 && num(d.rxMpps) < 0.95 * num(sorted[i - 1]!.rxMpps));
    if (fall > 0) {
      const [before, after] = [sorted[fall - 1]!, sorted[fall]!];
      const mpps = (d: Datum) => num(d.rxMpps).toFixed(3);
      against.push(
        `${name} falls as the rate rises (${mpps(before)} Mpps received at ${num(before.requestedMpps)} asked, ${mpps(after)} at ${num(after.requestedMpps)})`,
      );
      continue;
    }
    if (num(low.rxMpps) >= 0.99 * num(low.requestedMpps)) continue;
    const behind = feeding.filter(
      ({ case: c }) =>
        drawnFrom('fig4a', low, c) &&
        typeof c.rate === 'number' &&
        Math.abs((c.rate * c.pairs) / 1e6 - num(low.requestedMpps)) < 1e-9,
    );
    const senderShort = behind.every(
      ({ case: c }) =>
        c.throughput !== null && c.throughput.lossRatio < 0.01 && (c.throughput.shortfallRatio ?? 0) > 0.01,
    );
    if (behind.length > 0 && senderShort) {
      const sent = behind.reduce((t, { case: c }) => t + c.throughput!.txPps, 0) / behind.length / 1e6;
      unjudged.push(
        `${name}: the sender sent ${sent.toFixed(3)} of the ${num(low.requestedMpps).toFixed(3)} Mpps asked, none lost (the generator's shortfall)`,
      );
    } else against.push(`${name} short of the lowest rate asked`);
  }
  const judged = all.size - unjudged.length;
  const notJudged = unjudged.length > 0 ? `; not judged: ${unjudged.join('; ')}` : '';
  if (against.length > 0) return { verdict: 'differs', found: `${against.join('; ')}${notJudged}` };
  if (judged === 0) return { verdict: 'cannot tell', found: unjudged.join('; ') };
  return {
    verdict: 'agrees',
    found: `${judged === all.size ? 'all ' : ''}${judged} series follow the requested rate, then level off${notJudged}`,
  };
}

function scaling(c: Extract<FactCheck, { kind: 'scaling' }>, data: Datum[]): Result {
  const found: string[] = [];
  const against: string[] = [];
  for (const [name, rows] of bySeries(data)) {
    const sw = String(rows[0]!.switch);
    if (!(PAPER_SWITCHES as readonly string[]).includes(sw)) continue;
    const sorted = [...rows].sort((x, y) => num(x.pairs) - num(y.pairs));
    const [first, last] = [sorted[0]!, sorted[sorted.length - 1]!];
    const ratio = num(last.pairs) / num(first.pairs);
    const gain = num(last.maxRxMpps) / num(first.maxRxMpps);
    if (ratio <= 1) continue;
    const scales = gain >= 1 + (ratio - 1) / 2;
    found.push(`${name} ×${gain.toFixed(2)} for ×${ratio} pairs`);
    if (scales !== c.scales.includes(sw)) against.push(`${name} ${scales ? 'grows' : 'stays flat'}`);
  }
  if (found.length === 0)
    return { verdict: 'cannot tell', found: "none of the paper's switches measured at two pair counts" };
  return against.length === 0
    ? { verdict: 'agrees', found: found.join(', ') }
    : { verdict: 'differs', found: `${against.join(', ')}: ${found.join(', ')}` };
}

function cpu(c: Extract<FactCheck, { kind: 'cpu' }>, data: Datum[]): Result {
  // One row per configuration carries its total.
  const configs = new Map<string, Datum>();
  for (const d of data)
    if (!configs.has(String(d.config)) && (PAPER_SWITCHES as readonly string[]).includes(String(d.switch)))
      configs.set(String(d.config), d);
  const rows = [...configs.values()];
  const light = rows.filter((d) => c.lighter.includes(String(d.switch)));
  const heavy = rows.filter((d) => !c.lighter.includes(String(d.switch)));
  const pairs = light.filter((l) => heavy.some((h) => h.pairs === l.pairs));
  if (pairs.length === 0) {
    return {
      verdict: 'cannot tell',
      found: `needs ${c.lighter.join(' or ')} beside another paper switch at the same pairs; measured: ${rows.map((d) => `${d.config} ${num(d.totalCores).toFixed(2)} CPUs`).join(', ') || 'none'}`,
    };
  }
  const against = pairs.flatMap((l) =>
    heavy
      .filter((h) => h.pairs === l.pairs && num(h.totalCores) - num(l.totalCores) < c.fewer * 0.9)
      .map((h) => `${h.config} ${num(h.totalCores).toFixed(2)} vs ${l.config} ${num(l.totalCores).toFixed(2)} CPUs`),
  );
  return against.length === 0
    ? { verdict: 'agrees', found: `${c.lighter.join('/')} use ≥ ${c.fewer} CPU less at the same pairs` }
    : { verdict: 'differs', found: against.join('; ') };
}
