// Reading a run directory for the report, export and compare commands. Kept apart from
// index.ts so that export and compare do not load vega and resvg, which they never use.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { UsageError } from '../common/errors.js';
import { analyzeRun, type RunAnalysis } from '../analysis/index.js';
import { loadRun } from '../analysis/dataset.js';
import { READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION, schemaVersionOf } from '../store/db.js';

/** Opens <dir>/results.sqlite read-only and analyses its newest run. */
export function analyzeDir(dir: string): RunAnalysis {
  const path = join(dir, 'results.sqlite');
  if (!existsSync(path)) throw new UsageError(`no results in ${dir}: ${path} does not exist (give the --out directory of a run)`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    // A database of another schema would fail on some missing column deep in a query; say why instead.
    const version = schemaVersionOf(db);
    if (version === undefined || !READABLE_SCHEMA_VERSIONS.includes(version)) {
      throw new UsageError(`${path} holds results schema ${version ?? 'unknown'}; this nfvperf reads schema ${SCHEMA_VERSION} (re-run the plan with this version)`);
    }
    return analyzeRun(loadRun(db));
  } finally {
    db.close();
  }
}
