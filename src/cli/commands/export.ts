import { writeFileSync } from 'node:fs';
import { UsageError } from '../../common/errors.js';
import { analyzeDir, resultsPath } from '../../report/load.js';
import { EXPORT_FORMATS, exportRows, type ExportFormat } from '../../report/export.js';
import { hdrExport } from '../../report/hdr-export.js';
import { readRunFile } from '../../store/run-data.js';

/** Beside the row formats: `hdr`, every latency histogram as an HdrHistogram log. */
const FORMATS = [...EXPORT_FORMATS, 'hdr'] as const;

export interface ExportCommandOptions {
  format: string;
  output?: string;
}

export async function exportCommand(dir: string, opts: ExportCommandOptions): Promise<number> {
  if (!(FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`Expected --format to be one of ${FORMATS.join(', ')}, got \`${opts.format}\``);
  }
  const text =
    opts.format === 'hdr'
      ? hdrExport(readRunFile(resultsPath(dir)))
      : exportRows(analyzeDir(dir).cases, opts.format as ExportFormat);
  if (opts.output === undefined || opts.output === '-') process.stdout.write(text);
  else writeFileSync(opts.output, text);
  return 0;
}
