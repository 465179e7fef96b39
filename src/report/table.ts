// The summary table printed at the end of a run: one row per case, its tuple and its figures.
// The same column list feeds the CSV, JSON and HTML exporters (src/report/columns.ts), so the
// terminal, the files and the report cannot drift apart.
import type { SummaryCase } from '../store/summary.js';
import { formatRate, shapeLabel } from '../plan/expand.js';

/** A value as exporters write it: numbers unrounded in the unit the key names, null when missing. */
export type Cell = string | number | boolean | null;

/**
 * What a column is about; the HTML table draws one header over each group's columns (in this
 * order), the files ignore it.
 */
export const COLUMN_GROUPS = ['case', 'throughput', 'loss', 'latency', 'CPU', 'outcome'] as const;
export type ColumnGroup = (typeof COLUMN_GROUPS)[number];

export interface Column<Row = SummaryCase> {
  /** Machine name (CSV header, JSON key), carrying the unit: `rxMpps`, `lossPercent`. */
  key: string;
  group: ColumnGroup;
  /** Human header (terminal, HTML). */
  header: string;
  align: 'left' | 'right';
  /** Formatted for reading: rounded, '-' when missing. */
  value(row: Row): string;
  /** The value itself, for files and sorting. */
  raw(row: Row): Cell;
  /** Shown in the terminal table too (default true); exporters show every column. */
  terminal?: boolean;
}

const num = (v: number | null | undefined, digits: number) => (v == null ? '-' : v.toFixed(digits));
const orNull = (v: number | null | undefined) => (v == null ? null : v);

