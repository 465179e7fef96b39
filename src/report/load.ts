// Reading a run directory for the report, export and compare commands. Kept apart from
// index.ts so that export and compare do not load vega and resvg, which they never use.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../common/errors.js';
import { analyzeRun, type RunAnalysis } from '../analysis/index.js';
import { readRunFile } from '../store/run-data.js';

/** Opens <dir>/results.sqlite read-only and analyses its newest run. */
export function analyzeDir(dir: string): RunAnalysis {
  return analyzeRun(readRunFile(resultsPath(dir)));
}

/** <dir>/results.sqlite, which must exist. */
export function resultsPath(dir: string): string {
  const path = join(dir, 'results.sqlite');
  if (!existsSync(path))
    throw new UsageError(`no results in ${dir}: ${path} does not exist (give the --out directory of a run)`);
  return path;
}
