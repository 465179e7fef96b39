// `nfvperf history DIR… [--db FILE]`: many runs' figures per case. With --db, the runs read from
// the directories are added to that history database (created if missing); without DIRs, the
// database is read. Prints per case and metric: runs, mean, CV, range and the newest figure.
import { UsageError } from '../../common/errors.js';
import { coefficientOfVariation, mean } from '../../analysis/stats.js';
import { METRICS } from '../../analysis/trend.js';
import { HistoryDb, loadHistory, readRunDirs, seriesOf } from '../../store/history.js';
import { formatColumns } from './trend.js';

export interface HistoryCommandOptions {
  db?: string;
  json?: boolean;
}

export async function historyCommand(dirs: string[], opts: HistoryCommandOptions): Promise<number> {
  if (dirs.length === 0 && !opts.db)
    throw new UsageError('give run directories, a history database (--db FILE), or both');
  if (opts.db && dirs.length > 0) {
    const db = new HistoryDb(opts.db);
    try {
      const added = db.add(readRunDirs(dirs));
      process.stderr.write(`${opts.db}: ${added} run${added === 1 ? '' : 's'} added\n`);
    } finally {
      db.close();
    }
  }
  const runs = loadHistory({ dirs: opts.db ? [] : dirs, db: opts.db });
  const series = seriesOf(runs);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ runs: runs.map(({ figures: _, ...r }) => r), series }, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${runs.length} runs, ${runs[0]?.startedAt ?? '-'} … ${runs.at(-1)?.startedAt ?? '-'}\n\n`);
  const rows = series.map((s) => {
    const m = METRICS[s.metric];
    const values = s.points.map((p) => p.value * m.scale);
    const cv = coefficientOfVariation(values);
    return [
      s.caseKey,
      `${m.label} (${m.unit})`,
      String(values.length),
      (mean(values) ?? 0).toFixed(4),
      cv === null ? '-' : `${(cv * 100).toFixed(1)} %`,
      `${Math.min(...values).toFixed(4)}–${Math.max(...values).toFixed(4)}`,
      values.at(-1)!.toFixed(4),
    ];
  });
  process.stdout.write(`${formatColumns(['case', 'metric', 'runs', 'mean', 'CV', 'range', 'newest'], rows)}\n`);
  return 0;
}
