// The charts view of an experiment (beside the runs table, compareRunsMode=CHART in the URL):
// a scatter of one metric across the runs matching the filter, against their start time, and
// the histories of that metric for the top N runs overlaid. Runs load a page at a time (the
// chart draws after the first page) up to kMaxChartRuns; at most kMaxDrawn of them are drawn,
// spread evenly, so an experiment of 10k runs stays responsive.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import * as api from '../api';
import { runIdOf, type Run } from '../api';
import { columnKey, keysSeen } from '../columns';
import { defaultMetric, makeAxis, sampleEvenly, valueOf } from '../compare';
import { exactTime } from '../format';
import { navigate } from '../nav';
import { runHash, type ExperimentViewState } from '../router';
import { Empty, ErrorBox, useAsync } from './common';
import { downloadPng, HistoryOverlay, PlotCard, Scatter, seriesColour } from './Plots';

export const kMaxChartRuns = 10_000;
export const kMaxDrawn = 2_000;
const kPage = 1000;

interface Loaded { runs: Run[]; done: boolean; error?: unknown }

/** Lower is better for these metric names (the top runs are the lowest). */
export function lowerIsBetter(metric: string): boolean {
  return /loss|error|err$|rmse|mse|mae|mape|time|duration|latency|false_/i.test(metric);
}

export function ExperimentCharts({ experimentId, state, onState }: {
  experimentId: string; state: ExperimentViewState; onState: (patch: Partial<ExperimentViewState>) => void;
}) {
  const [loaded, setLoaded] = useState<Loaded>({ runs: [], done: false });
  useEffect(() => {
    const ctl = new AbortController();
    setLoaded({ runs: [], done: false });
    (async () => {
      let token: string | undefined;
      let all: Run[] = [];
      do {
        const r = await api.searchRuns({ experimentIds: [experimentId], filter: state.searchFilter, orderBy: ['attributes.start_time ASC'], maxResults: kPage, pageToken: token }, ctl.signal);
        all = all.concat(r.runs);
        token = r.nextPageToken;
        if (!ctl.signal.aborted) setLoaded({ runs: all, done: !token || all.length >= kMaxChartRuns });
      } while (token && all.length < kMaxChartRuns && !ctl.signal.aborted);
    })().catch((error) => { if (!ctl.signal.aborted) setLoaded((l) => ({ ...l, done: true, error })); });
    return () => ctl.abort();
  }, [experimentId, state.searchFilter]);

  // Metric names from the first page (a later page rarely adds one; the box lists what is seen).
  const firstPage = loaded.runs.length > 0 ? loaded.runs.slice(0, kPage) : null;
  const metrics = useMemo(() => keysSeen(firstPage ?? []).metrics, [loaded.runs[0], Math.min(loaded.runs.length, kPage)]);
  const fallback = useMemo(() => defaultMetric(firstPage ?? []), [loaded.runs[0], Math.min(loaded.runs.length, kPage)]);
  const metric = state.chartMetric || fallback;
  const [lowerBetter, setLowerBetter] = useState<boolean | null>(null);
  const ascending = lowerBetter ?? lowerIsBetter(metric);

  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (loaded.runs.length === 0) return loaded.done ? <Empty>No runs match{state.searchFilter ? <> <code>{state.searchFilter}</code></> : null}.</Empty> : <div class="state state-loading" role="status"><span class="spinner" aria-hidden="true" />Loading runs…</div>;
  if (!metric) return <Empty>These runs logged no metrics to chart.</Empty>;
  return (
    <div class="charts-view">
      <div class="toolbar chart-controls">
        <label>Metric <select aria-label="Chart metric" value={metric} onChange={(e) => onState({ chartMetric: e.currentTarget.value })}>
          {(metrics.includes(metric) ? metrics : [metric, ...metrics]).map((m) => <option key={m} value={m}>{m}</option>)}</select></label>
        <label>Top <select aria-label="Top runs" value={String(state.chartTopN)} onChange={(e) => onState({ chartTopN: Number(e.currentTarget.value) })}>
          {[5, 10, 20, 50].map((n) => <option key={n} value={n}>{n}</option>)}</select> runs</label>
        <label class="check"><input type="checkbox" checked={ascending} onChange={(e) => setLowerBetter(e.currentTarget.checked)} /> Lower is better</label>
      </div>
      <RunsScatter runs={loaded.runs} done={loaded.done} metric={metric} />
      <TopHistories experimentId={experimentId} filter={state.searchFilter} metric={metric} topN={state.chartTopN} ascending={ascending} />
    </div>
  );
}

