// Plots drawn on a plain 2D canvas: parallel coordinates (drag along an axis to keep only the
// lines crossing that range; a click on the axis clears it) and a scatter of two axes. Both
// render the axes they are given and export a PNG. Overlaid histories use uPlot.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { Metric } from '../api';
import { axisValueAt, brushed, colourAt, type Axis, type Brushes } from '../compare';
import { metricValue } from '../format';

export function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Saves a canvas as a PNG file (a blob URL and a download link). */
export function downloadPng(canvas: HTMLCanvasElement | null | undefined, fileName: string): void {
  if (!canvas) return;
  canvas.toBlob((blob) => {
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName.replace(/[^\w.-]+/g, '_') + '.png';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }, 'image/png');
}

export function PlotCard({ title, label, onExport, controls, children, caption }: {
  title: string; label: string; onExport: () => void; controls?: ComponentChildren; children: ComponentChildren; caption?: ComponentChildren;
}) {
  return (
    <figure class="chart-card plot-card" aria-label={label}>
      <figcaption class="plot-head"><strong>{title}</strong>{controls}<span class="spacer" />
        <button type="button" class="link-button" onClick={onExport}>Export PNG</button></figcaption>
      {children}
      {caption && <div class="muted plot-caption">{caption}</div>}
    </figure>
  );
}

/** A canvas sized to its box at the device's pixel ratio; draw gets a context in CSS pixels. */
function useCanvas(height: number, draw: (ctx: CanvasRenderingContext2D, w: number, h: number) => void, deps: unknown[]) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const measure = () => setWidth(Math.max(300, c.parentElement?.clientWidth ?? 600));
    measure();
    const ro = new ResizeObserver(measure);
    if (c.parentElement) ro.observe(c.parentElement);
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    const c = ref.current;
    if (!c || width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // An opaque background, so exported PNGs read in any viewer.
    ctx.fillStyle = cssVar('--bg', '#fff');
    ctx.fillRect(0, 0, width, height);
    draw(ctx, width, height);
    c.dataset.drawn = String(Date.now());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [width, height, ...deps]);
  return { ref, width };
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

const kPad = { top: 34, bottom: 26, left: 40, right: 40 };

/**
 * Parallel coordinates: one vertical axis per entry of `axes`, one line per run coloured by
 * `colour` (positions in [0, 1], NaN grey). Lines outside the brushes are drawn faint.
 */
