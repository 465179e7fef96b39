// CSV and JSON exporters over the shared column list (columns.ts).
import type { Cell, Column } from './table.js';
import { EXPORT_COLUMNS, type ReportRow } from './columns.js';

export const EXPORT_FORMATS = ['csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** RFC 4180: comma-separated, CRLF-free here (LF lines), fields quoted when they need it; null is an empty field. */
export function toCsv(rows: readonly ReportRow[], columns: readonly Column<ReportRow>[] = EXPORT_COLUMNS): string {
  const field = (v: Cell): string => {
    if (v === null) return '';
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [
    columns.map((c) => field(c.key)).join(','),
    ...rows.map((r) => columns.map((c) => field(c.raw(r))).join(',')),
  ];
  return `${lines.join('\n')}\n`;
}

/** One object per case, keys as in the CSV header, nulls kept. */
export function toJson(rows: readonly ReportRow[], columns: readonly Column<ReportRow>[] = EXPORT_COLUMNS): string {
  const objects = rows.map((r) => Object.fromEntries(columns.map((c) => [c.key, c.raw(r)])));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

export function exportRows(rows: readonly ReportRow[], format: ExportFormat): string {
  return format === 'csv' ? toCsv(rows) : toJson(rows);
}