function RunsScatter({ runs, done, metric }: { runs: Run[]; done: boolean; metric: string }) {
  const withMetric = useMemo(() => runs.filter((r) => valueOf(r, 'metric', metric) !== undefined), [runs, metric]);
  const drawn = useMemo(() => sampleEvenly(withMetric, kMaxDrawn), [withMetric]);
  const x = useMemo(() => ({ ...makeAxis('metric', 'start time', drawn.map((r) => r.info.start_time)), format: (v: number) => exactTime(v).slice(0, 16) }), [drawn]);
  const y = useMemo(() => makeAxis('metric', metric, drawn.map((r) => valueOf(r, 'metric', metric))), [drawn, metric]);
  const labels = useMemo(() => drawn.map((r) => r.info.run_name || runIdOf(r).slice(0, 8)), [drawn]);
  const canvas = useRef<HTMLCanvasElement | null>(null);
  return (
    <PlotCard title={`${metric} across runs`} label="Metric across runs" onExport={() => downloadPng(canvas.current, `${metric}-across-runs`)}
      caption={<span role="status">{drawn.length < withMetric.length ? `${drawn.length.toLocaleString('en-US')} of ${withMetric.length.toLocaleString('en-US')} runs drawn (spread evenly over start time)` : `${withMetric.length.toLocaleString('en-US')} runs`} with {metric}
        {done ? (runs.length >= kMaxChartRuns ? ` · the first ${kMaxChartRuns.toLocaleString('en-US')} runs matching the filter` : '') : ' · loading more runs…'}</span>}>
      {drawn.length === 0 ? <Empty>No run has {metric}.</Empty>
        : <Scatter x={x} y={y} labels={labels} canvasRef={canvas} height={300}
          onPick={(i) => navigate(runHash(drawn[i].info.experiment_id, runIdOf(drawn[i])))} />}
    </PlotCard>
  );
}

function TopHistories({ experimentId, filter, metric, topN, ascending }: { experimentId: string; filter: string; metric: string; topN: number; ascending: boolean }) {
  const top = useAsync(async (signal) => {
    const r = await api.searchRuns({ experimentIds: [experimentId], filter, orderBy: [`${columnKey('metric', metric)} ${ascending ? 'ASC' : 'DESC'}`], maxResults: topN }, signal);
    const runs = r.runs.filter((run) => valueOf(run, 'metric', metric) !== undefined);
    const histories = await api.getSampledHistories(runs.map(runIdOf), metric, 500, signal);
    return { runs, histories };
  }, [experimentId, filter, metric, topN, ascending]);
  const plot = useRef<uPlot | null>(null);
  const series = useMemo(() => top.data ? top.data.runs.map((r, i) => ({ label: r.info.run_name || runIdOf(r).slice(0, 8), points: top.data!.histories.get(runIdOf(r)) ?? [], colour: seriesColour(i, top.data!.runs.length) })).filter((s) => s.points.length > 0) : [], [top.data]);
  return (
    <PlotCard title={`${metric}: histories of the top ${topN} runs`} label="Top runs' histories" onExport={() => downloadPng(plot.current?.ctx.canvas, `${metric}-top-${topN}`)}
      caption={`The ${topN} runs with the ${ascending ? 'lowest' : 'highest'} ${metric} (sorted on the server); histories sampled by the server.`}>
      {top.error ? <ErrorBox error={top.error} /> : !top.data ? <div class="chart-placeholder muted">Loading histories…</div>
        : series.length === 0 ? <Empty>No history of {metric}.</Empty> : <HistoryOverlay series={series} plotRef={plot} />}
    </PlotCard>
  );
}
