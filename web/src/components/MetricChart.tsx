// One metric's history as a uPlot line chart: step, wall time or relative time on x, optional
// log scale and smoothing, values under the pointer in the legend. The history is read when the
// chart first scrolls into view, sampled by the server (at most api.kMaxSampledPoints points
// however long it is, the first and last always kept). Dragging across the chart zooms in on x
// and asks the server again for that range, so detail appears; double-click (or Reset zoom)
// returns to the whole history.

import uPlot from 'uplot';
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import type { Metric } from '../api';
import { downsample, firstTimestamp, historySeries, pointsInWindow, smooth, stepRangeFor, withLatest, type XAxis } from '../sampling';
import { metricValue } from '../format';
import { ErrorBox } from './common';

export interface ChartOptions { xAxis: XAxis; logScale: boolean; smoothing: number }

const kMaxPoints = 4000;

/** Points the chart shows; complete when the server sent every point of their range. */
interface Loaded { points: Metric[]; complete: boolean }
/** A zoomed x window (in the axis' units) and the points fetched for it (null while loading). */
interface Zoom { axis: XAxis; xMin: number; xMax: number; loaded: Loaded | null }

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function lastOf(history: Metric[]): number {
  let last = history[0];
  for (const p of history) if (p.step > last.step || (p.step === last.step && p.timestamp >= last.timestamp)) last = p;
  return last.value;
}

function stepSpan(points: Metric[]): string {
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of points) { lo = Math.min(lo, p.step); hi = Math.max(hi, p.step); }
  return lo === hi ? `step ${lo.toLocaleString('en-US')}` : `steps ${lo.toLocaleString('en-US')}–${hi.toLocaleString('en-US')}`;
}

/** A sampled answer: complete when shorter than the cap, with the run's latest point if it was cut. */
const loadedOf = (points: Metric[], latest: Metric | undefined, range?: { start: number; end: number }): Loaded =>
  ({ points: withLatest(points, latest, range), complete: points.length < api.kMaxSampledPoints });

