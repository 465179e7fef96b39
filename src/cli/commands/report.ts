import { basename } from 'node:path';
import { writeReport } from '../../report/index.js';

export async function reportCommand(dir: string): Promise<number> {
  const report = await writeReport(dir);
  const drawn = report.figures.filter((f) => f.endsWith('.svg')).map((f) => basename(f, '.svg'));
  process.stdout.write(`report: ${report.html}\n`);
  process.stdout.write(
    `figures: ${drawn.length === 0 ? 'none' : `${drawn.join(', ')} (${dir}/figures/*.svg, *.png)`}\n`,
  );
  for (const s of report.skipped) process.stdout.write(`left out ${s.figure}: ${s.reason}\n`);
  return 0;
}
