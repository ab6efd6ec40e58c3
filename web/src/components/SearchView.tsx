// "Best so far": the view of a parent run holding a hyperparameter search (its children carry
// mlflow.parentRunId, and it has the trials.csv `orchard tune` writes). It shows the best
// objective so far against the trial number, each param against the objective (colour = trial
// order, so the sampler's moves from its random start to its later choices show; the best trial
// ringed), the trials table and the trials that were pruned (tag orchard.pruned). When the parent
// names its sampler (params `sampler` and, for TPE, `startup_trials`), each trial is marked as
// drawn at random or chosen by TPE (open squares in the plots, a column in the table).

import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import * as api from '../api';
import { runIdOf, tagValue, type Run } from '../api';
import { bestSoFar, bestTrial, kOriginLabel, makeAxis, parseTrials, samplerOf, trialOrigin, type SamplerInfo, type Search, type TrialOrigin } from '../compare';
import { parseCsv } from '../csv';
import { metricValue } from '../format';
import { runHash } from '../router';
import { Empty, ErrorBox, Loading, useAsync } from './common';
import { cssVar, downloadPng, PlotCard, Scatter } from './Plots';

export const kTagPruned = 'orchard.pruned';

export function SearchView({ parent, children, live }: { parent: Run; children: Run[]; live?: boolean }) {
  const id = runIdOf(parent);
  const objectiveParam = parent.data.params?.find((p) => p.key === 'objective')?.value;
  const csv = useAsync((signal) => api.fetchArtifactText(id, 'trials.csv', signal).then((t) => parseTrials(parseCsv(t), objectiveParam)), [id, live ? children : null]);
  const sampler = useMemo(() => samplerOf(parent.data.params), [parent.data.params]);
  const pruned = useMemo(() => new Map(children.filter((c) => tagValue(c, kTagPruned) !== undefined).map((c) => [runIdOf(c), tagValue(c, kTagPruned)!])), [children]);
  const search = useMemo(() => {
    if (!csv.data) return null;
    for (const t of csv.data.trials) if (pruned.has(t.runId)) t.pruned = pruned.get(t.runId);
    return csv.data;
  }, [csv.data, pruned]);
  return (
    <section class="card search-view" aria-label="Best so far">
      <h2>Best so far</h2>
      {csv.error && live ? <Empty>{children.length} trial{children.length === 1 ? '' : 's'} so far; the search writes trials.csv as it goes or when it ends, and this view shows it then.</Empty>
        : csv.error ? <ErrorBox error={csv.error} hint="This run has child runs but no trials.csv: it is not a search by orchard tune." />
        : !csv.data && csv.loading ? <Loading what="the trials" />
          : !search || search.trials.length === 0 ? <Empty>No trials recorded yet.</Empty>
            : <SearchPlots search={search} sampler={sampler} experimentId={parent.info.experiment_id} />}
    </section>
  );
}

function SearchPlots({ search, sampler, experimentId }: { search: Search; sampler: SamplerInfo | null; experimentId: string }) {
  const best = bestTrial(search);
  const n = search.trials.length;
  const origins = useMemo(() => search.trials.map((t) => trialOrigin(sampler, t.number)), [search, sampler]);
  const marked = origins.some((o) => o !== undefined);
  const hollow = useMemo(() => (marked ? Uint8Array.from(origins, (o) => (o === 'random' ? 1 : 0)) : undefined), [origins, marked]);
  const objective = useMemo(() => makeAxis('metric', search.objective, search.trials.map((t) => t.objective)), [search]);
  const order = useMemo(() => Float64Array.from(search.trials, (_, i) => (n > 1 ? i / (n - 1) : 0.5)), [search]);
  const marks = useMemo(() => Uint8Array.from(search.trials, (_, i) => (i === best ? 1 : 0)), [search, best]);
  const labels = search.trials.map((t, i) => `trial ${t.number}${origins[i] ? ` (${kOriginLabel[origins[i]!]})` : ''}${t.pruned !== undefined ? ' (pruned)' : ''}`);
  const prunedTrials = search.trials.filter((t) => t.pruned !== undefined || t.status === 'FAILED' || t.status === 'KILLED');
  const canvases = useRef<Record<string, HTMLCanvasElement | null>>({});
  const plot = useRef<uPlot | null>(null);
  return (
    <>
      <p class="search-summary">
        {best >= 0 ? <>Best {search.objective}: <strong>{metricValue(search.trials[best].objective)}</strong> at trial {search.trials[best].number}
          {search.trials[best].runId && <> (<a href={runHash(experimentId, search.trials[best].runId)}>open the run</a>)</>}</> : 'No trial finished.'}
        <span class="muted"> · {n} trials, {search.maximize ? 'maximizing' : 'minimizing'} · {prunedTrials.length === 0 ? 'none pruned' : `${prunedTrials.length} pruned or failed: ${prunedTrials.map((t) => `trial ${t.number}${t.pruned ? ` (round ${t.pruned})` : ''}`).join(', ')}`}</span>
      </p>
      {marked && <OriginLegend origins={origins} trials={search.trials.map((t) => t.number)} />}
      <div class="two-columns">
        <PlotCard title={`Best ${search.objective} so far`} label="Best so far by trial" onExport={() => downloadPng(plot.current?.ctx.canvas, `best-so-far-${search.objective}`)}
          caption="Dots: each trial's objective; line: the best up to that trial.">
          <BestSoFarChart search={search} plotRef={plot} />
        </PlotCard>
        {search.paramKeys.map((k) => {
          const x = makeAxis('param', k, search.trials.map((t) => t.params.get(k)));
          return (
            <PlotCard key={k} title={`${k} against ${search.objective}`} label={`Param ${k} against the objective`} onExport={() => downloadPng(canvases.current[k], `${k}-vs-${search.objective}`)}
              caption={`Colour: trial order (dark early, yellow late); ringed: the best trial${hollow?.some((h) => h) ? '; open squares: random trials' : ''}.`}>
              <Scatter x={x} y={objective} colour={order} labels={labels} marks={marks} hollow={hollow} height={220} canvasRef={{ get current() { return canvases.current[k] ?? null; }, set current(el) { canvases.current[k] = el; } }} />
            </PlotCard>);
        })}
      </div>
      <div class="table-scroll">
        <table class="data-table trials-table">
          <caption>Trials (trials.csv)</caption>
          <thead><tr><th class="numeric">Trial</th><th>Run</th><th>Status</th>{marked && <th>Chosen by</th>}<th class="numeric">{search.objective}</th><th class="numeric">Best so far</th>{search.paramKeys.map((k) => <th key={k}>{k}</th>)}</tr></thead>
          <tbody>{search.trials.map((t, i) => {
            const so = bestSoFar(search.trials.map((x) => x.objective), search.maximize)[i];
            return (
              <tr key={t.number} class={i === best ? 'best-row' : t.pruned !== undefined ? 'pruned-row' : undefined}>
                <td class="numeric">{t.number}</td>
                <td>{t.runId ? <a href={runHash(experimentId, t.runId)}>{t.runId.slice(0, 8)}</a> : ''}</td>
                <td>{t.pruned !== undefined ? `pruned at round ${t.pruned}` : t.status}{i === best && <span class="badge">best</span>}</td>
                {marked && <td class={origins[i] ? `origin origin-${origins[i]}` : undefined}>{origins[i] ? kOriginLabel[origins[i]!] : ''}</td>}
                <td class="numeric" title={String(t.objective)}>{metricValue(t.objective)}</td>
                <td class="numeric">{metricValue(so)}</td>
                {search.paramKeys.map((k) => <td key={k} title={t.params.get(k)}>{fmtParam(t.params.get(k))}</td>)}
              </tr>);
          })}</tbody>
        </table>
      </div>
    </>
  );
}

