// The exported figure files: text laid out by the widths of the font resvg draws with, the SVG cut
// to its drawing, the title carried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import { fontTextWidth } from '../../src/report/text-width.js';
import { renderPng, renderSvg } from '../../src/report/render.js';
import { lineChart } from '../../src/report/figures.js';

/** The width resvg draws `text` with (ink, so a pixel or two under the advance width). */
function drawnWidth(text: string, size: number, weight: 'normal' | 'bold'): number {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="100"><text x="10" y="50" font-family="DejaVu Sans" font-size="${size}" font-weight="${weight}">${text}</text></svg>`;
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).getBBox()!.width;
}

test("text widths are the font's: within 3 px of what resvg draws, regular and bold", () => {
  const width = fontTextWidth();
  assert.ok(width, 'DejaVu Sans is readable (fonts-dejavu-core)');
  for (const [text, size, weight] of [
    ['linux-bridge · udp-mmsg · 1500 B', 12, 'normal'],
    ['maximum total received (Mpps), 64 B', 13, 'bold'],
    ['WWW iii 0.000', 12, 'normal'],
  ] as const) {
    const mine = width({ fontSize: size, fontWeight: weight }, text);
    const drawn = drawnWidth(text, size, weight);
    assert.ok(Math.abs(mine - drawn) <= 3, `${text}: ${mine.toFixed(1)} px vs drawn ${drawn.toFixed(1)} px`);
    // vega's own guess without a canvas, 0.8 em a character, is far off for any of these.
    assert.ok(Math.abs(0.8 * text.length * size - drawn) > 10);
  }
});

test('a figure file: its title, cut to its drawing with a margin, the PNG twice its size', async () => {
  const spec = {
    ...lineChart(
      [
        { x: 1, y: 1, series: 'a long series name that vega would have guessed far too wide' },
        { x: 2, y: 3, series: 'a long series name that vega would have guessed far too wide' },
      ],
      {
        x: { field: 'x', type: 'quantitative' },
        y: { field: 'y', type: 'quantitative' },
        color: { field: 'series', type: 'nominal' },
      },
    ),
    title: 'Fig. 0 — a test',
  } as TopLevelSpec;
  const svg = await renderSvg(spec);
  assert.match(svg, />Fig\. 0 — a test<\/text>/);
  const [, w, h, viewBox] = /^<svg [^>]*width="(\d+)" height="(\d+)" viewBox="([^"]+)"/.exec(svg)!;
  const box = new Resvg(svg.replace(/<rect [^>]*fill="white"\/>/, ''), {
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).getBBox()!;
  const [x, y] = viewBox!.split(' ').map(Number);
  for (const [edge, gap] of [
    ['left', box.x - x!],
    ['top', box.y - y!],
    ['right', x! + Number(w) - (box.x + box.width)],
    ['bottom', y! + Number(h) - (box.y + box.height)],
  ] as const)
    assert.ok(gap >= 4 && gap <= 12, `${edge} margin ${gap.toFixed(1)} px`);
  const png = renderPng(svg);
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [2 * Number(w), 2 * Number(h)]);
});
