// Runs-table columns: their keys (MLflow's: attributes.start_time, metrics.`name`, params.`name`,
// tags.`name`), which can be sorted on the server, and the order_by clause built from them.
// Pure functions.

import type { Run } from './api';

export type ColumnKind = 'attribute' | 'metric' | 'param' | 'tag';

export interface ColumnKey { kind: ColumnKind; name: string }

const kPrefix: Record<ColumnKind, string> = {
  attribute: 'attributes', metric: 'metrics', param: 'params', tag: 'tags',
};

/** attributes.start_time, metrics.`test_PR_AUC`, params.`max_depth`, tags.`mlflow.user`. */
export function columnKey(kind: ColumnKind, name: string): string {
  if (kind === 'attribute') return `attributes.${name}`;
  return `${kPrefix[kind]}.\`${name.replace(/`/g, '')}\``;
}

/** The inverse of columnKey; also accepts unquoted names (metrics.test_PR_AUC). */
export function parseColumnKey(key: string): ColumnKey | null {
  const m = /^(attributes|attribute|attr|run|metrics|metric|params|param|parameters|parameter|tags|tag)\.(.+)$/.exec(key);
  if (!m) return null;
  let name = m[2];
  if (name.length >= 2 && ((name.startsWith('`') && name.endsWith('`')) || (name.startsWith('"') && name.endsWith('"')))) {
    name = name.slice(1, -1);
  }
  const p = m[1];
  const kind: ColumnKind = p.startsWith('attr') || p === 'run' ? 'attribute'
    : p.startsWith('metric') ? 'metric' : p.startsWith('param') ? 'param' : 'tag';
  return { kind, name };
}

/** The runs/search order_by list for a sort key and direction; start time breaks ties. */
export function buildOrderBy(orderByKey: string, asc: boolean): string[] {
  const parsed = parseColumnKey(orderByKey);
  if (!parsed) return ['attributes.start_time DESC'];
  const key = columnKey(parsed.kind, parsed.name);
  const out = [`${key} ${asc ? 'ASC' : 'DESC'}`];
  if (key !== 'attributes.start_time') out.push('attributes.start_time DESC');
  return out;
}

/** The filter that selects one run's children, within a user filter when there is one. */
export function childrenFilter(parentRunId: string, userFilter: string): string {
  const own = `tags.mlflow.parentRunId = '${parentRunId.replace(/'/g, "\\'")}'`;
  const f = userFilter.trim();
  return f ? `(${f}) AND ${own}` : own;
}

/** The metric, param and tag names seen in runs, each sorted. */
export function keysSeen(runs: Run[]): { metrics: string[]; params: string[]; tags: string[] } {
  const metrics = new Set<string>();
  const params = new Set<string>();
  const tags = new Set<string>();
  for (const r of runs) {
    for (const m of r.data.metrics ?? []) metrics.add(m.key);
    for (const p of r.data.params ?? []) params.add(p.key);
    for (const t of r.data.tags ?? []) if (!t.key.startsWith('mlflow.')) tags.add(t.key);
  }
  const sort = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { metrics: sort(metrics), params: sort(params), tags: sort(tags) };
}

/** The data columns shown: the selected keys, or by default every metric then every param seen. */
export function visibleDataColumns(seen: { metrics: string[]; params: string[] }, selected: string[] | null): ColumnKey[] {
  if (selected === null) {
    return [
      ...seen.metrics.map((name) => ({ kind: 'metric' as const, name })),
      ...seen.params.map((name) => ({ kind: 'param' as const, name })),
    ];
  }
  const out: ColumnKey[] = [];
  for (const key of selected) {
    const c = parseColumnKey(key);
    if (c && c.kind !== 'attribute') out.push(c);
  }
  return out;
}

/** The value of a metric, param or tag column for a run (metrics as numbers). */
export function cellValue(run: Run, col: ColumnKey): string | number | undefined {
  if (col.kind === 'metric') return run.data.metrics?.find((m) => m.key === col.name)?.value;
  if (col.kind === 'param') return run.data.params?.find((p) => p.key === col.name)?.value;
  if (col.kind === 'tag') return run.data.tags?.find((t) => t.key === col.name)?.value;
  return undefined;
}
