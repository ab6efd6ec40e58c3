// The run page: overview (details, description, parameters, metrics, tags, datasets), metric
// charts, and artifacts, as tabs whose choice is in the URL (MLflow's run routes).

import { useEffect, useMemo, useState } from 'preact/hooks';
import * as api from '../api';
import { kTagNote, kTagParentRunId, kTagSourceName, kTagSourceType, kTagGitCommit, loggedModels, runIdOf, tagValue, type Run } from '../api';
import { duration, exactTime, metricValue, relativeTime } from '../format';
import { navigate } from '../nav';
import { experimentHash, runHash, type RunTab } from '../router';
import type { XAxis } from '../sampling';
import { ArtifactBrowser } from '../components/ArtifactBrowser';
import { EditableText, Empty, ErrorBox, FilterBox, Loading, matches, useAsync } from '../components/common';
import { MetricChart, type ChartOptions } from '../components/MetricChart';
import { SearchView } from '../components/SearchView';
import { TagEditor } from '../components/Registry';
import { canOnExperiment } from '../access';
import { useAccess } from '../session';

/** How often the page of a running run is refreshed. */
export const kLiveRefreshMs = 3000;

export function RunPage({ experimentId, runId, tab, artifactPath }: { experimentId: string; runId: string; tab: RunTab; artifactPath: string }) {
  const run = useAsync((signal) => api.getRun(runId, signal), [runId]);
  const experiment = useAsync((signal) => api.getExperiment(experimentId, signal), [experimentId]);
  const access = useAccess();
  // A run in progress is read again every few seconds: metrics, status and times update in place
  // (the last answer stays shown meanwhile, so scroll, focus and selection stay where they are).
  const live = run.data?.info.status === 'RUNNING' || run.data?.info.status === 'SCHEDULED';
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => { if (!document.hidden) run.reload(); }, kLiveRefreshMs);
    return () => clearInterval(t);
  }, [live, runId]);

  if (run.error) {
    return <main class="main"><ErrorBox error={run.error} hint="The run may have been deleted; go back to the experiment's runs." />
      <p><a href={experimentHash(experimentId)}>Back to the experiment</a></p></main>;
  }
  if (!run.data) return <main class="main"><Loading what="the run" /></main>;
  const r = run.data;
  const name = r.info.run_name || runId;
  const tabs: Array<[RunTab, string]> = [['overview', 'Overview'], ['model-metrics', 'Model metrics'], ['artifacts', 'Artifacts']];

  return (
    <main class="main run-page">
      <nav class="breadcrumb" aria-label="Breadcrumb">
        <a href={experimentHash(experimentId)}>{experiment.data?.name ?? `Experiment ${experimentId}`}</a>
        <span aria-hidden="true"> › </span><span>{name}</span>
      </nav>
      <header class="page-header">
        <h1><EditableText label="run name" value={name} onSave={canOnExperiment(access, r.info.experiment_id, 'update') ? async (v) => { await api.renameRun(runId, v); run.reload(); } : undefined} /></h1>
        <span class={`status status-${r.info.status.toLowerCase()}`}>{r.info.status}</span>
        {live && <span class="muted live-badge" title={`Refreshed every ${kLiveRefreshMs / 1000} s while the run is in progress`}>live</span>}
      </header>
      <div class="tabs" role="tablist" aria-label="Run views">
        {tabs.map(([id, label]) => <a key={id} role="tab" aria-selected={tab === id} class={'tab' + (tab === id ? ' active' : '')} href={runHash(experimentId, runId, id)}>{label}</a>)}
      </div>
      <div role="tabpanel" class="tabpanel">
        {tab === 'overview' && <Overview run={r} reload={run.reload} />}
        {tab === 'model-metrics' && <Charts run={r} />}
        {tab === 'artifacts' && <ArtifactBrowser runId={runId} path={artifactPath} onSelect={(p) => navigate(runHash(experimentId, runId, 'artifacts', p), true)} />}
      </div>
    </main>
  );
}