export function ParallelCoordinates({ axes, colour, runNames, height = 340, onBrush, canvasRef }: {
  axes: Axis[]; colour: Float64Array; runNames: string[]; height?: number;
  onBrush?: (kept: Uint8Array) => void; canvasRef?: { current: HTMLCanvasElement | null };
}) {
  const [brushes, setBrushes] = useState<Brushes>(new Map());
  const drag = useRef<{ axis: number; from: number; to: number } | null>(null);
  const [dragTick, setTick] = useState(0);
  const n = runNames.length;
  useEffect(() => setBrushes(new Map()), [axes]);
  const kept = brushed(axes, brushes, n);
  useEffect(() => onBrush?.(kept), [brushes, axes]);

  const { ref, width } = useCanvas(height, (ctx, w, h) => {
    const plotH = h - kPad.top - kPad.bottom;
    const xs = axes.map((_, i) => kPad.left + (axes.length > 1 ? (i * (w - kPad.left - kPad.right)) / (axes.length - 1) : (w - kPad.left - kPad.right) / 2));
    const yOf = (p: number) => kPad.top + (1 - p) * plotH;
    const text = cssVar('--text', '#222');
    const muted = cssVar('--text-muted', '#666');
    const border = cssVar('--border', '#ccc');
    // Faint lines first, then the kept ones on top.
    for (const pass of [0, 1]) {
      ctx.lineWidth = pass ? 1.5 : 1;
      ctx.globalAlpha = pass ? (n > 300 ? 0.5 : 0.85) : 0.25;
      for (let r = 0; r < n; r++) {
        if (kept[r] !== pass) continue;
        ctx.strokeStyle = pass ? colourAt(colour[r]) : border;
        ctx.beginPath();
        let pen = false;
        for (let a = 0; a < axes.length; a++) {
          const p = axes[a].pos[r];
          if (!Number.isFinite(p)) { pen = false; continue; }
          if (pen) ctx.lineTo(xs[a], yOf(p));
          else ctx.moveTo(xs[a], yOf(p));
          pen = true;
        }
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
    ctx.font = '11px system-ui, sans-serif';
    axes.forEach((axis, a) => {
      const x = xs[a];
      ctx.strokeStyle = muted;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, kPad.top);
      ctx.lineTo(x, kPad.top + plotH);
      ctx.stroke();
      const brush = a === drag.current?.axis ? [Math.min(drag.current.from, drag.current.to), Math.max(drag.current.from, drag.current.to)] : brushes.get(a);
      if (brush) {
        ctx.fillStyle = 'rgba(47,129,247,0.25)';
        ctx.strokeStyle = 'rgba(47,129,247,0.9)';
        ctx.fillRect(x - 7, yOf(brush[1]), 14, yOf(brush[0]) - yOf(brush[1]));
        ctx.strokeRect(x - 7, yOf(brush[1]), 14, yOf(brush[0]) - yOf(brush[1]));
      }
      ctx.fillStyle = text;
      ctx.textAlign = a === 0 ? 'left' : a === axes.length - 1 ? 'right' : 'center';
      const room = Math.max(40, (w - kPad.left - kPad.right) / Math.max(1, axes.length - 1) - 6);
      const maxChars = Math.max(4, Math.floor(room / 6.5));
      ctx.fillText(clip(axis.key, maxChars), a === 0 ? x - 8 : a === axes.length - 1 ? x + 8 : x, 14);
      ctx.fillStyle = muted;
      const ticks = axis.numeric ? [0, 0.5, 1] : axis.categories.length <= 8 ? axis.categories.map((_, i) => (axis.categories.length > 1 ? i / (axis.categories.length - 1) : 0.5)) : [0, 1];
      const last = a === axes.length - 1 && axes.length > 1;
      ctx.textAlign = last ? 'right' : 'left';
      for (const t of ticks) ctx.fillText(clip(axisValueAt(axis, t), 10), last ? x - 3 : x + 3, yOf(t) + (t === 1 ? 9 : t === 0 ? -2 : 4));
    });
  }, [axes, colour, brushes, n, dragTick]);

  const refSet = (el: HTMLCanvasElement | null) => {
    (ref as { current: HTMLCanvasElement | null }).current = el;
    if (canvasRef) canvasRef.current = el;
  };
  const geometry = (e: PointerEvent) => {
    const c = ref.current!;
    const box = c.getBoundingClientRect();
    const x = e.clientX - box.left;
    const y = e.clientY - box.top;
    const plotH = height - kPad.top - kPad.bottom;
    const step = axes.length > 1 ? (width - kPad.left - kPad.right) / (axes.length - 1) : 0;
    const axis = step > 0 ? Math.round((x - kPad.left) / step) : 0;
    const near = axis >= 0 && axis < axes.length && Math.abs(kPad.left + axis * step - x) <= Math.max(14, step / 3);
    return { axis: near ? axis : -1, p: Math.max(0, Math.min(1, 1 - (y - kPad.top) / plotH)) };
  };
  const onDown = (e: PointerEvent) => {
    const g = geometry(e);
    if (g.axis < 0) return;
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    drag.current = { axis: g.axis, from: g.p, to: g.p };
  };
  const onMove = (e: PointerEvent) => {
    if (!drag.current) return;
    drag.current.to = geometry(e).p;
    setTick((t) => t + 1);
  };
  const onUp = () => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    const next = new Map(brushes);
    if (Math.abs(d.to - d.from) < 0.01) next.delete(d.axis);
    else next.set(d.axis, [Math.min(d.from, d.to), Math.max(d.from, d.to)]);
    setBrushes(next);
  };
  const keptCount = kept.reduce((s, k) => s + k, 0);
  return (
    <div class="pc-wrap">
      <canvas ref={refSet} class="plot-canvas pc-canvas" role="img"
        aria-label={`Parallel coordinates of ${n} runs over ${axes.map((a) => a.key).join(', ')}`}
        onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp} onPointerCancel={onUp} />
      <div class="muted plot-caption" role="status">{brushes.size > 0
        ? <>{keptCount} of {n} runs within the ranges dragged on {brushes.size} ax{brushes.size === 1 ? 'is' : 'es'} · <button type="button" class="link-button" onClick={() => setBrushes(new Map())}>Clear ranges</button></>
        : <>Drag along an axis to keep the lines crossing that range; click an axis to clear it.</>}</div>
    </div>
  );
}

