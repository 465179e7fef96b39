// The one column list of the exporters (CSV, JSON, the HTML table): the summary columns of the
// terminal table, then what the analysis adds per case.
import type { CaseAnalysis } from '../analysis/index.js';
import { SUMMARY_COLUMNS, type Column } from './table.js';

export type ReportRow = CaseAnalysis;

const num = (v: number | null | undefined, digits: number) => (v == null ? '-' : v.toFixed(digits));
const orNull = (v: number | null | undefined) => (v == null ? null : v);

const ANALYSIS_COLUMNS: Column<ReportRow>[] = [
  { key: 'rxCvPercent', header: 'rx CV %', align: 'right', value: (r) => num(r.variation?.rx.cv != null ? r.variation.rx.cv * 100 : null, 1), raw: (r) => orNull(r.variation?.rx.cv != null ? r.variation.rx.cv * 100 : null) },
  { key: 'unsteady', header: 'unsteady', align: 'left', value: (r) => (r.variation?.unsteady == null ? '-' : r.variation.unsteady ? 'yes' : 'no'), raw: (r) => r.variation?.unsteady ?? null },
  { key: 'appCpus', header: 'app CPUs', align: 'right', value: (r) => num(r.cpu?.totalCpus, 2), raw: (r) => orNull(r.cpu?.totalCpus) },
  { key: 'cyclesPerPacket', header: 'cycles/pkt', align: 'right', value: (r) => num(r.cpu?.cyclesPerPacket, 0), raw: (r) => orNull(r.cpu?.cyclesPerPacket) },
];

export const EXPORT_COLUMNS: Column<ReportRow>[] = [
  ...SUMMARY_COLUMNS.map((col): Column<ReportRow> => ({
    key: col.key, header: col.header, align: col.align,
    value: (r) => col.value(r.case), raw: (r) => col.raw(r.case),
  })),
  ...ANALYSIS_COLUMNS,
];