/** The columns shared by the terminal table and the CSV, JSON and HTML exporters. */
export const SUMMARY_COLUMNS: Column[] = [
  { key: 'case', group: 'case', header: 'case', align: 'left', terminal: false, value: (c) => c.id, raw: (c) => c.id },
  // S with its layout: `2vs2` (pairs), `2tester`, `1chain3` (a chain of three forwarders).
  { key: 'pairs', group: 'case', header: 'S', align: 'left', value: (c) => shapeLabel(c), raw: (c) => c.pairs },
  // The layout in fields of its own for files: pairs (the paper's), tester, chain; null where it does not apply.
  {
    key: 'layout',
    group: 'case',
    header: 'layout',
    align: 'left',
    terminal: false,
    value: (c) => c.layout ?? 'pairs',
    raw: (c) => c.layout ?? 'pairs',
  },
  {
    key: 'chainLength',
    group: 'case',
    header: 'chain length',
    align: 'right',
    terminal: false,
    value: (c) => num(c.chainLength, 0),
    raw: (c) => orNull(c.chainLength),
  },
  {
    key: 'chains',
    group: 'case',
    header: 'chains',
    align: 'right',
    terminal: false,
    value: (c) => num(c.chains, 0),
    raw: (c) => orNull(c.chains),
  },
  { key: 'switch', group: 'case', header: 'V', align: 'left', value: (c) => c.switch, raw: (c) => c.switch },
  { key: 'backend', group: 'case', header: 'backend', align: 'left', value: (c) => c.backend, raw: (c) => c.backend },
  {
    key: 'packetSizeBytes',
    group: 'case',
    header: 'P',
    align: 'right',
    value: (c) => c.sizeMix?.label ?? String(c.packetSize),
    raw: (c) => c.packetSize,
  },
  {
    key: 'flows',
    group: 'case',
    header: 'flows',
    align: 'right',
    value: (c) => ((c.flows ?? 1) > 1 ? String(c.flows) : '-'),
    raw: (c) => c.flows ?? 1,
  },
  // "max" (unpaced) and "search" are kept as strings: a number would claim a rate never asked for.
  {
    key: 'ratePps',
    group: 'case',
    header: 'R pps',
    align: 'right',
    value: (c) => (typeof c.rate === 'number' ? formatRate(c.rate) : c.rate),
    raw: (c) => c.rate,
  },
  {
    key: 'burstPackets',
    group: 'case',
    header: 'B',
    align: 'right',
    value: (c) => String(c.burst),
    raw: (c) => c.burst,
  },
  {
    key: 'repetition',
    group: 'case',
    header: 'rep',
    align: 'right',
    value: (c) => String(c.repetition),
    raw: (c) => c.repetition,
  },
  {
    key: 'txMpps',
    group: 'throughput',
    header: 'tx Mpps',
    align: 'right',
    value: (c) => num(c.throughput && c.throughput.txPps / 1e6, 3),
    raw: (c) => orNull(c.throughput && c.throughput.txPps / 1e6),
  },
  {
    key: 'rxMpps',
    group: 'throughput',
    header: 'rx Mpps',
    align: 'right',
    value: (c) => num(c.throughput && c.throughput.rxPps / 1e6, 3),
    raw: (c) => orNull(c.throughput && c.throughput.rxPps / 1e6),
  },
  {
    key: 'rxGbps',
    group: 'throughput',
    header: 'rx Gbps',
    align: 'right',
    value: (c) => num(c.throughput?.rxGbps, 3),
    raw: (c) => orNull(c.throughput?.rxGbps),
  },
  // The generator's shortfall beside the path's loss, never added to it: a sender that fell short of R is not a lossy path.
  {
    key: 'shortfallPercent',
    group: 'loss',
    header: 'short %',
    align: 'right',
    value: (c) => num(c.throughput?.shortfallRatio != null ? c.throughput.shortfallRatio * 100 : null, 2),
    raw: (c) => orNull(c.throughput?.shortfallRatio != null ? c.throughput.shortfallRatio * 100 : null),
  },
  {
    key: 'lossPercent',
    group: 'loss',
    header: 'loss %',
    align: 'right',
    value: (c) => num(c.throughput && c.throughput.lossRatio * 100, 2),
    raw: (c) => orNull(c.throughput && c.throughput.lossRatio * 100),
  },
  // Search cases: the lower bound of the common goals (NDR: loss 0, PDR: CSIT's 0.5 %), packets/s per sender.
  {
    key: 'ndrLowerPps',
    group: 'throughput',
    header: 'NDR pps',
    align: 'right',
    terminal: false,
    value: (c) => num(c.search?.ndr?.lowerBound, 0),
    raw: (c) => orNull(c.search?.ndr?.lowerBound),
  },
  {
    key: 'pdrLowerPps',
    group: 'throughput',
    header: 'PDR pps',
    align: 'right',
    terminal: false,
    value: (c) => num(c.search?.pdr?.lowerBound, 0),
    raw: (c) => orNull(c.search?.pdr?.lowerBound),
  },
  {
    key: 'unsentPackets',
    group: 'loss',
    header: 'unsent',
    align: 'right',
    terminal: false,
    value: (c) => num(c.throughput?.unsentPackets, 0),
    raw: (c) => orNull(c.throughput?.unsentPackets),
  },
  {
    key: 'steadySeconds',
    group: 'throughput',
    header: 'steady s',
    align: 'right',
    terminal: false,
    value: (c) => num(c.throughput?.steadySeconds, 0),
    raw: (c) => orNull(c.throughput?.steadySeconds),
  },
  {
    key: 'rttAvgUs',
    group: 'latency',
    header: 'RTT avg µs',
    align: 'right',
    terminal: false,
    value: (c) => num(c.latency?.avgUs, 2),
    raw: (c) => orNull(c.latency?.avgUs),
  },
  {
    key: 'rttP50Us',
    group: 'latency',
    header: 'RTT p50 µs',
    align: 'right',
    value: (c) => num(c.latency?.p50Us, 1),
    raw: (c) => orNull(c.latency?.p50Us),
  },
  {
    key: 'rttP99Us',
    group: 'latency',
    header: 'RTT p99 µs',
    align: 'right',
    value: (c) => num(c.latency?.p99Us, 1),
    raw: (c) => orNull(c.latency?.p99Us),
  },
  {
    key: 'rttP999Us',
    group: 'latency',
    header: 'RTT p99.9 µs',
    align: 'right',
    value: (c) => num(c.latency?.p999Us, 1),
    raw: (c) => orNull(c.latency?.p999Us),
  },
  {
    key: 'cpuShared',
    group: 'CPU',
    header: 'cpu shared',
    align: 'left',
    terminal: false,
    value: (c) => (c.cpuShared ? 'yes' : 'no'),
    raw: (c) => c.cpuShared,
  },
  {
    key: 'status',
    group: 'outcome',
    header: 'status',
    align: 'left',
    value: (c) => c.status + (c.cpuShared ? ' (cpu shared)' : '') + (c.error ? `: ${c.error}` : ''),
    raw: (c) => c.status,
  },
  {
    key: 'error',
    group: 'outcome',
    header: 'error',
    align: 'left',
    terminal: false,
    value: (c) => c.error ?? '',
    raw: (c) => c.error ?? null,
  },
];

export function formatTable(cases: readonly SummaryCase[], given?: readonly Column[]): string {
  // The terminal shows only columns with a value in some row: a throughput run has no RTT
  // columns, a latency run no Mpps ones.
  const columns =
    given ?? SUMMARY_COLUMNS.filter((col) => col.terminal !== false && cases.some((c) => col.value(c) !== '-'));
  const cells = cases.map((c) => columns.map((col) => col.value(c)));
  // The last column (status, with its error) is not padded: it may be long.
  const widths = columns.map((col, i) =>
    i === columns.length - 1 ? 0 : Math.max(col.header.length, ...cells.map((r) => r[i]!.length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, i) => (columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}
