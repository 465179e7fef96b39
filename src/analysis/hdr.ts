// HdrHistogram's V2 encoding and log format, so that `hdrhistogram` tools (HistogramLogProcessor,
// HdrHistogram.js, hdrhistogram for Python) read nfvperf's latency histograms as their own.
//
// The app's buckets are exactly an HdrHistogram with lowestDiscernibleValue 1 and 2 significant
// digits: subBucketCount = 2^ceil(log2(2·10^2)) = 256, so values below 256 ns have their own
// count and each power of two [2^k, 2^(k+1)) above has 128 counts of width 2^(k−7); the counts
// index of a value, (msb − 7)·128 + (v >> (msb − 7)), is the app's nfp_hist_index. Nothing is
// rounded on the way in or out.
//
// V2 encoding (HdrHistogram AbstractHistogram.encodeIntoByteBuffer, big-endian):
//   int32 cookie 0x1c849313 (V2, word size 8) | int32 payload bytes | int32 normalizingIndexOffset (0)
//   | int32 significant digits (2) | int64 lowestDiscernibleValue (1) | int64 highestTrackableValue
//   | float64 integerToDoubleValueConversionRatio (1.0) | payload
// payload: the counts from index 0 to the highest non-empty one, each ZigZag-LEB128 encoded, a run
// of k ≥ 2 zero counts written as −k. Compressed: int32 cookie 0x1c849314 | int32 length | the
// whole encoding deflated (zlib). The log format (HistogramLogWriter, "1.3"): comment lines, a
// header line, then per interval `[Tag=T,]start,length,max,base64(compressed encoding)`.
import { deflateSync, inflateSync } from 'node:zlib';
import { bucketLowNs, bucketWidthNs, HIST_MAX_NS, SUB_BUCKETS, type Histogram, mergeHistograms } from './histogram.js';

const V2_COOKIE = 0x1c849313;
const V2_COMPRESSED_COOKIE = 0x1c849314;
const HEADER_BYTES = 40;
const SIGNIFICANT_DIGITS = 2;

/** Counts index of a bucket's lower bound (the app's nfp_hist_index). */
function countsIndex(lowNs: number): number {
  if (lowNs < 2 * SUB_BUCKETS) return lowNs;
  const e = Math.floor(Math.log2(lowNs)) - Math.log2(SUB_BUCKETS);
  return e * SUB_BUCKETS + lowNs / 2 ** e;
}

/** Lower bound of counts index i (the app's nfp_hist_low). */
function lowOfIndex(i: number): number {
  if (i < 2 * SUB_BUCKETS) return i;
  const e = Math.floor(i / SUB_BUCKETS) - 1;
  return (i - e * SUB_BUCKETS) * 2 ** e;
}

/** ZigZag + LEB128 as HdrHistogram's ZigZagEncoding.putLong (up to 9 bytes; counts stay far below 2^53). */
function putZigZag(out: number[], v: number): void {
  let z = v >= 0 ? 2 * v : -2 * v - 1;
  for (let i = 0; i < 8; i++) {
    const low = z % 128;
    z = Math.floor(z / 128);
    if (z === 0) {
      out.push(low);
      return;
    }
    out.push(low | 0x80);
  }
  out.push(z & 0xff); // the 9th byte carries 8 bits
}

function getZigZag(buf: Buffer, pos: { at: number }): number {
  let z = 0;
  let scale = 1;
  for (let i = 0; i < 9; i++) {
    const b = buf[pos.at++];
    if (b === undefined) throw new Error('HdrHistogram payload ends inside a count');
    if (i === 8) {
      z += b * scale;
      break;
    }
    z += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) break;
  }
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

/** The V2 encoding of a histogram, uncompressed. */
export function encodeV2(h: Histogram): Buffer {
  const payload: number[] = [];
  let next = 0;
  for (const [low, n] of h.buckets) {
    if (low > HIST_MAX_NS || bucketLowNs(low) !== low) throw new Error(`${low} ns is not a bucket's lower bound`);
    const i = countsIndex(low);
    const zeros = i - next;
    if (zeros === 1) putZigZag(payload, 0);
    else if (zeros > 1) putZigZag(payload, -zeros);
    putZigZag(payload, n);
    next = i + 1;
  }
  const buf = Buffer.alloc(HEADER_BYTES + payload.length);
  buf.writeInt32BE(V2_COOKIE, 0);
  buf.writeInt32BE(payload.length, 4);
  buf.writeInt32BE(0, 8);
  buf.writeInt32BE(SIGNIFICANT_DIGITS, 12);
  buf.writeBigInt64BE(1n, 16);
  buf.writeBigInt64BE(BigInt(HIST_MAX_NS), 24);
  buf.writeDoubleBE(1.0, 32);
  Buffer.from(payload).copy(buf, HEADER_BYTES);
  return buf;
}

