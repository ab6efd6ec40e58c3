// Nesting runs under their parents for the runs table, as MLflow's UI does: a run whose
// mlflow.parentRunId names a loaded run is shown under it; every other run is at the top level.
// A parent's children come from the loaded runs, or from a dedicated search once expanded.
// Pure functions.

import { kTagParentRunId, runIdOf, tagValue, type Run } from './api';

export interface RunRow {
  run: Run;
  depth: number;
  /** The number of known children (0: not a parent as far as we know). */
  childCount: number;
  expanded: boolean;
}

/** Children of each loaded parent, in load order. */
export function childrenByParent(runs: Run[]): Map<string, Run[]> {
  const ids = new Set(runs.map(runIdOf));
  const out = new Map<string, Run[]>();
  for (const r of runs) {
    const parent = tagValue(r, kTagParentRunId);
    if (parent && ids.has(parent) && parent !== runIdOf(r)) {
      let list = out.get(parent);
      if (!list) out.set(parent, (list = []));
      list.push(r);
    }
  }
  return out;
}

/**
 * The rows to show, in screen order. `fetched` holds the children searched for an expanded
 * parent (they replace the loaded ones, since they are complete).
 */
export function buildRows(runs: Run[], expanded: ReadonlySet<string>, fetched: ReadonlyMap<string, Run[]>): RunRow[] {
  const loadedChildren = childrenByParent(runs);
  const nested = new Set<string>();
  for (const list of loadedChildren.values()) for (const r of list) nested.add(runIdOf(r));
  const rows: RunRow[] = [];
  const visiting = new Set<string>();
  const push = (run: Run, depth: number) => {
    const id = runIdOf(run);
    if (visiting.has(id)) return; // a cycle of parent tags: show each run once
    const children = fetched.get(id) ?? loadedChildren.get(id) ?? [];
    const isOpen = expanded.has(id) && children.length > 0;
    rows.push({ run, depth, childCount: children.length, expanded: isOpen });
    if (isOpen) {
      visiting.add(id);
      for (const c of children) push(c, depth + 1);
      visiting.delete(id);
    }
  };
  for (const r of runs) if (!nested.has(runIdOf(r))) push(r, 0);
  return rows;
}

/** Whether a run may still change: RUNNING or SCHEDULED. */
export function isLive(run: Run): boolean {
  return run.info.status === 'RUNNING' || run.info.status === 'SCHEDULED';
}

/** The ids of up to `limit` live runs, in the given order, each once. */
export function liveRunIds(runs: Iterable<Run>, limit: number): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of runs) {
    if (out.length >= limit) break;
    const id = runIdOf(r);
    if (isLive(r) && !seen.has(id)) { seen.add(id); out.push(id); }
  }
  return out;
}

/**
 * `runs` with each run found in `updates` (by id) replaced by its new copy. The same array is
 * returned when nothing differs, so an unchanged table is not drawn again.
 */
export function replaceRuns(runs: Run[], updates: ReadonlyMap<string, Run>): Run[] {
  let out: Run[] | null = null;
  for (let i = 0; i < runs.length; i++) {
    const next = updates.get(runIdOf(runs[i]));
    if (!next || next === runs[i] || sameRun(next, runs[i])) continue;
    out ??= runs.slice();
    out[i] = next;
  }
  return out ?? runs;
}

function sameRun(a: Run, b: Run): boolean {
  return JSON.stringify(a.info) === JSON.stringify(b.info) && JSON.stringify(a.data) === JSON.stringify(b.data);
}
