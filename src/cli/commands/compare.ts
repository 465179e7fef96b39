import { UsageError } from '../../common/errors.js';
import { analyzeDir } from '../../report/load.js';
import { existsSync, statSync } from 'node:fs';
import {
  compareRuns,
  compareWithHistory,
  DEFAULT_REGRESSION_THRESHOLD,
  type CaseComparison,
  type HistoryComparison,
} from '../../analysis/compare.js';
import { loadHistory, readRunDirs, seriesOf } from '../../store/history.js';
import { incomparableParts } from '../../testbed/fingerprint.js';
import { formatColumns } from './trend.js';

export interface CompareCommandOptions {
  /** Percent, as typed. */
  threshold?: string;
  failOnRegression?: boolean;
  json?: boolean;
}

export async function compareCommand(dirA: string, dirB: string, opts: CompareCommandOptions): Promise<number> {
  const thresholdPercent = opts.threshold === undefined ? DEFAULT_REGRESSION_THRESHOLD * 100 : Number(opts.threshold);
  if (!Number.isFinite(thresholdPercent) || thresholdPercent < 0 || thresholdPercent >= 100) {
    throw new UsageError(`Expected --threshold to be a percentage in [0, 100), got \`${opts.threshold}\``);
  }
  if (existsSync(dirA) && statSync(dirA).isFile())
    return compareWithHistoryCommand(dirA, dirB, thresholdPercent / 100, opts);
  const a = analyzeDir(dirA).data.summary;
  const b = analyzeDir(dirB).data.summary;
  const rows = compareRuns(a.cases, b.cases, { threshold: thresholdPercent / 100 });
  const regressions = rows.filter((r) => r.verdict === 'regression');
  const notComparable = incomparableParts(
    readRunDirs([dirA]).at(-1)!.fingerprint,
    readRunDirs([dirB]).at(-1)!.fingerprint,
  );
  if (opts.json) {
    // One object per case, as before the fingerprint; each carries the runs' comparability.
    const comparable = { comparable: notComparable.length === 0, notComparableBecause: notComparable };
    process.stdout.write(
      `${JSON.stringify(
        rows.map((r) => ({ ...toJson(r), ...comparable })),
        null,
        2,
      )}\n`,
    );
  } else {
    process.stdout.write(
      `A: ${dirA} (${a.run.name}, run ${a.run.id})\nB: ${dirB} (${b.run.name}, run ${b.run.id})\n\n`,
    );
    process.stdout.write(`${comparability(notComparable)}\n`);
    process.stdout.write(`${formatComparison(rows)}\n\n`);
    process.stdout.write(
      `${regressions.length} regression${regressions.length === 1 ? '' : 's'}, ${rows.filter((r) => r.verdict === 'improvement').length} improvement(s), ${rows.length} cases compared\n`,
    );
  }
  return opts.failOnRegression && regressions.length > 0 ? 1 : 0;
}

/** What the fingerprints say: comparable, or the parts that differ (the figures may differ for those reasons alone). */
function comparability(parts: readonly string[]): string {
  if (parts.length === 0)
    return 'the runs are comparable: same fingerprint parts (CPU, kernel, versions, isolation, plan settings)\n';
  return `NOT COMPARABLE: these differ, so a change below may be theirs, not the code's:\n  ${parts.join('\n  ')}\n`;
}

/** `compare HISTORY.sqlite B`: B's cases against the level of their history since its last change. */
function compareWithHistoryCommand(
  historyFile: string,
  dirB: string,
  threshold: number,
  opts: CompareCommandOptions,
): number {
  const runs = loadHistory({ dirs: [], db: historyFile });
  const b = analyzeDir(dirB).data.summary;
  const rows = compareWithHistory(seriesOf(runs), b.cases, { threshold });
  const regressions = rows.filter((r) => r.verdict === 'regression');
  const newest = runs.at(-1);
  const notComparable = newest ? incomparableParts(newest.fingerprint, readRunDirs([dirB]).at(-1)!.fingerprint) : [];
  if (opts.json) {
    const comparable = { comparable: notComparable.length === 0, notComparableBecause: notComparable };
    process.stdout.write(
      `${JSON.stringify(
        rows.map((r) => ({ ...r, ...comparable })),
        null,
        2,
      )}\n`,
    );
  } else {
    process.stdout.write(
      `baseline: history ${historyFile} (${runs.length} runs)\nB: ${dirB} (${b.run.name}, run ${b.run.id})\n\n`,
    );
    process.stdout.write(`${comparability(notComparable)}\n`);
    process.stdout.write(`${formatHistoryComparison(rows)}\n\n`);
    process.stdout.write(
      `${regressions.length} regression${regressions.length === 1 ? '' : 's'}, ${rows.filter((r) => r.verdict === 'improvement').length} improvement(s), ${rows.length} cases compared\n`,
    );
  }
  return opts.failOnRegression && regressions.length > 0 ? 1 : 0;
}

function formatHistoryComparison(rows: readonly HistoryComparison[]): string {
  const mpps = (v: number | null) => (v === null ? '-' : (v / 1e6).toFixed(4));
  return formatColumns(
    ['case', 'history runs', 'history rx Mpps', '95% interval', 'B rx Mpps', 'B/history', 'verdict'],
    rows.map((r) => [
      r.tupleKey,
      String(r.baselineRuns),
      mpps(r.baselineMean),
      r.low === null || r.high === null ? '-' : `${mpps(r.low)}–${mpps(r.high)}`,
      mpps(r.bRxPps),
      r.ratio === null ? '-' : r.ratio.toFixed(3),
      `${r.verdict === 'regression' ? 'REGRESSION' : r.verdict}: ${r.reason}`,
    ]),
  );
}

function toJson(r: CaseComparison) {
  return {
    case: r.tupleKey,
    verdict: r.verdict,
    reason: r.reason,
    aRxPps: r.a?.rxPps?.mean ?? null,
    bRxPps: r.b?.rxPps?.mean ?? null,
    aRepetitions: r.a?.rxPps?.n ?? 0,
    bRepetitions: r.b?.rxPps?.n ?? 0,
    ratio: r.ratio,
    ratioCiLow: r.ciLow,
    ratioCiHigh: r.ciHigh,
  };
}

function formatComparison(rows: readonly CaseComparison[]): string {
  const mpps = (v: number | null | undefined) => (v == null ? '-' : (v / 1e6).toFixed(4));
  const cells = rows.map((r) => [
    r.tupleKey,
    mpps(r.a?.rxPps?.mean),
    mpps(r.b?.rxPps?.mean),
    r.ratio === null ? '-' : r.ratio.toFixed(3),
    r.ciLow === null || r.ciHigh === null ? '-' : `${r.ciLow.toFixed(3)}–${r.ciHigh.toFixed(3)}`,
    `${r.verdict === 'regression' ? 'REGRESSION' : r.verdict}: ${r.reason}`,
  ]);
  const header = ['case', 'A rx Mpps', 'B rx Mpps', 'B/A', '95% CI', 'verdict'];
  const widths = header.map((h, i) =>
    i === header.length - 1 ? 0 : Math.max(h.length, ...cells.map((c) => c[i]!.length)),
  );
  const line = (row: string[]) =>
    row
      .map((c, i) => (i === 0 || i === row.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}
