// Text widths for vega in Node, measured from the font the files are drawn with. With no canvas,
// vega guesses 0.8 em a character (DejaVu Sans averages about 0.6), so every label, legend and
// axis title took a third more room than it needs: blank strips inside the exported figures
// (between Fig. 6's two panels, beside legends). resvg draws the text with DejaVu Sans, so its
// advance widths, read from the font file, are the widths the PNG will show.
import { readFileSync } from 'node:fs';

const FONTS = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
};

/** Advance width of each character, in em, for one font file. */
type Advances = (codePoint: number) => number;

/** The widths a TrueType font gives its characters (tables head, hhea, hmtx, cmap format 4). */
function readAdvances(path: string): Advances {
  const font = readFileSync(path);
  const tables = new Map<string, number>();
  for (let i = 0, n = font.readUInt16BE(4); i < n; i++) {
    const record = 12 + 16 * i;
    tables.set(font.toString('latin1', record, record + 4), font.readUInt32BE(record + 8));
  }
  const table = (tag: string) => tables.get(tag) ?? failRead(path, `no ${tag} table`);
  const unitsPerEm = font.readUInt16BE(table('head') + 18);
  const metrics = font.readUInt16BE(table('hhea') + 34);
  const hmtx = table('hmtx');
  const advance = (glyph: number) => font.readUInt16BE(hmtx + 4 * Math.min(glyph, metrics - 1)) / unitsPerEm;
  // The Unicode BMP subtable (Windows platform, encoding 1), format 4: segments of code points.
  const cmap = table('cmap');
  let sub = -1;
  for (let i = 0, n = font.readUInt16BE(cmap + 2); i < n; i++) {
    const record = cmap + 4 + 8 * i;
    if (font.readUInt16BE(record) === 3 && font.readUInt16BE(record + 2) === 1)
      sub = cmap + font.readUInt32BE(record + 4);
  }
  if (sub < 0 || font.readUInt16BE(sub) !== 4) failRead(path, 'no Unicode cmap of format 4');
  const segments = font.readUInt16BE(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  const glyphOf = (c: number): number => {
    for (let i = 0; i < segments; i++) {
      if (font.readUInt16BE(ends + 2 * i) < c) continue;
      const start = font.readUInt16BE(starts + 2 * i);
      if (start > c) return 0;
      const delta = font.readInt16BE(deltas + 2 * i);
      const rangeOffset = font.readUInt16BE(rangeOffsets + 2 * i);
      if (rangeOffset === 0) return (c + delta) & 0xffff;
      const glyph = font.readUInt16BE(rangeOffsets + 2 * i + rangeOffset + 2 * (c - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };
  const cache = new Map<number, number>();
  return (c) => {
    let w = cache.get(c);
    if (w === undefined) cache.set(c, (w = advance(glyphOf(c))));
    return w;
  };
}

function failRead(path: string, why: string): never {
  throw new Error(`${path}: ${why}`);
}

/** The parts of a vega text item that decide its width. */
interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
}

/**
 * `width(item, text)` in pixels for vega's textMetrics, or null when the fonts cannot be read
 * (then vega keeps its estimate). Kerning is left out: a pixel or two on a long label.
 */
export function fontTextWidth(): ((item: TextItem, text: unknown) => number) | null {
  let regular: Advances;
  let bold: Advances;
  try {
    regular = readAdvances(FONTS.regular);
    bold = readAdvances(FONTS.bold);
  } catch {
    return null;
  }
  return (item, text) => {
    const s = text == null ? '' : String(text).trim();
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const weight = item.fontWeight;
    const advances = weight === 'bold' || (typeof weight === 'number' && weight >= 600) ? bold : regular;
    let em = 0;
    for (const ch of s) em += advances(ch.codePointAt(0)!);
    return em * size;
  };
}
