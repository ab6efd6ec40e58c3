// Comparing runs (#/compare-runs?runs=[...]&experiments=[...]): params and metrics side by side
// with "show only differences", parallel coordinates over the params coloured by a metric, a
// scatter of any two values, and the chosen runs' histories of a metric overlaid. Each plot
// exports a PNG.

import { useMemo, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import { runIdOf, type Run } from '../api';
import { axesFor, compareRows, defaultMetric, makeAxis, valueOf, type ValueKind } from '../compare';
import { metricValue } from '../format';
import { experimentHash, runHash } from '../router';
import { Empty, ErrorBox, Loading, useAsync } from '../components/common';
import { downloadPng, HistoryOverlay, ParallelCoordinates, PlotCard, Scatter, seriesColour } from '../components/Plots';
import type uPlot from 'uplot';

const kMaxRuns = 1000;
/** The most runs the side-by-side table shows (the plots show them all). */
const kMaxTableRuns = 100;

/** The runs by id, in the order asked for: one search per 100 ids, run by run when that fails. */
export async function loadRuns(runIds: string[], experimentIds: string[], signal?: AbortSignal): Promise<Run[]> {
  const ids = runIds.slice(0, kMaxRuns);
  const byId = new Map<string, Run>();
  if (experimentIds.length > 0) {
    try {
      for (let i = 0; i < ids.length; i += 100) {
        const chunk = ids.slice(i, i + 100);
        const r = await api.searchRuns({ experimentIds, filter: `attributes.run_id IN (${chunk.map((id) => `'${id.replace(/'/g, '')}'`).join(',')})`, maxResults: 1000 }, signal);
        for (const run of r.runs) byId.set(runIdOf(run), run);
      }
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
    }
  }
  const missing = ids.filter((id) => !byId.has(id));
  for (let i = 0; i < missing.length; i += 8) {
    const got = await Promise.all(missing.slice(i, i + 8).map((id) => api.getRun(id, signal).catch((e) => { if ((e as Error).name === 'AbortError') throw e; return null; })));
    for (const run of got) if (run) byId.set(runIdOf(run), run);
  }
  return ids.map((id) => byId.get(id)).filter((r): r is Run => !!r);
}

export function runLabel(run: Run): string {
  return run.info.run_name || runIdOf(run).slice(0, 8);
}

type Column = { kind: ValueKind; key: string };
const colId = (c: Column) => `${c.kind}:${c.key}`;
const fromId = (id: string): Column => ({ kind: id.startsWith('metric:') ? 'metric' : 'param', key: id.slice(id.indexOf(':') + 1) });

export function ComparePage({ runIds, experimentIds }: { runIds: string[]; experimentIds: string[] }) {
  const runs = useAsync((signal) => loadRuns(runIds, experimentIds, signal), [runIds.join(','), experimentIds.join(',')]);
  const back = experimentIds[0] ? experimentHash(experimentIds[0]) : '#/';
  return (
    <main class="main compare-page">
      <nav class="breadcrumb" aria-label="Breadcrumb"><a href={back}>Back to the runs</a></nav>
      <header class="page-header"><h1>Comparing {runIds.length} runs</h1>
        {runIds.length > kMaxRuns && <span class="muted">the first {kMaxRuns} are shown</span>}</header>
      {runs.error ? <ErrorBox error={runs.error} onRetry={runs.reload} /> : !runs.data ? <Loading what="the runs" /> :
        runs.data.length === 0 ? <Empty>None of these runs exist any more. <a href={back}>Pick others</a>.</Empty> :
          <CompareView runs={runs.data} />}
    </main>
  );
}

export function CompareView({ runs }: { runs: Run[] }) {
  const rows = useMemo(() => compareRows(runs), [runs]);
  const params = rows.filter((r) => r.kind === 'param');
  const metrics = rows.filter((r) => r.kind === 'metric');
  const firstMetric = useMemo(() => defaultMetric(runs), [runs]);
  const [colourBy, setColourBy] = useState(firstMetric);
  const varying = params.filter((p) => p.differs);
  const axisColumns: Column[] = useMemo(() => [
    ...(varying.length ? varying : params).slice(0, 24).map((p) => ({ kind: 'param' as const, key: p.key })),
    ...(colourBy ? [{ kind: 'metric' as const, key: colourBy }] : []),
  ], [runs, colourBy]);
  const axes = useMemo(() => axesFor(runs, axisColumns), [runs, axisColumns]);
  const colour = useMemo(() => makeAxis('metric', colourBy, runs.map((r) => valueOf(r, 'metric', colourBy))).pos, [runs, colourBy]);
  const names = useMemo(() => runs.map(runLabel), [runs]);
  const pcCanvas = useRef<HTMLCanvasElement | null>(null);
  const [kept, setKept] = useState<Uint8Array | null>(null);

  return (
    <div class="compare">
      <PlotCard title="Parallel coordinates" label="Parallel coordinates" onExport={() => downloadPng(pcCanvas.current, 'parallel-coordinates')}
        controls={metrics.length > 0 && <label class="plot-control">Colour by <select aria-label="Colour by metric" value={colourBy} onChange={(e) => setColourBy(e.currentTarget.value)}>
          {metrics.map((m) => <option key={m.key} value={m.key}>{m.key}</option>)}</select></label>}>
        {axes.length === 0 ? <Empty>These runs have no params to compare.</Empty>
          : <ParallelCoordinates axes={axes} colour={colour} runNames={names} canvasRef={pcCanvas} onBrush={setKept} />}
      </PlotCard>
      <div class="two-columns">
        <ScatterCard runs={runs} rows={rows} names={names} colour={colour} initialY={firstMetric} />
        <HistoryCard runs={runs} metricKeys={metrics.map((m) => m.key)} initial={firstMetric} />
      </div>
      <DiffTable runs={runs} rows={rows} kept={kept} />
    </div>
  );
}

function ScatterCard({ runs, rows, names, colour, initialY }: { runs: Run[]; rows: ReturnType<typeof compareRows>; names: string[]; colour: Float64Array; initialY: string }) {
  const options = rows.map((r) => colId(r));
  const firstParam = rows.find((r) => r.kind === 'param' && r.differs) ?? rows.find((r) => r.kind === 'param');
  const [xId, setX] = useState(firstParam ? colId(firstParam) : options[0] ?? '');
  const [yId, setY] = useState(initialY ? `metric:${initialY}` : options[1] ?? options[0] ?? '');
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const x = useMemo(() => { const c = fromId(xId); return makeAxis(c.kind, c.key, runs.map((r) => valueOf(r, c.kind, c.key))); }, [runs, xId]);
  const y = useMemo(() => { const c = fromId(yId); return makeAxis(c.kind, c.key, runs.map((r) => valueOf(r, c.kind, c.key))); }, [runs, yId]);
  const select = (label: string, value: string, set: (v: string) => void) => (
    <label class="plot-control">{label} <select aria-label={`Scatter ${label}`} value={value} onChange={(e) => set(e.currentTarget.value)}>
      <optgroup label="Params">{rows.filter((r) => r.kind === 'param').map((r) => <option key={colId(r)} value={colId(r)}>{r.key}</option>)}</optgroup>
      <optgroup label="Metrics">{rows.filter((r) => r.kind === 'metric').map((r) => <option key={colId(r)} value={colId(r)}>{r.key}</option>)}</optgroup>
    </select></label>);
  if (options.length === 0) return null;
  return (
    <PlotCard title="Scatter" label="Scatter" onExport={() => downloadPng(canvas.current, `scatter-${y.key}-vs-${x.key}`)}
      controls={<>{select('x', xId, setX)}{select('y', yId, setY)}</>}>
      <Scatter x={x} y={y} colour={colour} labels={names} canvasRef={canvas} />
    </PlotCard>
  );
}

function HistoryCard({ runs, metricKeys, initial }: { runs: Run[]; metricKeys: string[]; initial: string }) {
  const [metric, setMetric] = useState(initial);
  const shown = runs.slice(0, 50);
  const ids = shown.map(runIdOf);
  const histories = useAsync((signal) => metric ? api.getSampledHistories(ids, metric, 500, signal) : Promise.resolve(new Map()), [ids.join(','), metric]);
  const plot = useRef<uPlot | null>(null);
  const series = useMemo(() => histories.data ? shown.map((r, i) => ({ label: runLabel(r), points: histories.data!.get(runIdOf(r)) ?? [], colour: seriesColour(i, shown.length) })).filter((s) => s.points.length > 0) : [], [histories.data]);
  if (metricKeys.length === 0) return null;
  return (
    <PlotCard title="Metric history" label="Metric history" onExport={() => downloadPng(plot.current?.ctx.canvas, `history-${metric}`)}
      controls={<label class="plot-control">Metric <select aria-label="History metric" value={metric} onChange={(e) => setMetric(e.currentTarget.value)}>
        {metricKeys.map((k) => <option key={k} value={k}>{k}</option>)}</select></label>}
      caption={runs.length > shown.length ? `The first ${shown.length} of ${runs.length} runs; histories sampled by the server.` : 'Histories sampled by the server.'}>
      {histories.error ? <ErrorBox error={histories.error} /> : !histories.data ? <div class="chart-placeholder muted">Loading histories…</div>
        : series.length === 0 ? <Empty>No history of {metric}.</Empty> : <HistoryOverlay series={series} plotRef={plot} />}
    </PlotCard>
  );
}

function DiffTable({ runs, rows, kept }: { runs: Run[]; rows: ReturnType<typeof compareRows>; kept: Uint8Array | null }) {
  const [onlyDiff, setOnlyDiff] = useState(false);
  const [onlyKept, setOnlyKept] = useState(false);
  const eligible = runs.map((r, i) => ({ r, i })).filter(({ i }) => !onlyKept || !kept || kept[i]);
  const cols = eligible.slice(0, kMaxTableRuns);
  const shownRows = rows.filter((r) => !onlyDiff || r.differs);
  const section = (kind: ValueKind, title: string) => {
    const list = shownRows.filter((r) => r.kind === kind);
    return list.length === 0 ? null : (
      <tbody>
        <tr class="section-row"><th colSpan={cols.length + 1}>{title} ({list.length})</th></tr>
        {list.map((row) => (
          <tr key={row.kind + row.key} class={row.differs ? 'differs' : undefined}>
            <th scope="row" title={row.key}>{row.key}</th>
            {cols.map(({ i }) => { const v = row.values[i]; return <td key={i} class={kind === 'metric' ? 'numeric' : undefined} title={v === undefined ? '' : String(v)}>{typeof v === 'number' ? metricValue(v) : v ?? <span class="muted">–</span>}</td>; })}
          </tr>))}
      </tbody>);
  };
  return (
    <section class="card" aria-label="Params and metrics">
      <div class="plot-head"><h2>Params and metrics</h2>
        <label class="check"><input type="checkbox" checked={onlyDiff} onChange={(e) => setOnlyDiff(e.currentTarget.checked)} /> Show only differences</label>
        {kept && kept.some((k) => !k) && <label class="check"><input type="checkbox" checked={onlyKept} onChange={(e) => setOnlyKept(e.currentTarget.checked)} /> Only runs within the dragged ranges</label>}
      </div>
      <div class="table-scroll">
        <table class="data-table diff-table">
          <thead><tr><th>Run</th>{cols.map(({ r }) => <th key={runIdOf(r)}><a href={runHash(r.info.experiment_id, runIdOf(r))}>{runLabel(r)}</a></th>)}</tr></thead>
          {section('param', 'Params')}
          {section('metric', 'Metrics')}
        </table>
      </div>
      {eligible.length > cols.length && <p class="muted">The table shows the first {cols.length} of {eligible.length} runs; the plots show them all (drag on the parallel coordinates to narrow them down).</p>}
      {shownRows.length === 0 && <Empty>{onlyDiff ? 'These runs have the same params and metrics.' : 'Nothing logged.'}</Empty>}
    </section>
  );
}
