// Vega-Lite spec → SVG (vega's headless View, no browser, no canvas) → PNG (resvg).
import { Resvg } from '@resvg/resvg-js';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** The figure as a standalone SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vegaSpec = compile(spec).spec;
  const view = new View(parse(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The SVG rasterised at `scale` × its size (2 = crisp on a high-density screen or in print).
 * Text is drawn with the system's fonts (the specs ask for DejaVu Sans, which Debian's
 * fonts-dejavu-core ships); vega, with no canvas in Node, only estimated the label widths.
 */
export function renderPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
