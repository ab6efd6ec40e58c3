// Hash routes, as MLflow's UI names them, and the experiment view's state in the query string
// (searchFilter, orderByKey, orderByAsc, selectedColumns). Pure functions: parseHash turns
// location.hash into a Route, formatHash turns a Route back; they round-trip.

export type RunTab = 'overview' | 'model-metrics' | 'artifacts';

export interface ExperimentViewState {
  searchFilter: string;
  /** e.g. attributes.start_time or metrics.`test_PR_AUC` */
  orderByKey: string;
  orderByAsc: boolean;
  /** Column keys to show; null means the default (every metric and param seen). */
  selectedColumns: string[] | null;
  /** The runs as a table or as charts (MLflow's compareRunsMode=CHART). */
  compareRunsMode: 'TABLE' | 'CHART';
  /** The charts view's metric ('' = the first one seen) and how many top runs' histories it overlays. */
  chartMetric: string;
  chartTopN: number;
}

export const kDefaultTopN = 10;

export type Route =
  | { page: 'home' }
  | { page: 'experiment'; experimentId: string; state: ExperimentViewState }
  | { page: 'run'; experimentId: string; runId: string; tab: RunTab; artifactPath: string }
  | { page: 'run-redirect'; runId: string }
  | { page: 'compare-runs'; runs: string[]; experiments: string[] }
  | { page: 'models'; search?: string }
  | { page: 'model'; name: string }
  | { page: 'model-version'; name: string; version: string }
  | { page: 'not-found'; path: string };

export const kDefaultOrderByKey = 'attributes.start_time';

export function defaultViewState(): ExperimentViewState {
  return { searchFilter: '', orderByKey: kDefaultOrderByKey, orderByAsc: false, selectedColumns: null, compareRunsMode: 'TABLE', chartMetric: '', chartTopN: kDefaultTopN };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseJsonList(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return raw.split(',').filter(Boolean);
  }
}

export function parseViewState(query: URLSearchParams): ExperimentViewState {
  const state = defaultViewState();
  state.searchFilter = query.get('searchFilter') ?? '';
  const key = query.get('orderByKey');
  if (key) state.orderByKey = key;
  const asc = query.get('orderByAsc');
  if (asc !== null) state.orderByAsc = asc === 'true';
  if (query.has('selectedColumns')) state.selectedColumns = parseJsonList(query.get('selectedColumns'));
  if (query.get('compareRunsMode') === 'CHART') state.compareRunsMode = 'CHART';
  state.chartMetric = query.get('chartMetric') ?? '';
  const topN = Number(query.get('chartTopN'));
  if (Number.isInteger(topN) && topN > 0 && topN <= 100) state.chartTopN = topN;
  return state;
}

export function formatViewState(state: ExperimentViewState): string {
  const q = new URLSearchParams();
  if (state.searchFilter) q.set('searchFilter', state.searchFilter);
  if (state.orderByKey !== kDefaultOrderByKey || state.orderByAsc) {
    q.set('orderByKey', state.orderByKey);
    q.set('orderByAsc', String(state.orderByAsc));
  }
  if (state.selectedColumns) q.set('selectedColumns', JSON.stringify(state.selectedColumns));
  if (state.compareRunsMode === 'CHART') q.set('compareRunsMode', 'CHART');
  if (state.chartMetric) q.set('chartMetric', state.chartMetric);
  if (state.chartTopN !== kDefaultTopN) q.set('chartTopN', String(state.chartTopN));
  return q.toString();
}

/** Parses a location.hash ("#/experiments/1?searchFilter=...") into a Route. */
export function parseHash(hash: string): Route {
  let h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (!h.startsWith('/')) h = '/' + h;
  const qAt = h.indexOf('?');
  const path = qAt >= 0 ? h.slice(0, qAt) : h;
  const query = new URLSearchParams(qAt >= 0 ? h.slice(qAt + 1) : '');
  const parts = path.split('/').filter((p) => p !== '').map(decodeSegment);

  if (parts.length === 0) return { page: 'home' };
  const [head] = parts;
  if (head === 'experiments' && parts.length >= 2) {
    const experimentId = parts[1];
    if (parts.length === 2) return { page: 'experiment', experimentId, state: parseViewState(query) };
    if (parts[2] === 'runs' && parts.length >= 4) {
      const runId = parts[3];
      if (parts.length === 4) return { page: 'run', experimentId, runId, tab: 'overview', artifactPath: '' };
      if (parts[4] === 'artifactPath') {
        return { page: 'run', experimentId, runId, tab: 'artifacts', artifactPath: parts.slice(5).join('/') };
      }
      if (parts.length === 5 && (parts[4] === 'overview' || parts[4] === 'model-metrics' || parts[4] === 'artifacts')) {
        return { page: 'run', experimentId, runId, tab: parts[4] as RunTab, artifactPath: '' };
      }
    }
  }
  if (head === 'experiments' && parts.length === 1) return { page: 'home' };
  if (head === 'runs' && parts.length === 2) return { page: 'run-redirect', runId: parts[1] };
  if (head === 'compare-runs' && parts.length === 1) {
    return { page: 'compare-runs', runs: parseJsonList(query.get('runs')), experiments: parseJsonList(query.get('experiments')) };
  }
  if (head === 'models') {
    if (parts.length === 1) return query.get('search') ? { page: 'models', search: query.get('search') as string } : { page: 'models' };
    if (parts.length === 2) return { page: 'model', name: parts[1] };
    if (parts.length === 4 && parts[2] === 'versions') return { page: 'model-version', name: parts[1], version: parts[3] };
  }
  return { page: 'not-found', path };
}

const enc = encodeURIComponent;

/** The hash ("#/...") that shows a Route. */
export function formatHash(route: Route): string {
  switch (route.page) {
    case 'home':
      return '#/';
    case 'experiment': {
      const qs = formatViewState(route.state);
      return `#/experiments/${enc(route.experimentId)}` + (qs ? '?' + qs : '');
    }
    case 'run': {
      const base = `#/experiments/${enc(route.experimentId)}/runs/${enc(route.runId)}`;
      if (route.tab === 'artifacts') {
        return route.artifactPath
          ? `${base}/artifactPath/${route.artifactPath.split('/').map(enc).join('/')}`
          : `${base}/artifacts`;
      }
      return route.tab === 'overview' ? base : `${base}/${route.tab}`;
    }
    case 'run-redirect':
      return `#/runs/${enc(route.runId)}`;
    case 'compare-runs':
      return '#/compare-runs?' + new URLSearchParams({
        runs: JSON.stringify(route.runs), experiments: JSON.stringify(route.experiments),
      }).toString();
    case 'models':
      return route.search ? '#/models?' + new URLSearchParams({ search: route.search }).toString() : '#/models';
    case 'model':
      return `#/models/${enc(route.name)}`;
    case 'model-version':
      return `#/models/${enc(route.name)}/versions/${enc(route.version)}`;
    case 'not-found':
      return '#' + route.path;
  }
}

export function experimentHash(experimentId: string, state?: ExperimentViewState): string {
  return formatHash({ page: 'experiment', experimentId, state: state ?? defaultViewState() });
}

export function runHash(experimentId: string, runId: string, tab: RunTab = 'overview', artifactPath = ''): string {
  return formatHash({ page: 'run', experimentId, runId, tab, artifactPath });
}