/**
 * A scatter of runs: x and y positions from two axes, coloured by `colour`; `labels` show on
 * hover. `marks` rings points; `hollow` draws points as open squares instead of filled dots.
 */
export function Scatter({ x, y, colour, labels, marks, hollow, height = 300, canvasRef, onPick }: {
  x: Axis; y: Axis; colour?: Float64Array; labels: string[]; marks?: Uint8Array; hollow?: Uint8Array; height?: number; canvasRef?: { current: HTMLCanvasElement | null };
  /** Called with the index of a clicked dot. */
  onPick?: (index: number) => void;
}) {
  const [hover, setHover] = useState<number>(-1);
  const pad = { top: 12, bottom: 34, left: 64, right: 16 };
  const { ref, width } = useCanvas(height, (ctx, w, h) => {
    const pw = w - pad.left - pad.right;
    const ph = h - pad.top - pad.bottom;
    const muted = cssVar('--text-muted', '#666');
    const border = cssVar('--border', '#ccc');
    ctx.strokeStyle = border;
    ctx.strokeRect(pad.left, pad.top, pw, ph);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = muted;
    const ticksOf = (a: Axis) => a.numeric || a.categories.length > 8 ? [0, 0.5, 1]
      : a.categories.map((_, i) => (a.categories.length > 1 ? i / (a.categories.length - 1) : 0.5));
    for (const t of ticksOf(x)) {
      ctx.textAlign = t === 0 ? 'left' : t === 1 ? 'right' : 'center';
      ctx.fillText(clip(axisValueAt(x, t), x.format ? 20 : 12), pad.left + t * pw, h - pad.bottom + 14);
    }
    ctx.textAlign = 'right';
    for (const t of ticksOf(y)) ctx.fillText(clip(axisValueAt(y, t), 10), pad.left - 4, pad.top + (1 - t) * ph + 4);
    ctx.textAlign = 'center';
    ctx.fillText(x.key, pad.left + pw / 2, h - 4);
    const n = labels.length;
    for (let i = 0; i < n; i++) {
      const px = x.pos[i];
      const py = y.pos[i];
      if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
      const cx = pad.left + px * pw;
      const cy = pad.top + (1 - py) * ph;
      const r = n > 500 ? 2.5 : 4.5;
      const fill = colour ? colourAt(colour[i]) : cssVar('--chart-line', '#1f6fb2');
      ctx.globalAlpha = n > 500 ? 0.6 : 0.9;
      if (hollow?.[i]) {
        ctx.strokeStyle = fill;
        ctx.lineWidth = 2;
        ctx.strokeRect(cx - r, cy - r, 2 * r, 2 * r);
        ctx.lineWidth = 1;
      } else {
        ctx.beginPath();
        ctx.arc(cx, cy, r, 0, Math.PI * 2);
        ctx.fillStyle = fill;
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      if (marks?.[i]) {
        ctx.strokeStyle = cssVar('--danger', '#b42318');
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(cx, cy, 8, 0, Math.PI * 2);
        ctx.stroke();
        ctx.lineWidth = 1;
      }
    }
  }, [x, y, colour, labels, marks, hollow]);
  const refSet = (el: HTMLCanvasElement | null) => {
    (ref as { current: HTMLCanvasElement | null }).current = el;
    if (canvasRef) canvasRef.current = el;
  };
  const onMove = (e: PointerEvent) => {
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const mx = e.clientX - box.left;
    const my = e.clientY - box.top;
    const pw = width - pad.left - pad.right;
    const ph = height - pad.top - pad.bottom;
    let best = -1;
    let bestD = 100;
    for (let i = 0; i < labels.length; i++) {
      const dx = pad.left + x.pos[i] * pw - mx;
      const dy = pad.top + (1 - y.pos[i]) * ph - my;
      const d = dx * dx + dy * dy;
      if (d < bestD) { bestD = d; best = i; }
    }
    setHover(best);
  };
  return (
    <div class="pc-wrap">
      <canvas ref={refSet} class="plot-canvas" role="img" aria-label={`Scatter of ${y.key} against ${x.key}`} onPointerMove={onMove} onPointerLeave={() => setHover(-1)}
        onClick={() => { if (hover >= 0) onPick?.(hover); }} style={onPick && hover >= 0 ? { cursor: 'pointer' } : undefined} />
      <div class="muted plot-caption">{hover >= 0 ? `${labels[hover]}: ${x.key} = ${axisLabel(x, hover)}, ${y.key} = ${axisLabel(y, hover)}` : `y: ${y.key} · point at a dot for its run${onPick ? '; click to open it' : ''}`}</div>
    </div>
  );
}

function axisLabel(axis: Axis, i: number): string {
  const p = axis.pos[i];
  if (!Number.isFinite(p)) return '–';
  return axisValueAt(axis, p);
}

/** Several runs' histories of one metric on shared axes (uPlot), step on x. */
export function HistoryOverlay({ series, height = 260, plotRef }: {
  series: Array<{ label: string; points: Metric[]; colour: string }>; height?: number; plotRef?: { current: uPlot | null };
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = el.current;
    if (!box || series.length === 0) return;
    const steps = new Set<number>();
    for (const s of series) for (const p of s.points) steps.add(p.step);
    const xs = [...steps].sort((a, b) => a - b);
    const index = new Map(xs.map((s, i) => [s, i]));
    const ys = series.map((s) => {
      const y: Array<number | null> = new Array(xs.length).fill(null);
      for (const p of s.points) y[index.get(p.step)!] = p.value;
      return y;
    });
    const axis = cssVar('--text-muted', '#666');
    const grid = cssVar('--border', '#ddd');
    const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const single = xs.length <= 1;
    const plot = new uPlot({
      width: Math.max(300, box.clientWidth || 600),
      height,
      series: [{ label: 'step' }, ...series.map((s) => ({
        label: s.label, stroke: s.colour, width: 1.5, spanGaps: true,
        points: { show: single || xs.length <= 40, size: 6 }, value: (_u: uPlot, v: number | null) => metricValue(v ?? undefined),
      }))],
      axes: [{ ...axisStyle }, { ...axisStyle, size: 60, values: (_u, vals) => vals.map((v) => metricValue(v)) }],
      scales: { x: { time: false } },
      legend: { live: true },
    }, [xs, ...ys] as uPlot.AlignedData, box);
    if (plotRef) plotRef.current = plot;
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(300, box.clientWidth), height }));
    ro.observe(box);
    return () => { ro.disconnect(); plot.destroy(); if (plotRef) plotRef.current = null; };
  }, [series, height]);
  return <div class="chart-plot history-overlay" ref={el} />;
}

/** A distinct colour per series index. */
export function seriesColour(i: number, n: number): string {
  return `hsl(${Math.round((i * 360) / Math.max(1, n) + 210) % 360}, 65%, 48%)`;
}