/** The compressed V2 encoding: what the log format base64-encodes, and what the database stores. */
export function encodeV2Compressed(h: Histogram): Buffer {
  const deflated = deflateSync(encodeV2(h));
  const buf = Buffer.alloc(8 + deflated.length);
  buf.writeInt32BE(V2_COMPRESSED_COOKIE, 0);
  buf.writeInt32BE(deflated.length, 4);
  deflated.copy(buf, 8);
  return buf;
}

/** Reads a V2 encoding, compressed or not, of a histogram with the app's layout. */
export function decodeV2(buf: Buffer): Histogram {
  const cookie = buf.readInt32BE(0);
  if (cookie === V2_COMPRESSED_COOKIE) return decodeV2(inflateSync(buf.subarray(8, 8 + buf.readInt32BE(4))));
  if (cookie !== V2_COOKIE) throw new Error(`not an HdrHistogram V2 encoding (cookie 0x${cookie.toString(16)})`);
  const payloadBytes = buf.readInt32BE(4);
  if (buf.readInt32BE(8) !== 0) throw new Error('HdrHistogram with a normalizing index offset: not supported');
  const digits = buf.readInt32BE(12);
  const lowest = buf.readBigInt64BE(16);
  if (digits !== SIGNIFICANT_DIGITS || lowest !== 1n)
    throw new Error(`HdrHistogram with ${digits} significant digits from ${lowest}: expected nfvperf's 2 from 1`);
  const end = HEADER_BYTES + payloadBytes;
  const pos = { at: HEADER_BYTES };
  const buckets: [number, number][] = [];
  let i = 0;
  while (pos.at < end) {
    const v = getZigZag(buf, pos);
    if (v < 0) i += -v;
    else {
      if (v > 0) buckets.push([lowOfIndex(i), v]);
      i++;
    }
  }
  return mergeHistograms([{ buckets }]);
}

/** One interval of a histogram log. */
export interface LogInterval {
  /** Tag=… (no commas or whitespace); absent for untagged lines. */
  tag?: string;
  /** Seconds since the log's base time, and the interval's length. */
  startS: number;
  lengthS: number;
  histogram: Histogram;
}

/**
 * A histogram log in HdrHistogram's format (HistogramLogWriter): every interval as one line;
 * Interval_Max in ms (the writer's default unit ratio 10^6 for ns values: the highest bucket's
 * upper end, as HdrHistogram's getMaxValue gives it).
 */
export function hdrLog(intervals: readonly LogInterval[], comments: readonly string[] = []): string {
  const lines = [
    ...comments.map((c) => `#${c}`),
    '#[Histogram log format version 1.3]',
    '#[StartTime: 0.000 (seconds since epoch)]',
    '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"',
  ];
  for (const i of intervals) {
    if (i.tag !== undefined && !/^[^\s,]+$/.test(i.tag))
      throw new Error(`a log tag cannot hold commas or spaces: ${i.tag}`);
    const top = i.histogram.buckets.at(-1);
    const maxNs = top ? top[0] + bucketWidthNs(top[0]) - 1 : 0;
    lines.push(
      `${i.tag !== undefined ? `Tag=${i.tag},` : ''}${i.startS.toFixed(3)},${i.lengthS.toFixed(3)},${(maxNs / 1e6).toFixed(3)},${encodeV2Compressed(i.histogram).toString('base64')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The intervals of a log hdrLog wrote (tests; other writers' logs with the same layout too). */
export function parseHdrLog(text: string): LogInterval[] {
  const out: LogInterval[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('"')) continue;
    const m = /^(?:Tag=([^,]*),)?([\d.]+),([\d.]+),([\d.]+),(\S+)$/.exec(line);
    if (!m) throw new Error(`not a histogram log line: ${line.slice(0, 80)}`);
    out.push({
      ...(m[1] !== undefined ? { tag: m[1] } : {}),
      startS: Number(m[2]),
      lengthS: Number(m[3]),
      histogram: decodeV2(Buffer.from(m[5]!, 'base64')),
    });
  }
  return out;
}
