// Comparing runs: side-by-side rows of params and metrics with a "differs" flag, axes for
// parallel coordinates and scatters (numeric, or categorical for text values), brushing, a
// colour scale, and best-so-far for searches. Pure functions.

import type { Run } from './api';

export type ValueKind = 'param' | 'metric';

export interface CompareRow { kind: ValueKind; key: string; values: Array<string | number | undefined>; differs: boolean }

export function valueOf(run: Run, kind: ValueKind, key: string): string | number | undefined {
  if (kind === 'metric') return run.data.metrics?.find((m) => m.key === key)?.value;
  return run.data.params?.find((p) => p.key === key)?.value;
}

/** Every param, then every metric, any of the runs has, each with the runs' values in order. */
export function compareRows(runs: Run[]): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const kind of ['param', 'metric'] as const) {
    const keys = new Set<string>();
    for (const r of runs) for (const x of (kind === 'param' ? r.data.params : r.data.metrics) ?? []) keys.add(x.key);
    for (const key of [...keys].sort((a, b) => a.localeCompare(b))) {
      const values = runs.map((r) => valueOf(r, kind, key));
      const first = values[0];
      rows.push({ kind, key, values, differs: values.some((v) => v !== first) });
    }
  }
  return rows;
}

/** An axis over values: numeric when every present value is a number, else categories in order. */
export interface Axis {
  kind: ValueKind;
  key: string;
  numeric: boolean;
  min: number;
  max: number;
  categories: string[];
  /** Each run's position on the axis in [0, 1] (0 = min), NaN when missing. */
  pos: Float64Array;
  /** How a numeric value reads on the axis (default: 4 significant digits). */
  format?: (v: number) => string;
}

export function toNumber(v: string | number | undefined): number {
  if (v === undefined || v === '') return NaN;
  if (typeof v === 'number') return v;
  const t = v.trim().toLowerCase();
  if (t === 'true') return NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : NaN;
}

export function makeAxis(kind: ValueKind, key: string, values: Array<string | number | undefined>): Axis {
  const nums = values.map(toNumber);
  const present = values.filter((v) => v !== undefined && v !== '');
  const numeric = present.length > 0 && present.every((v) => Number.isFinite(toNumber(v)));
  const pos = new Float64Array(values.length);
  if (numeric) {
    let min = Infinity;
    let max = -Infinity;
    for (const n of nums) if (Number.isFinite(n)) { if (n < min) min = n; if (n > max) max = n; }
    const span = max - min;
    nums.forEach((n, i) => { pos[i] = Number.isFinite(n) ? (span > 0 ? (n - min) / span : 0.5) : NaN; });
    return { kind, key, numeric, min, max, categories: [], pos };
  }
  const categories = [...new Set(present.map(String))].sort((a, b) => a.localeCompare(b));
  const index = new Map(categories.map((c, i) => [c, i]));
  values.forEach((v, i) => {
    const k = v === undefined || v === '' ? undefined : index.get(String(v));
    pos[i] = k === undefined ? NaN : categories.length > 1 ? k / (categories.length - 1) : 0.5;
  });
  return { kind, key, numeric, min: 0, max: Math.max(0, categories.length - 1), categories, pos };
}

export function axesFor(runs: Run[], columns: Array<{ kind: ValueKind; key: string }>): Axis[] {
  return columns.map((c) => makeAxis(c.kind, c.key, runs.map((r) => valueOf(r, c.kind, c.key))));
}

/** The value at an axis position, for tick labels. */
export function axisValueAt(axis: Axis, t: number): string {
  if (axis.numeric) {
    const v = axis.min + t * (axis.max - axis.min);
    if (axis.format) return axis.format(v);
    // Enough digits to tell the ends of a narrow range apart (0.13276 and 0.13799, not 0.1328 twice).
    const span = axis.max - axis.min;
    const scale = Math.max(Math.abs(axis.min), Math.abs(axis.max));
    const digits = span > 0 && scale > 0 ? Math.min(12, Math.max(4, Math.ceil(Math.log10(scale / span)) + 3)) : 4;
    return String(Number(v.toPrecision(digits)));
  }
  const i = Math.round(t * Math.max(0, axis.categories.length - 1));
  return axis.categories[i] ?? '';
}

