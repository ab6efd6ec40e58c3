// The experiment page: the experiments side list and the runs of the chosen experiment, with
// the search box, sorting, columns, nested runs, selection for comparison and CSV export. The
// filter, sort and columns live in the URL (MLflow's names), so views can be shared. While
// loaded runs are RUNNING or SCHEDULED, those rows (up to kLiveLimit) are read again with
// runs/get every kLiveInterval ms and replaced in place; the rows, their order, the scroll
// position, focus, selection and expanded parents stay as they are.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import { runIdOf, type Run } from '../api';
import { buildOrderBy, childrenFilter, columnKey, keysSeen, visibleDataColumns } from '../columns';
import { runsToCsv } from '../csv';
import { navigate } from '../nav';
import { formatHash, runHash, type ExperimentViewState } from '../router';
import { buildRows, liveRunIds, replaceRuns } from '../runtree';
import { ColumnChooser } from '../components/ColumnChooser';
import { Empty, ErrorBox, Loading, useAsync } from '../components/common';
import { RunsTable } from '../components/RunsTable';
import { ExperimentCharts } from '../components/ExperimentCharts';

const kPageSize = 1000;
const kLiveInterval = 3000;
const kLiveLimit = 50;

interface Loaded {
  runs: Run[];
  nextPageToken?: string;
  loadingMore: boolean;
  error?: unknown;
  done: boolean;
}

