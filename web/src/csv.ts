// CSV export of runs and CSV parsing for artifact previews (RFC 4180). Pure functions.

import { kTagParentRunId, kTagSourceName, runIdOf, tagValue, type Run } from './api';
import { cellValue, type ColumnKey } from './columns';

export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: unknown[][]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function iso(ms: number | undefined): string {
  return ms ? new Date(ms).toISOString() : '';
}

/** The runs as CSV: the run's attributes, then the given metric/param/tag columns. */
export function runsToCsv(runs: Run[], columns: ColumnKey[]): string {
  const header = ['run_id', 'run_name', 'status', 'start_time', 'end_time', 'duration_s', 'user',
    'source', 'parent_run_id',
    ...columns.map((c) => `${c.kind === 'metric' ? 'metrics' : c.kind === 'param' ? 'params' : 'tags'}.${c.name}`)];
  const rows: unknown[][] = [header];
  for (const r of runs) {
    const i = r.info;
    rows.push([
      runIdOf(r), i.run_name ?? '', i.status, iso(i.start_time), iso(i.end_time),
      i.start_time && i.end_time ? (i.end_time - i.start_time) / 1000 : '',
      i.user_id ?? '', tagValue(r, kTagSourceName) ?? '', tagValue(r, kTagParentRunId) ?? '',
      ...columns.map((c) => cellValue(r, c)),
    ]);
  }
  return toCsv(rows);
}

/** Parses CSV (or TSV with delimiter '\t') into rows; stops after maxRows rows. */
export function parseCsv(text: string, delimiter = ',', maxRows = Infinity): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n && rows.length < maxRows) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += c;
    }
    i++;
  }
  if ((field !== '' || row.length > 0) && rows.length < maxRows) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
