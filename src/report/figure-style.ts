// The look every figure shares (figures.ts, latency-figures.ts, search-figure.ts), in the report
// page and in the SVG/PNG files alike.
export const WIDTH = 480;
export const HEIGHT = 300;
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * The font is one Debian's fonts-dejavu-core ships (resvg draws the PNG text with it). Text is a
 * size or two above vega's defaults (10-11 px), so a PNG shrunk to a page's column stays
 * readable. Labels are not cut short: series names ("linux-bridge · udp-mmsg · 1500 B") are what
 * tell the lines apart.
 */
export const CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  background: 'white',
  axis: { labelLimit: 400, labelFontSize: 12, titleFontSize: 13 },
  legend: { labelLimit: 400, labelFontSize: 12, titleFontSize: 13, symbolSize: 120 },
  title: { fontSize: 15, anchor: 'start' as const, offset: 12 },
};

/**
 * A quantitative scale for values that may span orders of magnitude: logarithmic once the largest
 * is at least ten times the smallest (on a linear axis the small ones would lie flat on the floor),
 * linear otherwise; `logarithmic` says which, for the axis title.
 */
export function spanScale(values: readonly number[]): {
  scale: { type: 'log' } | { zero: boolean };
  logarithmic: boolean;
} {
  const positive = values.filter((v) => v > 0);
  const logarithmic =
    positive.length === values.length && positive.length > 0 && Math.max(...positive) >= 10 * Math.min(...positive);
  return { scale: logarithmic ? { type: 'log' } : { zero: true }, logarithmic };
}
