// trend.html: each case's series across runs, drawn as plain inline SVG (no scripts: it opens
// anywhere): the runs' figures as points, each group's average as a line over its runs, the
// earlier runs' 95 % interval for the newest run as a band, and changes marked. Pure.
import { METRICS, type SeriesTrend } from '../analysis/trend.js';
import { esc } from './html.js';

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 70, right: 20, top: 16, bottom: 28 };

export function trendHtml(trends: readonly SeriesTrend[], runs: number): string {
  const judged = trends.filter((t) => t.newest);
  const inside = judged.filter((t) => t.newest!.inside).length;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nfvperf trend</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:60em}svg{background:#fafafa;border:1px solid #ddd}
.regression{color:#b00}.progression{color:#070}.outside{color:#b00;font-weight:bold}</style></head><body>
<h1>nfvperf trend — ${runs} runs</h1>
<p>Groups by minimum description length (FD.io CSIT's jumpavg coding), each change confirmed by Welch's t-test at 99 %.
The band is the 95 % prediction interval for one more run of the earlier runs since the last change; the newest run falls inside it in
<b>${inside} of ${judged.length}</b> cases.</p>
${trends.map(section).join('\n')}
</body></html>
`;
}

function section(t: SeriesTrend): string {
  const m = METRICS[t.metric];
  const changes = t.changes
    .map(
      (
        c,
      ) => `<li class="${c.kind}">${c.kind} ${(c.relativeChange * 100).toFixed(1)} % at run ${c.at + 1} (${esc(c.startedAt)}),
    confidence ${c.confidence === null ? '-' : `${(c.confidence * 100).toFixed(1)} %`}, ${c.evidenceBits.toFixed(1)} bits${
      c.environmentChanged.length > 0 ? `; environment changed: ${esc(c.environmentChanged.join(', '))}` : ''
    }</li>`,
    )
    .join('');
  const newest = t.newest
    ? `<p class="${t.newest.inside ? '' : 'outside'}">newest run ${(t.points.at(-1)!.value * m.scale).toFixed(4)} ${m.unit}:
    ${t.newest.inside ? 'inside' : 'outside'} the 95 % interval of the ${t.newest.earlierRuns} earlier runs since the last change ${(t.newest.low * m.scale).toFixed(4)}–${(t.newest.high * m.scale).toFixed(4)}</p>`
    : '';
  return `<h2>${esc(t.caseKey)} — ${m.label} (${m.unit})</h2>
${svg(t)}
${newest}<ul>${changes || '<li>no change</li>'}</ul>`;
}

function svg(t: SeriesTrend): string {
  const m = METRICS[t.metric];
  const values = t.points.map((p) => p.value * m.scale);
  const band = t.newest ? [t.newest.low * m.scale, t.newest.high * m.scale] : [];
  // The scale is the data's: an interval wider than the data is drawn to the plot's edges (clamped).
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || Math.abs(hi) || 1;
  const y0 = lo - span * 0.1;
  const y1 = hi + span * 0.1;
  const n = values.length;
  const x = (i: number) => PAD.left + (n === 1 ? 0.5 : i / (n - 1)) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - (v - y0) / (y1 - y0)) * (HEIGHT - PAD.top - PAD.bottom);
  const yClamped = (v: number) => Math.min(HEIGHT - PAD.bottom, Math.max(PAD.top, y(v)));
  const parts: string[] = [];
  if (t.newest && n > 1) {
    const from = n - 1 - t.newest.earlierRuns;
    parts.push(
      `<rect x="${x(from)}" y="${yClamped(band[1]!)}" width="${x(n - 1) - x(from)}" height="${yClamped(band[0]!) - yClamped(band[1]!)}" fill="#cde" opacity="0.6"><title>95 % interval of runs ${from + 1}–${n - 1}: ${band[0]!.toFixed(4)}–${band[1]!.toFixed(4)}</title></rect>`,
    );
  }
  for (const g of t.groups) {
    const a = x(g.start) - (n > 1 ? 6 : 20);
    const b = x(g.start + g.size - 1) + (n > 1 ? 6 : 20);
    parts.push(
      `<line x1="${a}" x2="${b}" y1="${y(g.avg * m.scale)}" y2="${y(g.avg * m.scale)}" stroke="#e80" stroke-width="2"><title>group of ${g.size}: mean ${(g.avg * m.scale).toFixed(4)}</title></line>`,
    );
  }
  for (const c of t.changes) {
    parts.push(
      `<line x1="${(x(c.at - 1) + x(c.at)) / 2}" x2="${(x(c.at - 1) + x(c.at)) / 2}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="${c.kind === 'regression' ? '#b00' : '#070'}" stroke-dasharray="4 3"/>`,
    );
  }
  values.forEach((v, i) =>
    parts.push(
      `<circle cx="${x(i)}" cy="${y(v)}" r="3.5" fill="#246"><title>run ${i + 1} (${esc(t.points[i]!.startedAt)}): ${v.toFixed(4)}</title></circle>`,
    ),
  );
  const ticks = [y0, (y0 + y1) / 2, y1].map(
    (v) => `<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v.toPrecision(4)}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(t.caseKey)}">
${ticks.join('')}<text x="${PAD.left}" y="${HEIGHT - 8}" font-size="11">run 1 … ${n} (oldest → newest)</text>
${parts.join('\n')}</svg>`;
}