function Overview({ run, reload }: { run: Run; reload: () => void }) {
  const id = runIdOf(run);
  const info = run.info;
  const parentId = tagValue(run, kTagParentRunId);
  // While the run is in progress (a search adding trials), its children are read again with it.
  const live = info.status === 'RUNNING';
  const children = useAsync((signal) => api.searchRuns({ experimentIds: [info.experiment_id], filter: `tags.mlflow.parentRunId = '${id}'`, orderBy: ['attributes.start_time ASC'], maxResults: 1000 }, signal), [id, live ? run : null]);
  const parent = useAsync((signal) => parentId ? api.getRun(parentId, signal) : Promise.resolve(null), [parentId]);
  const models = loggedModels(run);
  const source = tagValue(run, kTagSourceName);
  const commit = tagValue(run, kTagGitCommit);
  const [paramFilter, setParamFilter] = useState('');
  const [metricFilter, setMetricFilter] = useState('');
  const params = (run.data.params ?? []).filter((p) => matches(p.key, paramFilter) || matches(p.value, paramFilter));
  const metrics = (run.data.metrics ?? []).filter((m) => matches(m.key, metricFilter));
  const datasets = run.inputs?.dataset_inputs ?? [];
  const mayEdit = canOnExperiment(useAccess(), info.experiment_id, 'update');

  return (
    <div class="overview">
      <section class="card details" aria-label="Details">
        <table class="data-table kv">
          <tbody>
            <tr><th>Run ID</th><td><code>{id}</code></td></tr>
            <tr><th>Status</th><td><span class={`status status-${info.status.toLowerCase()}`}>{info.status}</span></td></tr>
            <tr><th>Started</th><td title={relativeTime(info.start_time, Date.now())}>{exactTime(info.start_time)}</td></tr>
            <tr><th>Ended</th><td>{exactTime(info.end_time) || <span class="muted">not yet</span>}</td></tr>
            <tr><th>Duration</th><td>{duration(info.start_time, info.end_time)}</td></tr>
            <tr><th>User</th><td>{info.user_id}</td></tr>
            <tr><th>Source</th><td>{source}{tagValue(run, kTagSourceType) && <span class="muted"> ({tagValue(run, kTagSourceType)})</span>}{commit && <span class="muted"> @ {commit.slice(0, 10)}</span>}</td></tr>
            <tr><th>Lifecycle</th><td>{info.lifecycle_stage}</td></tr>
            {parentId && <tr><th>Parent run</th><td><a href={runHash(info.experiment_id, parentId)}>{parent.data?.info.run_name ?? parentId}</a></td></tr>}
            {children.data && children.data.runs.length > 0 && <tr><th>Child runs</th><td class="child-links">{children.data.runs.map((c) =>
              <a key={runIdOf(c)} href={runHash(c.info.experiment_id, runIdOf(c))}>{c.info.run_name || runIdOf(c)}</a>)}</td></tr>}
            {models.length > 0 && <tr><th>Logged models</th><td>{models.map((m) => <a key={m.artifactPath} class="badge" href={runHash(info.experiment_id, id, 'artifacts', m.artifactPath)}>{m.artifactPath}</a>)}</td></tr>}
            <tr><th>Artifact URI</th><td><code>{info.artifact_uri}</code></td></tr>
          </tbody>
        </table>
      </section>
      {children.data && children.data.runs.length > 0 && <SearchView parent={run} children={children.data.runs} live={live} />}
      <section class="card" aria-label="Description">
        <h2>Description</h2>
        <EditableText label="description" multiline placeholder="No description. Edit to add one (Ctrl+Enter saves)." value={tagValue(run, kTagNote) ?? ''}
          onSave={mayEdit ? async (v) => { await api.setRunTag(id, kTagNote, v); reload(); } : undefined} />
      </section>
      {datasets.length > 0 && (
        <section class="card" aria-label="Datasets">
          <h2>Datasets used</h2>
          <table class="data-table"><thead><tr><th>Name</th><th>Digest</th><th>Source</th><th>Context</th></tr></thead>
            <tbody>{datasets.map((d, i) => <tr key={i}><td>{d.dataset.name}</td><td><code>{d.dataset.digest}</code></td><td>{d.dataset.source_type}: {d.dataset.source}</td>
              <td>{(d.tags ?? []).map((t) => `${t.key}=${t.value}`).join(', ')}</td></tr>)}</tbody></table>
        </section>
      )}
      <div class="two-columns">
        <section class="card" aria-label="Parameters">
          <h2>Parameters <span class="muted">({run.data.params?.length ?? 0})</span></h2>
          <FilterBox label="Filter parameters" value={paramFilter} onInput={setParamFilter} />
          {params.length === 0 ? <Empty>{paramFilter ? 'No parameter matches.' : 'No parameters logged.'}</Empty> :
            <table class="data-table params-table"><thead><tr><th>Name</th><th>Value</th></tr></thead>
              <tbody>{params.map((p) => <tr key={p.key}><td>{p.key}</td><td class="wrap">{p.value}</td></tr>)}</tbody></table>}
        </section>
        <section class="card" aria-label="Metrics">
          <h2>Metrics <span class="muted">({run.data.metrics?.length ?? 0})</span></h2>
          <FilterBox label="Filter metrics" value={metricFilter} onInput={setMetricFilter} />
          {metrics.length === 0 ? <Empty>{metricFilter ? 'No metric matches.' : 'No metrics logged.'}</Empty> :
            <table class="data-table metrics-table"><thead><tr><th>Name</th><th class="numeric">Latest value</th><th class="numeric">Step</th></tr></thead>
              <tbody>{metrics.map((m) => <tr key={m.key}><td><a href={runHash(info.experiment_id, id, 'model-metrics') + ''} title="Show the charts">{m.key}</a></td>
                <td class="numeric" title={String(m.value)}>{metricValue(m.value)}</td><td class="numeric">{m.step}</td></tr>)}</tbody></table>}
        </section>
      </div>
      <Tags run={run} reload={reload} />
    </div>
  );
}

