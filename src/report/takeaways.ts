// One line per figure saying what its data shows, computed from the rows it draws (so the line
// and the picture cannot disagree). Pure.
import type { Datum, Figure } from './figures.js';

export function takeaway(f: Figure): string | null {
  const d = f.data;
  if (d.length === 0) return null;
  if (f.id === 'fig4a') return fig4a(d);
  if (/^fig4[bcd]$/.test(f.id))
    return vsSize(d, f.id === 'fig4b' ? 'maxRxMpps' : 'maxRxGbps', f.id === 'fig4b' ? 'Mpps' : 'Gbps');
  if (/^fig4[e-h]$/.test(f.id)) return vsPairs(d);
  if (f.id === 'table2') return table2(d);
  if (/^fig5[a-f]$/.test(f.id)) return latency(d);
  if (f.id === 'fig6') return fig6(d);
  return null;
}

const n = (v: Datum[string] | undefined) => v as number;

function bySeries(d: Datum[]): Map<string, Datum[]> {
  const out = new Map<string, Datum[]>();
  for (const row of d) out.set(String(row.series), [...(out.get(String(row.series)) ?? []), row]);
  return out;
}

/** Best and worst of `values` with the ratio between them. */
function spread(values: [string, number][], higherIsBetter: boolean, unit: (v: number) => string): string {
  const sorted = [...values].sort((x, y) => (higherIsBetter ? y[1] - x[1] : x[1] - y[1]));
  const [best, worst] = [sorted[0]!, sorted[sorted.length - 1]!];
  if (sorted.length === 1) return `${best[0]}: ${unit(best[1])}`;
  const ratio = higherIsBetter ? best[1] / worst[1] : worst[1] / best[1];
  return `${best[0]} best at ${unit(best[1])}, ${Number.isFinite(ratio) ? `×${ratio.toFixed(2)}` : 'far ahead of'} ${worst[0]} (${unit(worst[1])})`;
}

const mpps = (v: number) => `${v.toFixed(3)} Mpps`;

function fig4a(d: Datum[]): string {
  // Per series: the highest requested rate still delivered (≥ 99 %), and the plateau reached.
  const parts = [...bySeries(d)]
    .map(([series, rows]) => {
      const kept = rows.filter((r) => n(r.rxMpps) >= 0.99 * n(r.requestedMpps)).map((r) => n(r.requestedMpps));
      const peak = Math.max(...rows.map((r) => n(r.rxMpps)));
      return { series, kept: kept.length > 0 ? Math.max(...kept) : null, peak };
    })
    .sort((x, y) => y.peak - x.peak);
  const top = parts[0]!;
  const keeps = top.kept === null ? 'delivers less than asked at every rate' : `keeps up to ${mpps(top.kept)} asked`;
  return `${top.series} ${keeps} and peaks at ${mpps(top.peak)}${parts.length > 1 ? `; the lowest peak is ${parts[parts.length - 1]!.series} at ${mpps(parts[parts.length - 1]!.peak)}` : ''}.`;
}

function vsSize(d: Datum[], field: string, unit: string): string {
  const smallest = Math.min(...d.map((r) => n(r.packetSizeBytes)));
  const largest = Math.max(...d.map((r) => n(r.packetSizeBytes)));
  const at = (size: number) =>
    d.filter((r) => n(r.packetSizeBytes) === size).map((r): [string, number] => [String(r.series), n(r[field])]);
  const fmt = (v: number) => `${v.toFixed(3)} ${unit}`;
  return `At ${smallest} B ${spread(at(smallest), true, fmt)}; at ${largest} B ${spread(at(largest), true, fmt)}.`;
}

function vsPairs(d: Datum[]): string {
  const parts = [...bySeries(d)]
    .map(([series, rows]) => {
      const sorted = [...rows].sort((x, y) => n(x.pairs) - n(y.pairs));
      const [first, last] = [sorted[0]!, sorted[sorted.length - 1]!];
      return {
        series,
        from: n(first.pairs),
        to: n(last.pairs),
        gain: n(first.maxRxMpps) > 0 ? n(last.maxRxMpps) / n(first.maxRxMpps) : Infinity,
        top: n(last.maxRxMpps),
      };
    })
    .sort((x, y) => y.gain - x.gain);
  const best = parts[0]!;
  const worst = parts[parts.length - 1]!;
  return `${best.series} scales best: ×${best.gain.toFixed(2)} from ${best.from} to ${best.to} pairs (${mpps(best.top)})${parts.length > 1 ? `; ${worst.series} least: ×${worst.gain.toFixed(2)}` : ''}.`;
}

function table2(d: Datum[]): string {
  return `${spread(
    d.map((r): [string, number] => [String(r.technique), n(r.maxRxKpps)]),
    true,
    (v) => `${v.toFixed(0)} kpps`,
  )}.`;
}

function latency(d: Datum[]): string {
  const smallest = Math.min(...d.map((r) => n(r.burstPackets)));
  const largest = Math.max(...d.map((r) => n(r.burstPackets)));
  const at = d
    .filter((r) => n(r.burstPackets) === smallest)
    .map((r): [string, number] => [String(r.series), n(r.rttAvgUs)]);
  // Trend: how many series take longer at the largest burst than at the smallest.
  const series = [...bySeries(d).values()];
  const rising = series.filter((rows) => {
    const lo = rows.find((r) => n(r.burstPackets) === smallest);
    const hi = rows.find((r) => n(r.burstPackets) === largest);
    return lo && hi && n(hi.rttAvgUs) > n(lo.rttAvgUs);
  }).length;
  return `At B=${smallest}, ${spread(at, false, (v) => `${v.toFixed(1)} µs`)}; RTT rises with the burst (${smallest}→${largest}) for ${rising} of ${series.length} series.`;
}

function fig6(d: Datum[]): string {
  // One row per configuration (the first component row carries its totals).
  const configs = new Map<string, Datum>();
  for (const r of d) if (!configs.has(String(r.config))) configs.set(String(r.config), r);
  const perCore = [...configs.values()]
    .filter((r) => n(r.totalCores) > 0)
    .map((r): [string, number] => [String(r.config), n(r.maxRxMpps) / n(r.totalCores)]);
  if (perCore.length === 0) return 'No configuration kept a CPU measurably busy.';
  return `Packets per core: ${spread(perCore, true, (v) => `${v.toFixed(3)} Mpps/core`)}.`;
}
