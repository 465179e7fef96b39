import { writeFileSync } from 'node:fs';
import { UsageError } from '../../common/errors.js';
import { analyzeDir } from '../../report/load.js';
import { EXPORT_FORMATS, exportRows, type ExportFormat } from '../../report/export.js';

export interface ExportCommandOptions {
  format: string;
  output?: string;
}

export async function exportCommand(dir: string, opts: ExportCommandOptions): Promise<number> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(opts.format)) {
    throw new UsageError(`Expected --format to be one of ${EXPORT_FORMATS.join(', ')}, got \`${opts.format}\``);
  }
  const text = exportRows(analyzeDir(dir).cases, opts.format as ExportFormat);
  if (opts.output === undefined || opts.output === '-') process.stdout.write(text);
  else writeFileSync(opts.output, text);
  return 0;
}
