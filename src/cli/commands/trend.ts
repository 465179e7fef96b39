// `nfvperf trend DIR…|--db FILE`: per case, the groups and changes of its figure across runs
// (analysis/jumpavg.ts), whether the newest run falls inside the earlier runs' 95 % interval, and
// the last group against the best earlier one; `--html FILE` draws each series with its groups.
import { writeFileSync } from 'node:fs';
import { UsageError } from '../../common/errors.js';
import { METRICS, trendOf, type SeriesTrend } from '../../analysis/trend.js';
import { loadHistory, seriesOf } from '../../store/history.js';
import { trendHtml } from '../../report/trend-html.js';

export interface TrendCommandOptions {
  db?: string;
  json?: boolean;
  html?: string;
}

export async function trendCommand(dirs: string[], opts: TrendCommandOptions): Promise<number> {
  if (dirs.length === 0 && !opts.db)
    throw new UsageError('give run directories, a history database (--db FILE), or both');
  const runs = loadHistory({ dirs, db: opts.db });
  const trends = seriesOf(runs).map((s) => trendOf(s));
  if (opts.html) writeFileSync(opts.html, trendHtml(trends, runs.length));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(trends, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    `${runs.length} runs; groups by minimum description length (jumpavg), each change confirmed at 99 % (Welch)\n\n`,
  );
  process.stdout.write(`${formatTrends(trends)}\n`);
  const outside = trends.filter((t) => t.newest && !t.newest.inside).length;
  const judged = trends.filter((t) => t.newest).length;
  process.stdout.write(
    `\nnewest run inside the 95 % interval of the earlier runs since the last change: ${judged - outside} of ${judged} cases` +
      `${judged < trends.length ? ` (${trends.length - judged} with fewer than 2 earlier runs)` : ''}\n`,
  );
  if (opts.html) process.stdout.write(`report: ${opts.html}\n`);
  return 0;
}

export function formatTrends(trends: readonly SeriesTrend[]): string {
  const rows = trends.map((t) => {
    const m = METRICS[t.metric];
    const f = (v: number) => (v * m.scale).toFixed(4);
    const groups = t.groups.map((g) => `${g.size}×${f(g.avg)}`).join(' → ');
    const changes =
      t.changes
        .map(
          (c) =>
            `${c.kind} ${(c.relativeChange * 100).toFixed(1)} % at run ${c.at + 1}` +
            ` (${c.confidence === null ? '-' : `${(c.confidence * 100).toFixed(1)} %`} conf., ${c.evidenceBits.toFixed(1)} bits)` +
            (c.environmentChanged.length > 0 ? ` [environment changed: ${c.environmentChanged.join(', ')}]` : ''),
        )
        .join('; ') || 'none';
    const newest = t.newest
      ? `${f(t.points.at(-1)!.value)} ${t.newest.inside ? 'inside' : 'OUTSIDE'} ${f(t.newest.low)}–${f(t.newest.high)}`
      : '-';
    return [t.caseKey, `${m.label} (${m.unit})`, String(t.points.length), groups, changes, newest];
  });
  return formatColumns(
    ['case', 'metric', 'runs', 'groups (runs × mean)', 'changes', 'newest vs 95 % interval of earlier'],
    rows,
  );
}

/** Left-aligned columns, two spaces apart; the last column is not padded. */
export function formatColumns(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
