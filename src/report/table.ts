// The summary table printed at the end of a run: one row per case, its tuple and its figures.
import type { SummaryCase } from '../store/summary.js';
import { formatRate } from '../plan/expand.js';

export interface Column {
  header: string;
  align: 'left' | 'right';
  value(c: SummaryCase): string;
}

const num = (v: number | null | undefined, digits: number) => (v == null ? '-' : v.toFixed(digits));

/** The columns shared by the terminal table (and, later, the CSV and HTML exporters). */
export const SUMMARY_COLUMNS: Column[] = [
  { header: 'S', align: 'left', value: (c) => `${c.pairs}vs${c.pairs}` },
  { header: 'V', align: 'left', value: (c) => c.switch },
  { header: 'backend', align: 'left', value: (c) => c.backend },
  { header: 'P', align: 'right', value: (c) => String(c.packetSize) },
  { header: 'R pps', align: 'right', value: (c) => (c.rate === 'max' ? 'max' : formatRate(c.rate)) },
  { header: 'B', align: 'right', value: (c) => String(c.burst) },
  { header: 'rep', align: 'right', value: (c) => String(c.repetition) },
  { header: 'tx Mpps', align: 'right', value: (c) => num(c.throughput && c.throughput.txPps / 1e6, 3) },
  { header: 'rx Mpps', align: 'right', value: (c) => num(c.throughput && c.throughput.rxPps / 1e6, 3) },
  { header: 'rx Gbps', align: 'right', value: (c) => num(c.throughput?.rxGbps, 3) },
  { header: 'loss %', align: 'right', value: (c) => num(c.throughput && c.throughput.lossRatio * 100, 2) },
  { header: 'status', align: 'left', value: (c) => c.status + (c.cpuShared ? ' (cpu shared)' : '') + (c.error ? `: ${c.error}` : '') },
];

export function formatTable(cases: readonly SummaryCase[], columns: readonly Column[] = SUMMARY_COLUMNS): string {
  const cells = cases.map((c) => columns.map((col) => col.value(c)));
  // The last column (status, with its error) is not padded: it may be long.
  const widths = columns.map((col, i) => (i === columns.length - 1 ? 0 : Math.max(col.header.length, ...cells.map((r) => r[i]!.length))));
  const line = (row: string[]) => row.map((cell, i) => (columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}