export function ExperimentPage({ experimentId, state }: { experimentId: string; state: ExperimentViewState }) {
  const experiment = useAsync((signal) => api.getExperiment(experimentId, signal), [experimentId]);
  const orderBy = useMemo(() => buildOrderBy(state.orderByKey, state.orderByAsc), [state.orderByKey, state.orderByAsc]);
  const queryKey = JSON.stringify([experimentId, state.searchFilter, orderBy]);
  const [loaded, setLoaded] = useState<Loaded>({ runs: [], loadingMore: true, done: false });
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [fetched, setFetched] = useState<Map<string, Run[]>>(new Map());
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [draftFilter, setDraftFilter] = useState(state.searchFilter);
  const [now, setNow] = useState(Date.now());
  const [tick, setTick] = useState(0);
  const [liveTick, setLiveTick] = useState(0);
  const abort = useRef<AbortController | null>(null);

  useEffect(() => setDraftFilter(state.searchFilter), [state.searchFilter]);
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);

  const loadPage = (pageToken: string | undefined, reset: boolean) => {
    abort.current?.abort();
    const ctl = new AbortController();
    abort.current = ctl;
    setLoaded((l) => reset ? { runs: [], loadingMore: true, done: false } : { ...l, loadingMore: true, error: undefined });
    api.searchRuns({ experimentIds: [experimentId], filter: state.searchFilter, orderBy, maxResults: kPageSize, pageToken }, ctl.signal)
      .then((r) => {
        if (ctl.signal.aborted) return;
        setLoaded((l) => ({ runs: reset ? r.runs : [...l.runs, ...r.runs], nextPageToken: r.nextPageToken, loadingMore: false, done: !r.nextPageToken }));
      }, (error) => {
        if (ctl.signal.aborted) return;
        setLoaded((l) => ({ ...l, loadingMore: false, error }));
      });
  };

  useEffect(() => {
    setFetched(new Map());
    requested.current.key = '';
    loadPage(undefined, true);
    return () => abort.current?.abort();
  }, [queryKey, tick]);

  // An expanded parent's children, searched in their own right (they may not all be loaded).
  const requested = useRef<{ key: string; ids: Set<string>; ctl: AbortController }>({ key: '', ids: new Set(), ctl: new AbortController() });
  useEffect(() => {
    if (requested.current.key !== queryKey) {
      requested.current.ctl.abort();
      requested.current = { key: queryKey, ids: new Set(), ctl: new AbortController() };
    }
    const { ids, ctl } = requested.current;
    for (const id of expanded) {
      if (ids.has(id)) continue;
      ids.add(id);
      api.searchRuns({ experimentIds: [experimentId], filter: childrenFilter(id, state.searchFilter), orderBy, maxResults: kPageSize }, ctl.signal)
        .then((r) => { if (!ctl.signal.aborted) setFetched((m) => new Map(m).set(id, r.runs)); },
          () => { ids.delete(id); /* the loaded children stay shown */ });
    }
  }, [expanded, queryKey, tick]);
  useEffect(() => () => requested.current.ctl.abort(), []);

  const rows = useMemo(() => buildRows(loaded.runs, expanded, fetched), [loaded.runs, expanded, fetched]);
  const allRuns = useMemo(() => {
    const byId = new Map<string, Run>();
    for (const r of loaded.runs) byId.set(runIdOf(r), r);
    for (const list of fetched.values()) for (const r of list) byId.set(runIdOf(r), r);
    return [...byId.values()];
  }, [loaded.runs, fetched]);
  const seen = useMemo(() => keysSeen(allRuns), [allRuns]);

  // Live rows: the running runs among those loaded (the shown rows first), read again until
  // none is running. New runs do not appear until the search is run again.
  const liveIds = useMemo(() => liveRunIds([...rows.map((r) => r.run), ...allRuns], kLiveLimit), [rows, allRuns]);
  const liveKey = liveIds.join(',');
  useEffect(() => {
    if (!liveKey) return;
    const ids = liveKey.split(',');
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      Promise.all(ids.map((id) => api.getRun(id, ctl.signal).catch(() => null))).then((got) => {
        if (ctl.signal.aborted) return;
        const updates = new Map<string, Run>();
        for (const r of got) if (r) updates.set(runIdOf(r), r);
        if (updates.size === 0) { setLiveTick((t) => t + 1); return; }
        setLoaded((l) => {
          const runs = replaceRuns(l.runs, updates);
          return runs === l.runs ? l : { ...l, runs };
        });
        setFetched((m) => {
          let next: Map<string, Run[]> | null = null;
          for (const [parent, list] of m) {
            const replaced = replaceRuns(list, updates);
            if (replaced !== list) (next ??= new Map(m)).set(parent, replaced);
          }
          return next ?? m;
        });
        setLiveTick((t) => t + 1);
      });
    }, kLiveInterval);
    return () => { clearTimeout(timer); ctl.abort(); };
  }, [liveKey, liveTick, queryKey]);
  const dataColumns = useMemo(() => visibleDataColumns(seen, state.selectedColumns), [seen, state.selectedColumns]);
  const shownKeys = dataColumns.map((c) => columnKey(c.kind, c.name));

  const setState = (patch: Partial<ExperimentViewState>, replace = false) =>
    navigate(formatHash({ page: 'experiment', experimentId, state: { ...state, ...patch } }), replace);

  const onSort = (key: string) => {
    if (key === state.orderByKey) setState({ orderByAsc: !state.orderByAsc });
    else setState({ orderByKey: key, orderByAsc: key === 'attributes.run_name' || key === 'attributes.user_id' });
  };
  const toggle = (set: Set<string>, id: string) => {
    const next = new Set(set);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  };

  const downloadCsv = () => {
    const csv = runsToCsv(allRuns, dataColumns);
    const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `runs-${experiment.data?.name ?? experimentId}.csv`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const selectedIds = [...selected];
  const compareHash = formatHash({ page: 'compare-runs', runs: selectedIds, experiments: [experimentId] });
  const filterError = loaded.error && (loaded.error as api.ApiError).errorCode === 'INVALID_PARAMETER_VALUE' ? loaded.error : null;

  const charts = state.compareRunsMode === 'CHART';
  if (experiment.error) {
    return <main class="main"><ErrorBox error={experiment.error} hint="Choose an experiment from the list on the left." /></main>;
  }

  return (
    <main class="main experiment-page">
      <header class="page-header">
        <h1>{experiment.data?.name ?? '…'}</h1>
        <span class="muted">Experiment ID {experimentId}</span>
        {experiment.data?.artifact_location && <span class="muted" title="Artifact location">{experiment.data.artifact_location}</span>}
        <span class="spacer" />
        <nav class="view-toggle" aria-label="Runs view">
          <a href={formatHash({ page: 'experiment', experimentId, state: { ...state, compareRunsMode: 'TABLE' } })} aria-current={charts ? undefined : 'page'}>Table</a>
          <a href={formatHash({ page: 'experiment', experimentId, state: { ...state, compareRunsMode: 'CHART' } })} aria-current={charts ? 'page' : undefined}>Charts</a>
        </nav>
      </header>
      <form class="toolbar" role="search" onSubmit={(e) => { e.preventDefault(); setState({ searchFilter: draftFilter.trim() }); }}>
        <input type="search" class={'search-runs' + (filterError ? ' invalid' : '')} value={draftFilter}
          aria-label="Search runs" aria-invalid={filterError ? 'true' : undefined} aria-describedby="filter-help"
          placeholder="metrics.rmse < 1 and params.model = &quot;tree&quot;"
          onInput={(e) => setDraftFilter(e.currentTarget.value)} />
        <button type="submit">Search</button>
        {state.searchFilter && <button type="button" onClick={() => setState({ searchFilter: '' })}>Clear</button>}
        <ColumnChooser seen={seen} shown={shownKeys} onChange={(keys) => setState({ selectedColumns: keys }, true)} />
        <span class="spacer" />
        {selectedIds.length >= 2
          ? <a class="button" href={compareHash}>Compare ({selectedIds.length})</a>
          : <button type="button" disabled title="Select two or more runs to compare">Compare</button>}
        <button type="button" onClick={downloadCsv} disabled={allRuns.length === 0}>Download CSV</button>
      </form>
      {filterError
        ? <div id="filter-help" class="filter-error" role="alert"><strong>This search did not parse:</strong> {(filterError as Error).message}
          <div class="error-hint">Fix the search and press Enter. Examples: <code>metrics.test_PR_AUC &gt; 0.1</code>, <code>params.max_depth = '6'</code>, <code>tags.mlflow.runName LIKE 'trial%'</code>.</div></div>
        : <div id="filter-help" class="sr-only">Search with MLflow's syntax, then press Enter.</div>}
      {!charts && <div class="runs-status muted" aria-live="polite">
        {loaded.runs.length} run{loaded.runs.length === 1 ? '' : 's'} loaded{loaded.done ? '' : ', more as you scroll'}
        {liveIds.length > 0 && <> · <span class="live-badge" title={`Rows of running runs are read again every ${kLiveInterval / 1000} s`}>{liveIds.length}{liveIds.length >= kLiveLimit ? '+' : ''} running, live</span></>}
        {selectedIds.length > 0 && <> · {selectedIds.length} selected <button type="button" class="link-button" onClick={() => setSelected(new Set())}>clear</button></>}
      </div>}
      {loaded.error && !filterError ? <ErrorBox error={loaded.error} onRetry={() => setTick((t) => t + 1)} /> : null}
      {filterError ? null : charts ? <ExperimentCharts experimentId={experimentId} state={state} onState={(patch) => setState(patch, true)} /> : loaded.runs.length === 0 && loaded.loadingMore ? <Loading what="runs" /> :
        loaded.runs.length === 0 && !loaded.error
          ? <Empty>{state.searchFilter
            ? <>No run matches <code>{state.searchFilter}</code>. Loosen the search or <button type="button" class="link-button" onClick={() => setState({ searchFilter: '' })}>clear it</button>.</>
            : <>No runs in this experiment yet. Log one with <code>orchard runs create --experiment-id {experimentId}</code> or from MLflow's client with <code>MLFLOW_TRACKING_URI</code> pointing here.</>}</Empty>
          : rows.length > 0 && <RunsTable rows={rows} dataColumns={dataColumns} orderByKey={state.orderByKey} orderByAsc={state.orderByAsc}
            selected={selected} now={now} hasMore={!!loaded.nextPageToken && !loaded.error} loadingMore={loaded.loadingMore && loaded.runs.length > 0}
            onSort={onSort} onToggleExpand={(id) => setExpanded((s) => toggle(s, id))} onToggleSelect={(id) => setSelected((s) => toggle(s, id))}
            onSelectAll={(on) => setSelected(on ? new Set(rows.map((r) => runIdOf(r.run))) : new Set())}
            onOpen={(run) => navigate(runHash(run.info.experiment_id, runIdOf(run)))}
            onNearEnd={() => { if (loaded.nextPageToken) loadPage(loaded.nextPageToken, false); }} />}
    </main>
  );
}
