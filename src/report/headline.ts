// The report's headline: per dimension, the best path (switch · backend) and by how much it beats
// the next one, and the warnings on exactly those cases — the ones that could change the
// conclusion. Computed from the analysis alone; pure.
import type { RunAnalysis } from '../analysis/index.js';
import { layoutName, shapeLabel } from '../plan/expand.js';
import type { SummaryCase } from '../store/summary.js';
import { plainMaxima } from './figures.js';
import { meanWithCi } from '../analysis/stats.js';
import { tupleKeyOf } from '../analysis/repetitions.js';
import type { CaseWarning } from '../analysis/warnings.js';

export interface PathValue {
  /** "switch · backend" */
  path: string;
  /** Packets/s summed over pairs (throughput) or microseconds (latency: average RTT). */
  value: number;
  caseIds: string[];
  /** S as the case id writes it: `1vs1`, `1tester`, `1chain2`. */
  shape: string;
}

export interface HeadlineItem {
  dimension: 'throughput' | 'latency';
  locality: string;
  packetSize: number;
  pairs: number;
  /** Best first: highest throughput, lowest latency. */
  ranked: PathValue[];
  /** best ÷ next (throughput) or next ÷ best (latency): ≥ 1; null with one path. */
  factor: number | null;
  /** Warnings on the cases behind the best and the next path. */
  warnings: CaseWarning[];
}

export interface Headline {
  items: HeadlineItem[];
  /** Warnings elsewhere, counted by kind. */
  otherWarnings: Record<string, number>;
}

/** A path: switch · backend, and the layout where it is not the paper's pairs. */
export const pathOf = (c: { switch: string; backend: string } & Pick<SummaryCase, 'layout' | 'chainLength'>) =>
  [c.switch, c.backend, ...(c.layout ? [layoutName(c)] : [])].join(' · ');

export function buildHeadline(a: RunAnalysis): Headline {
  const items: HeadlineItem[] = [];
  const throughput = throughputItem(a);
  if (throughput) items.push(throughput);
  const latency = latencyItem(a);
  if (latency) items.push(latency);
  const shown = new Set(items.flatMap((i) => i.warnings));
  const otherWarnings: Record<string, number> = {};
  for (const w of a.warnings) if (!shown.has(w)) otherWarnings[w.kind] = (otherWarnings[w.kind] ?? 0) + 1;
  return { items, otherWarnings };
}

/** Where the comparison is fair: one locality (local first), the smallest size and pair count measured. */
function slice<T extends { locality: string; packetSize: number; pairs: number }>(
  items: readonly T[],
): { chosen: T[]; locality: string; packetSize: number; pairs: number } | null {
  if (items.length === 0) return null;
  const locality = items.some((i) => i.locality === 'local') ? 'local' : items[0]!.locality;
  const here = items.filter((i) => i.locality === locality);
  const packetSize = Math.min(...here.map((i) => i.packetSize));
  const atSize = here.filter((i) => i.packetSize === packetSize);
  const pairs = Math.min(...atSize.map((i) => i.pairs));
  return { chosen: atSize.filter((i) => i.pairs === pairs), locality, packetSize, pairs };
}

function throughputItem(a: RunAnalysis): HeadlineItem | null {
  const maxima = plainMaxima(a)
    .filter((m) => m.best.sample.dimension === 'throughput')
    .map((m) => ({ m, locality: m.best.sample.locality, packetSize: m.packetSize, pairs: m.pairs }));
  const s = slice(maxima);
  if (!s) return null;
  const ranked = s.chosen
    .map(({ m }) => ({
      path: pathOf(m),
      value: m.rxPps.mean,
      caseIds: m.best.cases.map((c) => c.id),
      shape: shapeLabel(m),
    }))
    .sort((x, y) => y.value - x.value);
  return item(
    a,
    'throughput',
    s,
    ranked,
    ranked.length > 1 && ranked[1]!.value > 0 ? ranked[0]!.value / ranked[1]!.value : null,
  );
}

function latencyItem(a: RunAnalysis): HeadlineItem | null {
  const cases = a.data.summary.cases.filter((c) => c.dimension === 'latency' && c.latency);
  const s = slice(cases);
  if (!s) return null;
  // Per tuple, the mean over repetitions; per path, its best tuple (the burst that gave the lowest RTT).
  const byTuple = new Map<string, typeof cases>();
  for (const c of s.chosen) byTuple.set(tupleKeyOf(c.id), [...(byTuple.get(tupleKeyOf(c.id)) ?? []), c]);
  const best = new Map<string, PathValue>();
  for (const list of byTuple.values()) {
    const value = meanWithCi(list.map((c) => c.latency!.avgUs))!.mean;
    const path = pathOf(list[0]!);
    const prev = best.get(path);
    if (!prev || value < prev.value)
      best.set(path, { path, value, caseIds: list.map((c) => c.id), shape: shapeLabel(list[0]!) });
  }
  const ranked = [...best.values()].sort((x, y) => x.value - y.value);
  return item(
    a,
    'latency',
    s,
    ranked,
    ranked.length > 1 && ranked[0]!.value > 0 ? ranked[1]!.value / ranked[0]!.value : null,
  );
}

function item(
  a: RunAnalysis,
  dimension: HeadlineItem['dimension'],
  s: { locality: string; packetSize: number; pairs: number },
  ranked: PathValue[],
  factor: number | null,
): HeadlineItem {
  const ids = new Set(ranked.slice(0, 2).flatMap((r) => r.caseIds));
  return {
    dimension,
    locality: s.locality,
    packetSize: s.packetSize,
    pairs: s.pairs,
    ranked,
    factor,
    warnings: a.warnings.filter((w) => ids.has(w.caseId)),
  };
}

/** "raw-mmsg beats udp-mmsg by ×1.13 (+13 %)" as plain text, for the page and the terminal. */
export function headlineSentence(i: HeadlineItem): string {
  const [best, next] = i.ranked;
  const fmt = (v: number) => (i.dimension === 'throughput' ? formatPps(v) : `${v.toFixed(1)} µs average RTT`);
  // S in the case ids' form; paths of several layouts at one S each name theirs (1vs1 / 1tester).
  const shapes = [...new Set(i.ranked.map((r) => r.shape))];
  const where = `${i.locality}, ${i.packetSize} B, ${shapes.length > 0 ? shapes.join(' / ') : `${i.pairs}vs${i.pairs}`}`;
  if (!best) return `${i.dimension}: no result (${where})`;
  const lead = `Best ${i.dimension} path (${where}): ${best.path} at ${fmt(best.value)}`;
  if (!next || i.factor === null) return `${lead}, the only path measured.`;
  const how =
    i.dimension === 'throughput'
      ? `×${i.factor.toFixed(2)} the rate of`
      : `${i.factor.toFixed(2)}× faster round trips than`;
  return `${lead}: ${how} the next, ${next.path} (${fmt(next.value)}).`;
}

export function formatPps(pps: number): string {
  return pps >= 1e6 ? `${(pps / 1e6).toFixed(3)} Mpps` : `${(pps / 1e3).toFixed(1)} kpps`;
}
