// One metric's history as a uPlot line chart: step, wall time or relative time on x, optional
// log scale and smoothing, values under the pointer in the legend. The history is fetched
// when the chart first scrolls into view.

import uPlot from 'uplot';
import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import type { Metric } from '../api';
import { downsample, historySeries, smooth, type XAxis } from '../sampling';
import { metricValue } from '../format';
import { ErrorBox } from './common';

export interface ChartOptions { xAxis: XAxis; logScale: boolean; smoothing: number }

const kMaxPoints = 4000;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function lastOf(history: Metric[]): number {
  let last = history[0];
  for (const p of history) if (p.step > last.step || (p.step === last.step && p.timestamp >= last.timestamp)) last = p;
  return last.value;
}

export function MetricChart({ runId, metricKey, options }: { runId: string; metricKey: string; options: ChartOptions }) {
  const box = useRef<HTMLDivElement>(null);
  const plotEl = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  const [history, setHistory] = useState<Metric[] | null>(null);
  const [error, setError] = useState<unknown>(null);

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
    api.getMetricHistory(runId, metricKey, ctl.signal).then((h) => setHistory(h), (e) => { if (!ctl.signal.aborted) setError(e); });
    return () => ctl.abort();
  }, [visible, runId, metricKey]);

  const positive = history ? history.every((p) => p.value > 0) : true;
  const logScale = options.logScale && positive;

  useEffect(() => {
    const el = plotEl.current;
    if (!el || !history || history.length === 0) return;
    const raw = historySeries(history, options.xAxis);
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
      cursor: { drag: { x: true, y: false } },
    }, data, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(240, el.clientWidth), height: 220 }));
    ro.observe(el);
    return () => { ro.disconnect(); plot.destroy(); };
  }, [history, options.xAxis, logScale, options.smoothing]);

  return (
    <figure class="chart-card" ref={box} aria-label={`Chart of ${metricKey}`}>
      <figcaption><strong>{metricKey}</strong>{history && history.length > 0 && <span class="muted"> · {history.length} point{history.length === 1 ? '' : 's'}, last {metricValue(lastOf(history))}</span>}
        {options.logScale && !positive && <span class="muted"> · linear: log scale needs positive values</span>}</figcaption>
      {error ? <ErrorBox error={error} /> : !history ? <div class="chart-placeholder muted">Loading history…</div>
        : history.length === 0 ? <div class="chart-placeholder muted">No points logged.</div> : null}
      <div class="chart-plot" ref={plotEl} />
    </figure>
  );
}