/** Which marker means what, and which trials each covers. */
function OriginLegend({ origins, trials }: { origins: Array<TrialOrigin | undefined>; trials: number[] }) {
  const span = (o: TrialOrigin) => {
    const nums = trials.filter((_, i) => origins[i] === o);
    if (nums.length === 0) return '';
    const contiguous = nums.every((v, i) => i === 0 || v === nums[i - 1] + 1);
    return nums.length === trials.length ? 'every trial' : contiguous && nums.length > 1 ? `trials ${nums[0]}–${nums[nums.length - 1]}` : `trial${nums.length === 1 ? '' : 's'} ${nums.join(', ')}`;
  };
  if (origins.every((o) => o === 'grid')) {
    return <p class="origin-legend muted" data-sampler="grid">Grid search: every trial is a point of the grid.</p>;
  }
  const random = span('random');
  const tpe = span('tpe');
  return (
    <p class="origin-legend" data-sampler={tpe ? 'tpe' : 'random'}>
      {random && <span class="origin-key"><span class="marker marker-random" aria-hidden="true" /> random ({random})</span>}
      {tpe && <span class="origin-key"><span class="marker marker-tpe" aria-hidden="true" /> {kOriginLabel.tpe} ({tpe})</span>}
    </p>
  );
}

function fmtParam(v: string | undefined): string {
  if (v === undefined) return '';
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) && !Number.isInteger(n) ? metricValue(n) : v;
}

function BestSoFarChart({ search, plotRef }: { search: Search; plotRef: { current: uPlot | null } }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = el.current;
    if (!box) return;
    const x = search.trials.map((t) => t.number);
    const y = search.trials.map((t) => (Number.isFinite(t.objective) ? t.objective : null));
    const best = bestSoFar(search.trials.map((t) => t.objective), search.maximize).map((v) => (Number.isFinite(v) ? v : null));
    const axis = cssVar('--text-muted', '#666');
    const grid = cssVar('--border', '#ddd');
    const line = cssVar('--chart-line', '#1f6fb2');
    const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const plot = new uPlot({
      width: Math.max(300, box.clientWidth || 500),
      height: 220,
      series: [
        { label: 'trial' },
        { label: search.objective, stroke: 'rgba(120,120,120,0.9)', paths: () => null, points: { show: true, size: 7, fill: 'rgba(120,120,120,0.6)' }, value: (_u, v) => metricValue(v ?? undefined) },
        { label: 'best so far', stroke: line, width: 2, paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false }, value: (_u, v) => metricValue(v ?? undefined) },
      ],
      axes: [{ ...axisStyle, label: 'trial' }, { ...axisStyle, size: 60, values: (_u, vals) => vals.map((v) => metricValue(v)) }],
      scales: { x: { time: false } },
    }, [x, y, best] as uPlot.AlignedData, box);
    plotRef.current = plot;
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(300, box.clientWidth), height: 220 }));
    ro.observe(box);
    return () => { ro.disconnect(); plot.destroy(); plotRef.current = null; };
  }, [search]);
  return <div class="chart-plot" ref={el} />;
}
