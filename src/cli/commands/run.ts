// The plan is loaded before the runner and the report are imported: a refused plan (exit 2) is
// judged without loading them (a third of a second of start-up, most of a hostile file's budget).
import { requireAppBuilt } from '../../apps/app.js';
import { UsageError } from '../../common/errors.js';
import { formatTuple, shapeLabel } from '../../plan/expand.js';
import { loadPlanFile } from '../../plan/load.js';
import { generatorLimitedWords } from '../../analysis/warnings.js';
import type { SummaryCase } from '../../store/summary.js';

export interface RunCommandOptions {
  out?: string;
  dryRun?: boolean;
  resume?: boolean;
  plain?: boolean;
  skipUnavailable?: boolean;
  cpufreqPerformance?: boolean;
  strict?: boolean;
  /** As typed. */
  jitterMs?: string;
}

export async function runCommand(planFile: string, opts: RunCommandOptions): Promise<number> {
  const loaded = await loadPlanFile(planFile);
  if (opts.resume && !opts.out) throw new UsageError('--resume needs --out DIR: the run to continue');
  const jitterMs = opts.jitterMs === undefined ? undefined : Number(opts.jitterMs);
  if (jitterMs !== undefined && (!Number.isInteger(jitterMs) || jitterMs < 0 || jitterMs > 600_000)) {
    throw new UsageError(`Expected --jitter-ms to be an integer in [0, 600000], got \`${opts.jitterMs}\``);
  }
  const outDir =
    opts.out ?? `results/${loaded.plan.name}-${new Date().toISOString().replace(/[:.]/g, '').slice(0, 15)}`;
  requireAppBuilt();
  const { preflight, runPlan } = await import('../../runner/run.js');
  if (opts.dryRun) {
    const { cases, skipReason } = await preflight(loaded, {
      outDir,
      dryRun: true,
      skipUnavailable: opts.skipUnavailable,
    });
    process.stdout.write(`${cases.length} cases (D, L, S, V, P, R, B) backend repetition:\n`);
    for (const c of cases) {
      const skip = skipReason(c);
      process.stdout.write(
        `${String(c.index + 1).padStart(4)}  ${formatTuple(c)}  ${c.backend}  r${c.repetition}${skip ? `  skipped: ${skip}` : ''}\n`,
      );
    }
    return 0;
  }
  const result = await runPlan(loaded, {
    outDir,
    resume: opts.resume,
    plain: opts.plain || !process.stderr.isTTY,
    skipUnavailable: opts.skipUnavailable,
    cpufreqPerformance: opts.cpufreqPerformance,
    strict: opts.strict,
    jitterMs,
  });
  const [{ writeReport }, { formatTable }] = await Promise.all([
    import('../../report/index.js'),
    import('../../report/table.js'),
  ]);
  process.stdout.write(`\n${formatTable(result.summary.cases)}\n\n`);
  const searches = result.summary.cases.filter((c) => c.search);
  if (searches.length > 0) process.stdout.write(`${formatSearches(searches)}\n\n`);
  process.stdout.write(`results: ${result.outDir}/results.sqlite, ${result.outDir}/summary.json\n`);
  try {
    const report = await writeReport(result.outDir);
    process.stdout.write(
      `report:  ${report.html} (${report.figures.length / 2} figures; ${report.skipped.length} left out, see the report)\n`,
    );
  } catch (e: unknown) {
    // The measurements are stored either way; `nfvperf report DIR` can draw them again.
    process.stderr.write(
      `nfvperf: the report could not be drawn (${e instanceof Error ? e.message : String(e)}); ` +
        `the results are stored: try \`nfvperf report ${result.outDir}\`\n`,
    );
  }
  const failed = result.summary.cases.filter((c) => c.status === 'failed').length;
  if (failed > 0) process.stdout.write(`${failed} of ${result.summary.cases.length} cases failed (reasons above)\n`);
  const skipped = result.summary.cases.filter((c) => c.status === 'skipped').length;
  if (skipped > 0)
    process.stdout.write(
      `${skipped} of ${result.summary.cases.length} cases skipped: unavailable here (--skip-unavailable; reasons above)\n`,
    );
  if (result.interrupted) return result.interrupted === 'SIGINT' ? 130 : 143;
  return failed > 0 ? 1 : 0;
}

/**
 * How the goal's failed trials split between the path's loss and the generator's shortfall, and
 * where its lower bound lies against the highest load the generator held.
 */
function generatorNote(g: NonNullable<SummaryCase['search']>[string]): string {
  const parts: string[] = [];
  if (g.failedTrials) {
    const f = g.failedTrials;
    const split = (n: number, causes: [number, string][]) =>
      n === 0 || causes.every(([k]) => k === 0)
        ? ''
        : ` (${causes
            .filter(([k]) => k > 0)
            .map(([k, what]) => `${k} ${what}`)
            .join(', ')})`;
    parts.push(
      `failed trials: ${f.pathLoss} on path loss${split(f.pathLoss, [[f.byVerdict['path-refused'], "refused by the switch's ring"]])}, ` +
        `${f.generatorShortfall} on generator shortfall${split(f.generatorShortfall, [
          [f.byVerdict['sender-behind'], 'sender behind its schedule'],
          [f.byVerdict['sender-refused'], "refused by the sender's own port"],
        ])}`,
    );
  }
  if (g.generatorAccuratePps != null) {
    parts.push(
      `generator accurate up to ${(g.generatorAccuratePps / 1e3).toFixed(1)}k` +
        (g.lowerBoundToGeneratorRatio != null ? ` (bound = ${g.lowerBoundToGeneratorRatio.toFixed(2)} × that)` : ''),
    );
  } else if (g.failedTrials) {
    // Stored with the verdicts (schema 5 on): no load at which the generator held its rate.
    parts.push('generator short of the rate at every load measured');
  }
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/** One line per search goal: the bracket found and the conditional throughput, per sender. */
function formatSearches(cases: readonly SummaryCase[]): string {
  const kpps = (v: number | null) => (v === null ? '-' : `${(v / 1e3).toFixed(1)}k`);
  const lines = ['search results (packets/s per sender):'];
  for (const c of cases) {
    for (const [goal, g] of Object.entries(c.search ?? {})) {
      lines.push(
        `  ${shapeLabel(c)} ${c.switch} ${c.backend} ${c.packetSize}B b${c.burst} r${c.repetition}  ${goal}: ` +
          `[${kpps(g.lowerBound)}, ${kpps(g.upperBound)}] conditional ${kpps(g.conditionalThroughput)}, ${g.trials} trials, ${g.status}` +
          (g.generatorLimited ? ` — ${generatorLimitedWords(c)}` : '') +
          generatorNote(g),
      );
    }
  }
  return lines.join('\n');
}