/** A brush: the [lo, hi] part (axis positions) of an axis a line must cross to stay selected. */
export type Brushes = Map<number, [number, number]>;

/** Which runs pass every brush (a run missing a brushed value does not). */
export function brushed(axes: Axis[], brushes: Brushes, runCount: number): Uint8Array {
  const keep = new Uint8Array(runCount).fill(1);
  for (const [a, [lo, hi]] of brushes) {
    const axis = axes[a];
    if (!axis) continue;
    for (let i = 0; i < runCount; i++) {
      const p = axis.pos[i];
      if (!(p >= lo && p <= hi)) keep[i] = 0;
    }
  }
  return keep;
}

// Viridis, sampled at 9 points.
const kViridis: Array<[number, number, number]> = [
  [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
  [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
];

/** A colour for t in [0, 1] (viridis); grey for NaN. */
export function colourAt(t: number): string {
  if (!Number.isFinite(t)) return 'rgb(150,150,150)';
  const x = Math.max(0, Math.min(1, t)) * (kViridis.length - 1);
  const i = Math.min(kViridis.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [kViridis[i], kViridis[i + 1]];
  const c = (k: number) => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${c(0)},${c(1)},${c(2)})`;
}

/** The best value among the first i+1 trials, for each i (NaN values are skipped). */
export function bestSoFar(values: number[], maximize: boolean): number[] {
  const out: number[] = [];
  let best = NaN;
  for (const v of values) {
    if (Number.isFinite(v) && (!Number.isFinite(best) || (maximize ? v > best : v < best))) best = v;
    out.push(best);
  }
  return out;
}

/** At most `limit` items spread evenly over the list, the first and last kept (for sampled charts). */
export function sampleEvenly<T>(items: T[], limit: number): T[] {
  if (items.length <= limit) return items;
  if (limit <= 1) return items.slice(0, limit);
  const out: T[] = [];
  const step = (items.length - 1) / (limit - 1);
  for (let i = 0; i < limit; i++) out.push(items[Math.round(i * step)]);
  return out;
}

export interface Trial { number: number; runId: string; status: string; objective: number; params: Map<string, string>; pruned?: string }

export interface Search { objective: string; maximize: boolean; paramKeys: string[]; trials: Trial[] }

/**
 * A search's trials from its trials.csv (trial, run_id, status, <objective>, <params...>), as
 * `orchard tune` writes it. `objectiveParam` is the parent's `objective` param ("test_PR_AUC
 * (max)"), which names the objective column and its direction.
 */
export function parseTrials(rows: string[][], objectiveParam?: string): Search | null {
  if (rows.length < 1) return null;
  const header = rows[0].map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const [iTrial, iRun, iStatus] = [col('trial'), col('run_id'), col('status')];
  if (iTrial < 0) return null;
  const named = /^(.*?)\s*\((max|min)\w*\)\s*$/i.exec(objectiveParam ?? '');
  let iObj = named ? col(named[1]) : -1;
  if (iObj < 0) iObj = header.findIndex((_, i) => i !== iTrial && i !== iRun && i !== iStatus);
  if (iObj < 0) return null;
  const maximize = named ? named[2].toLowerCase() === 'max' : true;
  const paramCols = header.map((h, i) => [h, i] as const).filter(([, i]) => i !== iTrial && i !== iRun && i !== iStatus && i !== iObj);
  const trials: Trial[] = [];
  for (const r of rows.slice(1)) {
    if (r.length < 2) continue;
    trials.push({
      number: Number(r[iTrial]),
      runId: iRun >= 0 ? r[iRun] ?? '' : '',
      status: iStatus >= 0 ? r[iStatus] ?? '' : '',
      objective: toNumber(r[iObj]),
      params: new Map(paramCols.map(([h, i]) => [h, r[i] ?? ''])),
    });
  }
  trials.sort((a, b) => a.number - b.number);
  return { objective: header[iObj], maximize, paramKeys: paramCols.map(([h]) => h), trials };
}

/** The index of the best trial (NaN objectives skipped), -1 when none. */
export function bestTrial(search: Search): number {
  let best = -1;
  search.trials.forEach((t, i) => {
    if (!Number.isFinite(t.objective)) return;
    if (best < 0 || (search.maximize ? t.objective > search.trials[best].objective : t.objective < search.trials[best].objective)) best = i;
  });
  return best;
}

/**
 * The metric to show first: the one most runs have; among those, one whose value differs
 * between runs, then a score-like name (AUC, then accuracy, F1, R², then loss, error), then by
 * name. '' when no run has a metric.
 */
export function defaultMetric(runs: Run[]): string {
  const count = new Map<string, number>();
  for (const r of runs) for (const m of r.data.metrics ?? []) count.set(m.key, (count.get(m.key) ?? 0) + 1);
  const values = new Map<string, Set<number>>();
  for (const r of runs) for (const m of r.data.metrics ?? []) {
    const set = values.get(m.key) ?? new Set<number>();
    if (set.size < 2) set.add(m.value);
    values.set(m.key, set);
  }
  const varies = (k: string) => (values.get(k)!.size > 1 ? 0 : 1);
  const rank = (k: string) => (/auc/i.test(k) ? 0 : /accuracy|f1|r2/i.test(k) ? 1 : /loss|error/i.test(k) ? 2 : 3);
  return [...count.keys()].sort((a, b) => count.get(b)! - count.get(a)! || varies(a) - varies(b) || rank(a) - rank(b) || a.localeCompare(b))[0] ?? '';
}

/** How a search chose its trials, from the parent's `sampler` and `startup_trials` params. */
export interface SamplerInfo { sampler: 'tpe' | 'random' | 'grid'; startupTrials?: number }

/** Who picked a trial: drawn at random, TPE's model, or a point of the grid. */
export type TrialOrigin = 'random' | 'tpe' | 'grid';

/**
 * The sampler of a search, or null when the parent does not say (older searches) or names one
 * this view does not know. TPE without `startup_trials` is returned without it, and its trials
 * are then left unmarked (which of them were random is unknown).
 */
export function samplerOf(params: ReadonlyArray<{ key: string; value: string }> | undefined): SamplerInfo | null {
  const get = (k: string) => params?.find((p) => p.key === k)?.value?.trim();
  const sampler = get('sampler')?.toLowerCase();
  if (sampler !== 'tpe' && sampler !== 'random' && sampler !== 'grid') return null;
  const raw = get('startup_trials');
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
  return sampler === 'tpe' && n !== undefined ? { sampler, startupTrials: n } : { sampler };
}

/**
 * Who picked trial `number` (1-based, as trials.csv numbers them): with TPE, trials 1..N of its
 * N startup trials are random and later ones its choices; every trial of a random search is
 * random and of a grid search a grid point. undefined when it cannot be told.
 */
export function trialOrigin(info: SamplerInfo | null, number: number): TrialOrigin | undefined {
  if (!info) return undefined;
  if (info.sampler === 'random') return 'random';
  if (info.sampler === 'grid') return 'grid';
  if (info.startupTrials === undefined || !Number.isFinite(number)) return undefined;
  return number <= info.startupTrials ? 'random' : 'tpe';
}

/** What the UI calls each origin. */
export const kOriginLabel: Record<TrialOrigin, string> = { random: 'random', tpe: "TPE's choice", grid: 'grid' };
