// The report of a run directory, built from <dir>/results.sqlite alone: report.html plus
// figures/<id>.svg and .png. Safe to call again: it regenerates everything it writes.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { RunAnalysis } from '../analysis/index.js';
import { analyzeDir } from './load.js';
import { buildFigures, type SkippedFigure } from './figures.js';
import { buildHtml } from './html.js';
import { renderPng, renderSvg } from './render.js';

export { analyzeDir };

export interface ReportFiles {
  /** Path of report.html. */
  html: string;
  /** Paths of the figure files written (SVG and PNG of each drawn figure). */
  figures: string[];
  /** Figures left out, with why. */
  skipped: SkippedFigure[];
}

/** `analysis`: what to report (default: the newest run in outDir/results.sqlite). */
export async function writeReport(outDir: string, analysis: RunAnalysis = analyzeDir(outDir)): Promise<ReportFiles> {
  const figureSet = buildFigures(analysis);
  const figuresDir = join(outDir, 'figures');
  mkdirSync(figuresDir, { recursive: true });

  const written: string[] = [];
  const figureFiles = new Map<string, { svg: string; png: string | null }>();
  for (const figure of figureSet.figures) {
    // The files carry the figure's title (the page shows it above the figure instead): a PNG
    // opened on its own, or pasted into a document, says what it is.
    const svg = await renderSvg({ ...figure.spec, title: figure.title } as TopLevelSpec);
    const svgPath = join(figuresDir, `${figure.id}.svg`);
    const pngPath = join(figuresDir, `${figure.id}.png`);
    writeAtomically(svgPath, svg);
    writeAtomically(pngPath, renderPng(svg));
    written.push(svgPath, pngPath);
    figureFiles.set(figure.id, { svg: relative(outDir, svgPath), png: relative(outDir, pngPath) });
  }
  // A figure drawn by an earlier report of this directory but left out now must not linger.
  for (const s of figureSet.skipped) {
    for (const ext of ['svg', 'png']) rmSync(join(figuresDir, `${s.figure}.${ext}`), { force: true });
  }
  // Search traces are numbered per search case: a run with fewer of them now leaves higher numbers behind.
  for (const name of readdirSync(figuresDir)) {
    const m = /^(search\d+)\.(svg|png)$/.exec(name);
    if (m && !figureFiles.has(m[1]!)) rmSync(join(figuresDir, name), { force: true });
  }

  const htmlPath = join(outDir, 'report.html');
  writeAtomically(htmlPath, buildHtml({ analysis, figures: figureSet, figureFiles }));
  return { html: htmlPath, figures: written, skipped: figureSet.skipped };
}

/** Write beside, then rename: a reader (a browser reloading) never sees half a file. */
function writeAtomically(path: string, data: string | Buffer): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