function Tags({ run, reload }: { run: Run; reload: () => void }) {
  const id = runIdOf(run);
  const [showSystem, setShowSystem] = useState(false);
  const tags = (run.data.tags ?? []).filter((t) => showSystem || !t.key.startsWith('mlflow.'));
  const mayEdit = canOnExperiment(useAccess(), run.info.experiment_id, 'update');
  return (
    <TagEditor tags={tags}
      onSet={mayEdit ? async (key, value) => { await api.setRunTag(id, key, value); reload(); } : undefined}
      onDelete={mayEdit ? async (key) => { await api.deleteRunTag(id, key); reload(); } : undefined}
      emptyText={`No tags${showSystem ? '' : ' besides system tags'}. Add one below.`}>
      <label class="check"><input type="checkbox" checked={showSystem} onChange={(e) => setShowSystem(e.currentTarget.checked)} /> Show system tags (mlflow.*)</label>
    </TagEditor>
  );
}

function Charts({ run }: { run: Run }) {
  const id = runIdOf(run);
  const [filter, setFilter] = useState('');
  const [options, setOptions] = useState<ChartOptions>({ xAxis: 'step', logScale: false, smoothing: 0 });
  const keys = useMemo(() => (run.data.metrics ?? []).map((m) => m.key).sort((a, b) => a.localeCompare(b)), [run]);
  const latest = useMemo(() => new Map((run.data.metrics ?? []).map((m) => [m.key, m])), [run]);
  const shown = keys.filter((k) => matches(k, filter));
  if (keys.length === 0) return <Empty>This run logged no metrics.</Empty>;
  return (
    <div>
      <div class="toolbar chart-controls">
        <FilterBox label="Filter metrics" value={filter} onInput={setFilter} />
        <label>X axis <select value={options.xAxis} onChange={(e) => setOptions({ ...options, xAxis: e.currentTarget.value as XAxis })}>
          <option value="step">Step</option><option value="time">Time (wall)</option><option value="relative">Time (relative, s)</option></select></label>
        <label class="check"><input type="checkbox" checked={options.logScale} onChange={(e) => setOptions({ ...options, logScale: e.currentTarget.checked })} /> Log scale</label>
        <label>Smoothing <input type="range" min={0} max={0.99} step={0.01} value={options.smoothing}
          onInput={(e) => setOptions({ ...options, smoothing: Number(e.currentTarget.value) })} /> <span class="muted">{options.smoothing.toFixed(2)}</span></label>
      </div>
      {shown.length === 0 ? <Empty>No metric matches "{filter}".</Empty> :
        <div class="chart-grid">{shown.map((k) => <MetricChart key={k} runId={id} metricKey={k} latest={latest.get(k)} options={options} />)}</div>}
    </div>
  );
}
