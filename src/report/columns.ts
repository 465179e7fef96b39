// The one column list of the exporters (CSV, JSON, the HTML table): the summary columns of the
// terminal table, then what the analysis adds per case.
import type { CaseAnalysis } from '../analysis/index.js';
import { SUMMARY_COLUMNS, type Column } from './table.js';

export type ReportRow = CaseAnalysis;

const num = (v: number | null | undefined, digits: number) => (v == null ? '-' : v.toFixed(digits));
const orNull = (v: number | null | undefined) => (v == null ? null : v);

const ANALYSIS_COLUMNS: Column<ReportRow>[] = [
  {
    key: 'rxCvPercent',
    group: 'throughput',
    header: 'rx CV %',
    align: 'right',
    value: (r) => num(r.variation?.rx.cv != null ? r.variation.rx.cv * 100 : null, 1),
    raw: (r) => orNull(r.variation?.rx.cv != null ? r.variation.rx.cv * 100 : null),
  },
  {
    key: 'unsteady',
    group: 'throughput',
    header: 'unsteady',
    align: 'left',
    value: (r) => (r.variation?.unsteady == null ? '-' : r.variation.unsteady ? 'yes' : 'no'),
    raw: (r) => r.variation?.unsteady ?? null,
  },
  {
    key: 'appCpus',
    group: 'CPU',
    header: 'app CPUs',
    align: 'right',
    value: (r) => num(r.cpu?.totalCpus, 2),
    raw: (r) => orNull(r.cpu?.totalCpus),
  },
  {
    key: 'totalCores',
    group: 'CPU',
    header: 'total cores',
    align: 'right',
    value: (r) => num(r.cpu?.totalCores, 2),
    raw: (r) => orNull(r.cpu?.totalCores),
  },
  {
    key: 'cpuPerComponent',
    group: 'CPU',
    header: "CPU per component (*: already in a task's time)",
    align: 'left',
    value: (r) => componentsText(r) ?? '-',
    raw: (r) => componentsText(r),
  },
  {
    key: 'cyclesPerPacket',
    group: 'CPU',
    header: 'cycles/pkt',
    align: 'right',
    value: (r) => num(r.cpu?.cyclesPerPacket, 0),
    raw: (r) => orNull(r.cpu?.cyclesPerPacket),
  },
];

/** "send 0 0.98 · ovs-vswitchd pmd-c01/id:8 1.00 · softirq cpu0 0.21*": * marks a share already inside a task's time. */
function componentsText(r: ReportRow): string | null {
  const parts = (r.cpu?.components ?? [])
    .filter((c) => c.cpus !== null)
    .map((c) => `${c.name} ${c.cpus!.toFixed(2)}${c.inTotal ? '' : '*'}`);
  return parts.length > 0 ? parts.join(' · ') : null;
}

export const EXPORT_COLUMNS: Column<ReportRow>[] = [
  ...SUMMARY_COLUMNS.map(
    (col): Column<ReportRow> => ({
      key: col.key,
      group: col.group,
      header: col.header,
      align: col.align,
      value: (r) => col.value(r.case),
      raw: (r) => col.raw(r.case),
    }),
  ),
  ...ANALYSIS_COLUMNS,
];