/** `latest` is the run's summary value of the metric (the point at its last step), when known. */
export function MetricChart({ runId, metricKey, latest, options }: { runId: string; metricKey: string; latest?: Metric; options: ChartOptions }) {
  const box = useRef<HTMLDivElement>(null);
  const plotEl = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  const [overview, setOverview] = useState<Loaded | null>(null);
  const [zoom, setZoom] = useState<Zoom | null>(null);
  const [error, setError] = useState<unknown>(null);
  // The zoom request in flight, aborted by the next zoom, a reset or unmounting.
  const pending = useRef<AbortController | null>(null);
  // The current state for uPlot's hooks, which outlive renders.
  const state = useRef({ overview, zoom, axis: options.xAxis });
  state.current = { overview, zoom, axis: options.xAxis };

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    if (typeof IntersectionObserver === 'undefined') { setVisible(true); return; }
    const io = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) { setVisible(true); io.disconnect(); } }, { rootMargin: '200px' });
    io.observe(el);
    return () => io.disconnect();
  }, []);

  useEffect(() => {
    if (!visible) return;
    const ctl = new AbortController();
    setZoom(null);
    api.getSampledMetricHistory(runId, metricKey, {}, ctl.signal).then((h) => setOverview(loadedOf(h, latest)), (e) => { if (!ctl.signal.aborted) setError(e); });
    return () => ctl.abort();
  }, [visible, runId, metricKey]);

  useEffect(() => () => pending.current?.abort(), []);

  // A running run's newer latest point: read the history again, unless the user has zoomed in.
  useEffect(() => {
    if (!visible || !state.current.overview || state.current.zoom || !latest) return;
    const ctl = new AbortController();
    api.getSampledMetricHistory(runId, metricKey, {}, ctl.signal).then((h) => { if (!state.current.zoom) setOverview(loadedOf(h, latest)); }, () => { /* the chart keeps what it shows */ });
    return () => ctl.abort();
  }, [latest?.step, latest?.timestamp, latest?.value]);

  const resetZoom = () => {
    pending.current?.abort();
    pending.current = null;
    setZoom(null);
  };

  // A zoom window follows its axis: switching axes shows the whole history again.
  useEffect(() => { if (state.current.zoom && state.current.zoom.axis !== options.xAxis) resetZoom(); }, [options.xAxis]);

  const t0 = overview ? firstTimestamp(overview.points) : 0;

  /** The user dragged across [xMin, xMax]: show that window with every point the server has in it. */
  const zoomTo = (xMin: number, xMax: number) => {
    const { overview: all, zoom: current, axis } = state.current;
    if (!all) return;
    pending.current?.abort();
    pending.current = null;
    const base = current?.loaded ?? all;
    const origin = firstTimestamp(all.points);
    if (base.complete) {
      // Every point of the shown range is loaded already; the window is a part of it.
      setZoom({ axis, xMin, xMax, loaded: { points: pointsInWindow(base.points, axis, origin, xMin, xMax), complete: true } });
      return;
    }
    const range = stepRangeFor(base.points, axis, origin, xMin, xMax);
    if (!range) {
      setZoom({ axis, xMin, xMax, loaded: { points: [], complete: true } });
      return;
    }
    const ctl = new AbortController();
    pending.current = ctl;
    setZoom({ axis, xMin, xMax, loaded: null });
    api.getSampledMetricHistory(runId, metricKey, { startStep: range.start, endStep: range.end }, ctl.signal).then((points) => {
      if (ctl.signal.aborted) return;
      pending.current = null;
      const got = loadedOf(points, latest, range);
      setZoom({ axis, xMin, xMax, loaded: { points: axis === 'step' ? got.points : pointsInWindow(got.points, axis, origin, xMin, xMax), complete: got.complete } });
    }, (e) => {
      if (ctl.signal.aborted) return;
      pending.current = null;
      setZoom(null);
      setError(e);
    });
  };

  // While a zoom loads, the chart keeps what it had (uPlot has zoomed it already).
  const lastShown = useRef<Loaded | null>(null);
  const shown = zoom ? zoom.loaded ?? lastShown.current : overview;
  lastShown.current = shown;
  const positive = overview ? overview.points.every((p) => p.value > 0) : true;
  const logScale = options.logScale && positive;

  useEffect(() => {
    const el = plotEl.current;
    if (!el || !shown || overview?.points.length === 0) return;
    const raw = historySeries(shown.points, options.xAxis, t0);
    const { x, y } = downsample(raw.x, raw.y, kMaxPoints);
    const smoothed = options.smoothing > 0 ? smooth(y, options.smoothing) : null;
    const line = cssVar('--chart-line', '#2272b4');
    const faint = cssVar('--chart-faint', 'rgba(34,114,180,0.3)');
    const axis = cssVar('--text-muted', '#666');
    const grid = cssVar('--border', '#ddd');
    const showPoints = x.length <= 60;
    const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const series: uPlot.Series[] = [
      { label: options.xAxis === 'step' ? 'step' : options.xAxis === 'time' ? 'time' : 'seconds', value: options.xAxis === 'time' ? undefined : (_u, v) => (v == null ? '' : String(v)) },
      { label: smoothed ? `${metricKey} (raw)` : metricKey, stroke: smoothed ? faint : line, width: smoothed ? 1 : 2, points: { show: showPoints, size: 6 }, value: (_u, v) => metricValue(v ?? undefined) },
    ];
    const data: uPlot.AlignedData = smoothed ? [x, y, smoothed] : [x, y];
    if (smoothed) series.push({ label: `${metricKey} (smoothed)`, stroke: line, width: 2, points: { show: false }, value: (_u, v) => metricValue(v ?? undefined) });
    const width = Math.max(240, el.clientWidth || 400);
    const plot = new uPlot({
      width,
      height: 220,
      series,
      scales: { x: { time: options.xAxis === 'time' }, y: logScale ? { distr: 3 } : {} },
      axes: [{ ...axisStyle }, { ...axisStyle, size: 60, values: (_u, vals) => vals.map((v) => metricValue(v)) }],
      legend: { live: true },
      cursor: {
        drag: { x: true, y: false, setScale: true },
        bind: {
          // Double-click returns to the whole history (uPlot's own reset would fit the zoomed points).
          dblclick: (_u, _target, handler) => (e) => { resetZoom(); handler(e); return null; },
        },
      },
      hooks: {
        setSelect: [(u) => {
          if (u.select.width <= 0) return;
          const a = u.posToVal(u.select.left, 'x');
          const b = u.posToVal(u.select.left + u.select.width, 'x');
          if (Number.isFinite(a) && Number.isFinite(b)) zoomTo(Math.min(a, b), Math.max(a, b));
        }],
      },
    }, data, el);
    if (zoom && zoom.axis === options.xAxis) plot.setScale('x', { min: zoom.xMin, max: zoom.xMax });
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(240, el.clientWidth), height: 220 }));
    ro.observe(el);
    return () => { ro.disconnect(); plot.destroy(); };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shown, options.xAxis, logScale, options.smoothing]);

  const all = overview?.points;
  return (
    <figure class="chart-card" ref={box} aria-label={`Chart of ${metricKey}`} aria-busy={!overview || (zoom !== null && !zoom.loaded)}>
      <figcaption><strong>{metricKey}</strong>{all && all.length > 0 && <span class="muted"> · {overview.complete
        ? `${all.length} point${all.length === 1 ? '' : 's'}`
        : <span title="The server samples long histories evenly; drag across the chart to zoom in and see every point.">{all.length.toLocaleString('en-US')} sampled points, {stepSpan(all)}</span>}, last {metricValue(lastOf(all))}</span>}
        {options.logScale && !positive && <span class="muted"> · linear: log scale needs positive values</span>}
        {zoom && <span class="chart-zoom"> · <span class="muted" role="status">{zoom.loaded ? `zoomed: ${zoom.loaded.points.length > 0 ? stepSpan(zoom.loaded.points) : 'no points'}` : 'loading the zoomed range…'}</span>
          {' '}<button type="button" class="link-button" onClick={resetZoom}>Reset zoom</button></span>}</figcaption>
      {error ? <ErrorBox error={error} /> : !overview ? <div class="chart-placeholder muted">Loading history…</div>
        : all && all.length === 0 ? <div class="chart-placeholder muted">No points logged.</div> : null}
      <div class="chart-plot" ref={plotEl} title={all && all.length > 1 ? 'Drag across to zoom in; double-click to reset' : undefined} />
    </figure>
  );
}
