// Vega-Lite spec → SVG (vega's headless View, no browser, no canvas) → PNG (resvg).
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import * as vega from 'vega';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { fontTextWidth } from './text-width.js';

// Vega lays text out by the widths its textMetrics give (the typings leave it out): in Node,
// with no canvas, those of the font the files are drawn with, where it can be read.
const measured = fontTextWidth();
if (measured) (vega as unknown as { textMetrics: { width: typeof measured } }).textMetrics.width = measured;

/**
 * Text is drawn with the system's fonts (the specs ask for DejaVu Sans, which Debian's
 * fonts-dejavu-core ships).
 */
const FONT: ResvgRenderOptions['font'] = { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' };

/** White space kept around a figure's drawing, in SVG pixels. */
const MARGIN = 8;

/**
 * The figure as a standalone SVG document, cut to what it draws (resvg measures the drawing with
 * the real fonts; the SVG's size and viewBox are set to it): where vega's text widths are only
 * estimated, its canvas comes out wider than the drawing.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = compile(spec).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return trimToDrawing(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/** Vega's SVG head: its size, viewBox and the white background rectangle covering it. */
const HEAD =
  /^<svg ([^>]*?) width="[\d.]+" height="[\d.]+" viewBox="[^"]*"><rect width="[\d.]+" height="[\d.]+" fill="white"\/>/;

function trimToDrawing(svg: string): string {
  const head = HEAD.exec(svg);
  if (!head) return svg;
  const body = svg.slice(head[0].length);
  // The bounding box of what is drawn, without the backgrounds: the canvas's, and each group's
  // (a legend's is as wide as its estimated labels; a plot's frame lies under its axes anyway).
  const drawn = body.replace(/<path class="background"[^>]*\/>/g, '');
  const box = new Resvg(`<svg ${head[1]}>${drawn}`, { font: FONT }).getBBox();
  if (!box || box.width <= 0 || box.height <= 0) return svg;
  const x = Math.floor(box.x - MARGIN);
  const y = Math.floor(box.y - MARGIN);
  const w = Math.ceil(box.x + box.width + MARGIN) - x;
  const h = Math.ceil(box.y + box.height + MARGIN) - y;
  return `<svg ${head[1]} width="${w}" height="${h}" viewBox="${x} ${y} ${w} ${h}"><rect x="${x}" y="${y}" width="${w}" height="${h}" fill="white"/>${body}`;
}

/**
 * The SVG rasterised at `scale` × its size (2 = crisp on a high-density screen or in print;
 * at 100 % the axis labels are 24 px high).
 */
export function renderPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: 'white', font: FONT });
  return resvg.render().asPng();
}
