// Metric histories for charts: sorting, down-sampling and smoothing. Pure functions on plain
// arrays, so a chart of 1M points costs a few typed arrays and no per-point objects.

import type { Metric } from './api';

export type XAxis = 'step' | 'time' | 'relative';

/** x and y arrays for one history, sorted by x; relative time is seconds since the first point. */
export function historySeries(points: Metric[], axis: XAxis): { x: Float64Array; y: Float64Array } {
  const sorted = points.slice().sort((a, b) =>
    axis === 'step' ? a.step - b.step || a.timestamp - b.timestamp : a.timestamp - b.timestamp || a.step - b.step);
  const n = sorted.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const t0 = n ? sorted[0].timestamp : 0;
  for (let i = 0; i < n; i++) {
    const p = sorted[i];
    // uPlot's time scale is in seconds.
    x[i] = axis === 'step' ? p.step : axis === 'time' ? p.timestamp / 1000 : (p.timestamp - t0) / 1000;
    y[i] = typeof p.value === 'number' ? p.value : Number(p.value);
  }
  return { x, y };
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
