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
