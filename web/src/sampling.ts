// Metric histories for charts: sorting, x windows for zooming, down-sampling and smoothing. Pure
// functions on plain arrays, so a chart of many points costs a few typed arrays and no per-point objects.

import type { Metric } from './api';

export type XAxis = 'step' | 'time' | 'relative';

/** A point's x on an axis: its step, its wall time in seconds (uPlot's time scale), or seconds since t0 (ms). */
export function xOf(p: Metric, axis: XAxis, t0: number): number {
  return axis === 'step' ? p.step : axis === 'time' ? p.timestamp / 1000 : (p.timestamp - t0) / 1000;
}

/** The earliest timestamp of a history (relative time counts from it), 0 when empty. */
export function firstTimestamp(points: Metric[]): number {
  let t0 = Infinity;
  for (const p of points) if (p.timestamp < t0) t0 = p.timestamp;
  return Number.isFinite(t0) ? t0 : 0;
}

function sortedBy(points: Metric[], axis: XAxis): Metric[] {
  return points.slice().sort((a, b) =>
    axis === 'step' ? a.step - b.step || a.timestamp - b.timestamp : a.timestamp - b.timestamp || a.step - b.step);
}

/**
 * x and y arrays for one history, sorted by x. Relative time is seconds since t0 (by default the
 * earliest point; a zoomed part of a history passes the whole history's, so x stays the same).
 */
export function historySeries(points: Metric[], axis: XAxis, t0?: number): { x: Float64Array; y: Float64Array } {
  const sorted = sortedBy(points, axis);
  const n = sorted.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const origin = t0 ?? firstTimestamp(points);
  for (let i = 0; i < n; i++) {
    const p = sorted[i];
    x[i] = xOf(p, axis, origin);
    y[i] = typeof p.value === 'number' ? p.value : Number(p.value);
  }
  return { x, y };
}

/**
 * The points with the run's latest point (its summary metric: the last step) added when a sampled
 * answer lacks it: the server's per-run cap can cut the last step it means to keep, and a chart
 * should end where the history does. Only when the latest step is in the range asked for.
 */
export function withLatest(points: Metric[], latest: Metric | undefined, range?: { start: number; end: number }): Metric[] {
  if (!latest || points.length === 0) return points;
  if (range && (latest.step < range.start || latest.step > range.end)) return points;
  let maxStep = -Infinity;
  for (const p of points) if (p.step > maxStep) maxStep = p.step;
  return latest.step > maxStep ? [...points, latest] : points;
}

/** The points whose x lies in [xMin, xMax]. */
export function pointsInWindow(points: Metric[], axis: XAxis, t0: number, xMin: number, xMax: number): Metric[] {
  return points.filter((p) => { const x = xOf(p, axis, t0); return x >= xMin && x <= xMax; });
}

/**
 * The step range to ask the server for so that an x window [xMin, xMax] gets every point it
 * holds. On the step axis that is the window itself (whole steps); on a time axis it is the steps
 * of the known points in the window and of their neighbours just outside it (steps usually grow
 * with time; the answer is filtered to the window afterwards). null when no step can be in it.
 */
export function stepRangeFor(points: Metric[], axis: XAxis, t0: number, xMin: number, xMax: number): { start: number; end: number } | null {
  if (!(xMin <= xMax)) return null;
  if (axis === 'step') {
    const start = Math.ceil(xMin);
    const end = Math.floor(xMax);
    return start <= end ? { start, end } : null;
  }
  const sorted = sortedBy(points, axis);
  if (sorted.length === 0) return null;
  let first = sorted.findIndex((p) => xOf(p, axis, t0) >= xMin);
  if (first < 0) first = sorted.length - 1;
  let last = first;
  while (last + 1 < sorted.length && xOf(sorted[last], axis, t0) <= xMax) last++;
  first = Math.max(0, first - 1);
  let start = Infinity;
  let end = -Infinity;
  for (let i = first; i <= last; i++) {
    start = Math.min(start, sorted[i].step);
    end = Math.max(end, sorted[i].step);
  }
  return { start, end };
}

/**
 * At most about maxPoints points that keep the shape: the x range is cut into buckets and each
 * keeps its first, minimum, maximum and last point (in x order). Returns the input when small.
 */
export function downsample(x: Float64Array, y: Float64Array, maxPoints: number): { x: Float64Array; y: Float64Array } {
  const n = x.length;
  if (n <= maxPoints || maxPoints < 8) return { x, y };
  const buckets = Math.floor(maxPoints / 4);
  const per = n / buckets;
  const keep: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * per);
    const end = Math.min(n, Math.floor((b + 1) * per));
    if (start >= end) continue;
    let lo = start;
    let hi = start;
    for (let i = start; i < end; i++) {
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    const picks = [start, lo, hi, end - 1].sort((a, c) => a - c);
    for (let k = 0; k < picks.length; k++) {
      if (k === 0 || picks[k] !== picks[k - 1]) keep.push(picks[k]);
    }
  }
  const ox = new Float64Array(keep.length);
  const oy = new Float64Array(keep.length);
  keep.forEach((idx, k) => {
    ox[k] = x[idx];
    oy[k] = y[idx];
  });
  return { x: ox, y: oy };
}

/**
 * Exponential moving average with bias correction, as TensorBoard's and MLflow's smoothing
 * slider (weight 0 = raw values, close to 1 = very smooth). NaN points are passed through.
 */
export function smooth(y: Float64Array, weight: number): Float64Array {
  if (weight <= 0) return y;
  const w = Math.min(weight, 0.999);
  const out = new Float64Array(y.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    out[i] = last / (1 - Math.pow(w, count));
  }
  return out;
}
