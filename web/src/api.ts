// The typed client of the tracking server's REST API (MLflow 2.12's, under ajax-api/2.0/mlflow/,
// plus the artifact proxy's get-artifact). This is the only module that knows URLs and JSON
// shapes. Every URL is relative to the page, so the UI works under a path prefix too. Every call
// returns a promise that rejects with an ApiError carrying the server's error_code and message.

import type { CurrentUser, PermissionName } from './access';

const kBase = 'ajax-api/2.0/mlflow/';

export type LifecycleStage = 'active' | 'deleted';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface Tag { key: string; value: string }

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage: LifecycleStage;
  last_update_time?: number;
  creation_time?: number;
  tags?: Tag[];
}

export interface RunInfo {
  run_id: string;
  run_uuid?: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage: LifecycleStage;
}

export interface Metric { key: string; value: number; timestamp: number; step: number }
export interface Param { key: string; value: string }

export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}
export interface DatasetInput { tags?: Tag[]; dataset: Dataset }

export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: Param[]; tags?: Tag[] };
  inputs?: { dataset_inputs?: DatasetInput[] };
}

export interface FileInfo { path: string; is_dir: boolean; file_size?: number }

/** A failed call: the HTTP status, and MLflow's error_code and message when the server sent them. */
export class ApiError extends Error {
  constructor(public readonly status: number, public readonly errorCode: string, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error_code?: string; message?: string };
    if (body && typeof body.message === 'string') {
      return new ApiError(response.status, body.error_code ?? 'INTERNAL_ERROR', body.message);
    }
  } catch {
    // Not JSON: a proxy's page or an empty body; fall through to the status line.
  }
  const detail = text && text.length < 300 ? `: ${text}` : '';
  return new ApiError(response.status, 'HTTP_' + response.status,
    `The server answered ${response.status} ${response.statusText}${detail}`);
}

async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', endpoint: string,
  body?: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  let url = kBase + endpoint;
  const init: RequestInit = { method, signal, headers: { Accept: 'application/json' } };
  if (method === 'GET') {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(body ?? {})) {
      if (v !== undefined && v !== null) query.set(k, String(v));
    }
    const qs = query.toString();
    if (qs) url += '?' + qs;
  } else {
    init.headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body ?? {});
  }
  return fetchJson<T>(url, init);
}

/** A GET whose query string is built by the caller (for repeated keys). */
function getJson<T>(endpointWithQuery: string, signal?: AbortSignal): Promise<T> {
  return fetchJson<T>(kBase + endpointWithQuery, { signal, headers: { Accept: 'application/json' } });
}

/** One request: the reply's JSON, or an ApiError with the server's message. */
async function fetchJson<T>(url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR',
      'Could not reach the tracking server. Check that it is running, then reload the page.');
  }
  if (!response.ok) throw await errorOf(response);
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

// ---- the signed-in user (the basic-auth app; Orchard's users/current) ----

/** The signed-in user with their permissions and the default, or null when the server has no
 * sign-in (the endpoint does not exist without the auth app). */
export async function getCurrentUser(signal?: AbortSignal):
  Promise<{ user: CurrentUser; default_permission: PermissionName } | null> {
  try {
    return await call<{ user: CurrentUser; default_permission: PermissionName }>('GET', 'users/current', undefined, signal);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.errorCode === 'ENDPOINT_NOT_FOUND')) return null;
    throw e;
  }
}

// ---- experiments ----

export interface ExperimentSearch {
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  pageToken?: string;
  orderBy?: string[];
}

export async function searchExperiments(q: ExperimentSearch, signal?: AbortSignal):
  Promise<{ experiments: Experiment[]; nextPageToken?: string }> {
  const r = await call<{ experiments?: Experiment[]; next_page_token?: string }>('POST',
    'experiments/search', {
      filter: q.filter || undefined,
      view_type: q.viewType ?? 'ACTIVE_ONLY',
      max_results: q.maxResults ?? 1000,
      page_token: q.pageToken || undefined,
      order_by: q.orderBy,
    }, signal);
  return { experiments: r.experiments ?? [], nextPageToken: r.next_page_token || undefined };
}

export async function getExperiment(experimentId: string, signal?: AbortSignal): Promise<Experiment> {
  const r = await call<{ experiment: Experiment }>('GET', 'experiments/get',
    { experiment_id: experimentId }, signal);
  return r.experiment;
}

export async function createExperiment(name: string): Promise<string> {
  const r = await call<{ experiment_id: string }>('POST', 'experiments/create', { name });
  return r.experiment_id;
}

export async function renameExperiment(experimentId: string, newName: string): Promise<void> {
  await call('POST', 'experiments/update', { experiment_id: experimentId, new_name: newName });
}

export async function deleteExperiment(experimentId: string): Promise<void> {
  await call('POST', 'experiments/delete', { experiment_id: experimentId });
}

export async function restoreExperiment(experimentId: string): Promise<void> {
  await call('POST', 'experiments/restore', { experiment_id: experimentId });
}

// ---- runs ----

export interface RunSearch {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export async function searchRuns(q: RunSearch, signal?: AbortSignal):
  Promise<{ runs: Run[]; nextPageToken?: string }> {
  const r = await call<{ runs?: Run[]; next_page_token?: string }>('POST', 'runs/search', {
    experiment_ids: q.experimentIds,
    filter: q.filter || undefined,
    order_by: q.orderBy && q.orderBy.length ? q.orderBy : undefined,
    max_results: q.maxResults ?? 1000,
    page_token: q.pageToken || undefined,
    run_view_type: q.viewType ?? 'ACTIVE_ONLY',
  }, signal);
  return { runs: r.runs ?? [], nextPageToken: r.next_page_token || undefined };
}

export async function getRun(runId: string, signal?: AbortSignal): Promise<Run> {
  const r = await call<{ run: Run }>('GET', 'runs/get', { run_id: runId }, signal);
  return r.run;
}

export async function renameRun(runId: string, runName: string): Promise<void> {
  await call('POST', 'runs/update', { run_id: runId, run_name: runName });
}

export async function setRunTag(runId: string, key: string, value: string): Promise<void> {
  await call('POST', 'runs/set-tag', { run_id: runId, key, value });
}

export async function deleteRunTag(runId: string, key: string): Promise<void> {
  await call('POST', 'runs/delete-tag', { run_id: runId, key });
}

/** The most points per run that metrics/get-history-bulk-interval returns. */
export const kMaxSampledPoints = 2500;

export interface SampledHistoryQuery {
  /** Points per run, at most kMaxSampledPoints (the server's cap). */
  maxResults?: number;
  /** An inclusive step range; both or neither. */
  startStep?: number;
  endStep?: number;
}

/**
 * One metric's history sampled by the server (metrics/get-history-bulk-interval, as MLflow's
 * charts read it): at most maxResults steps spread evenly over the range, the run's first and
 * last step always kept. Cheap for any length of history, so charts use it; zoomed charts ask
 * again for their step range.
 */
export async function getSampledMetricHistory(runId: string, metricKey: string, q: SampledHistoryQuery = {},
  signal?: AbortSignal): Promise<Metric[]> {
  const ranged = q.startStep !== undefined && q.endStep !== undefined;
  const r = await call<{ metrics?: Array<Metric & { run_id?: string }> }>('GET', 'metrics/get-history-bulk-interval', {
    run_ids: runId,
    metric_key: metricKey,
    max_results: Math.max(1, Math.min(kMaxSampledPoints, Math.floor(q.maxResults ?? kMaxSampledPoints))),
    start_step: ranged ? Math.floor(q.startStep as number) : undefined,
    end_step: ranged ? Math.floor(q.endStep as number) : undefined,
  }, signal);
  return (r.metrics ?? []).map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step }));
}

/**
 * One metric's sampled history for several runs in one request per up to 100 runs (the bulk
 * endpoint takes run_ids repeated), grouped by run id.
 */
export async function getSampledHistories(runIds: string[], metricKey: string, maxResults = 500,
  signal?: AbortSignal): Promise<Map<string, Metric[]>> {
  const out = new Map<string, Metric[]>(runIds.map((id) => [id, []]));
  for (let i = 0; i < runIds.length; i += 100) {
    const query = new URLSearchParams();
    for (const id of runIds.slice(i, i + 100)) query.append('run_ids', id);
    query.set('metric_key', metricKey);
    query.set('max_results', String(Math.max(1, Math.min(kMaxSampledPoints, Math.floor(maxResults)))));
    const r = await getJson<{ metrics?: Array<Metric & { run_id?: string }> }>('metrics/get-history-bulk-interval?' + query.toString(), signal);
    for (const m of r.metrics ?? []) {
      out.get(m.run_id ?? '')?.push({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step });
    }
  }
  return out;
}

/** Every logged point of one metric, following page tokens (every point: prefer the sampled call for charts). */
export async function getMetricHistory(runId: string, metricKey: string, signal?: AbortSignal):
  Promise<Metric[]> {
  const points: Metric[] = [];
  let pageToken: string | undefined;
  do {
    const r = await call<{ metrics?: Metric[]; next_page_token?: string }>('GET',
      'metrics/get-history', { run_id: runId, metric_key: metricKey, page_token: pageToken }, signal);
    points.push(...(r.metrics ?? []));
    pageToken = r.next_page_token || undefined;
  } while (pageToken);
  return points;
}

// ---- model registry ----

export interface ModelAlias { alias: string; version: string }

export interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: Tag[];
  aliases?: ModelAlias[];
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  tags?: Tag[];
  aliases?: string[];
}

export const kStages = ['None', 'Staging', 'Production', 'Archived'] as const;

/** Registered models in name order, following page tokens up to `limit`. */
export async function searchRegisteredModels(q: { filter?: string; limit?: number } = {}, signal?: AbortSignal):
  Promise<RegisteredModel[]> {
  const limit = q.limit ?? 1000;
  const models: RegisteredModel[] = [];
  let pageToken: string | undefined;
  do {
    const r = await call<{ registered_models?: RegisteredModel[]; next_page_token?: string }>('GET',
      'registered-models/search', {
        filter: q.filter || undefined,
        max_results: Math.min(1000, limit - models.length),
        order_by: 'name ASC',
        page_token: pageToken,
      }, signal);
    models.push(...(r.registered_models ?? []));
    pageToken = r.next_page_token || undefined;
  } while (pageToken && models.length < limit);
  return models;
}

export async function createRegisteredModel(name: string): Promise<RegisteredModel> {
  const r = await call<{ registered_model: RegisteredModel }>('POST', 'registered-models/create', { name });
  return r.registered_model;
}

/** A new version of a registered model from a run's artifact folder (source runs:/<run_id>/<path>). */
export async function createModelVersion(name: string, runId: string, artifactPath: string): Promise<ModelVersion> {
  const path = artifactPath.replace(/^\/+|\/+$/g, '');
  const r = await call<{ model_version: ModelVersion }>('POST', 'model-versions/create', {
    name,
    source: `runs:/${runId}/${path}`,
    run_id: runId,
  });
  return r.model_version;
}

export async function getRegisteredModel(name: string, signal?: AbortSignal): Promise<RegisteredModel> {
  const r = await call<{ registered_model: RegisteredModel }>('GET', 'registered-models/get', { name }, signal);
  return r.registered_model;
}

export async function updateRegisteredModelDescription(name: string, description: string): Promise<void> {
  await call('PATCH', 'registered-models/update', { name, description });
}

export async function deleteRegisteredModel(name: string): Promise<void> {
  await call('DELETE', 'registered-models/delete', { name });
}

export async function setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
  await call('POST', 'registered-models/set-tag', { name, key, value });
}

export async function deleteRegisteredModelTag(name: string, key: string): Promise<void> {
  await call('DELETE', 'registered-models/delete-tag', { name, key });
}

/** Points `models:/<name>@<alias>` at a version (moving it when set elsewhere). */
export async function setModelAlias(name: string, alias: string, version: string): Promise<void> {
  await call('POST', 'registered-models/alias', { name, alias, version });
}

export async function deleteModelAlias(name: string, alias: string): Promise<void> {
  await call('DELETE', 'registered-models/alias', { name, alias });
}

function quoteFilterValue(v: string): string {
  return "'" + v.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

/** Every version of a model, newest first. */
export async function searchModelVersions(name: string, signal?: AbortSignal): Promise<ModelVersion[]> {
  const versions: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const r = await call<{ model_versions?: ModelVersion[]; next_page_token?: string }>('GET', 'model-versions/search', {
      filter: `name = ${quoteFilterValue(name)}`, max_results: 10000, order_by: 'version_number DESC', page_token: pageToken,
    }, signal);
    versions.push(...(r.model_versions ?? []));
    pageToken = r.next_page_token || undefined;
  } while (pageToken);
  return versions;
}

export async function getModelVersion(name: string, version: string, signal?: AbortSignal): Promise<ModelVersion> {
  const r = await call<{ model_version: ModelVersion }>('GET', 'model-versions/get', { name, version }, signal);
  return r.model_version;
}

export async function updateModelVersionDescription(name: string, version: string, description: string): Promise<void> {
  await call('PATCH', 'model-versions/update', { name, version, description });
}

export async function deleteModelVersion(name: string, version: string): Promise<void> {
  await call('DELETE', 'model-versions/delete', { name, version });
}

export async function transitionModelVersionStage(name: string, version: string, stage: string, archiveExisting: boolean): Promise<ModelVersion> {
  const r = await call<{ model_version: ModelVersion }>('POST', 'model-versions/transition-stage', {
    name, version, stage, archive_existing_versions: archiveExisting,
  });
  return r.model_version;
}

export async function setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
  await call('POST', 'model-versions/set-tag', { name, version, key, value });
}

export async function deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
  await call('DELETE', 'model-versions/delete-tag', { name, version, key });
}

/** Where a version's files are, as an mlflow-artifacts: URI (served by the artifact proxy). */
export async function getModelVersionDownloadUri(name: string, version: string, signal?: AbortSignal): Promise<string> {
  const r = await call<{ artifact_uri: string }>('GET', 'model-versions/get-download-uri', { name, version }, signal);
  return r.artifact_uri;
}

/** The text of a file under an mlflow-artifacts: URI, read through the artifact proxy. */
export async function fetchProxiedArtifactText(uri: string, file: string, signal?: AbortSignal): Promise<string> {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(uri);
  if (!m) throw new ApiError(0, 'UNSUPPORTED_URI', `The files are at ${uri}, which the artifact proxy does not serve.`);
  const path = [...m[1].split('/'), ...file.split('/')].filter(Boolean).map(encodeURIComponent).join('/');
  let response: Response;
  try {
    response = await fetch('api/2.0/mlflow-artifacts/artifacts/' + path, { signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the tracking server.');
  }
  if (!response.ok) throw await errorOf(response);
  return response.text();
}

// ---- artifacts ----

export async function listArtifacts(runId: string, path: string, signal?: AbortSignal):
  Promise<FileInfo[]> {
  const r = await call<{ files?: FileInfo[] }>('GET', 'artifacts/list',
    { run_id: runId, path: path || undefined }, signal);
  return r.files ?? [];
}

/** The URL of one artifact file, for img src, links and downloads. */
export function artifactUrl(runId: string, path: string): string {
  return 'get-artifact?' + new URLSearchParams({ path, run_uuid: runId }).toString();
}

/** One artifact file's text. */
export async function fetchArtifactText(runId: string, path: string, signal?: AbortSignal):
  Promise<string> {
  let response: Response;
  try {
    response = await fetch(artifactUrl(runId, path), { signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the tracking server.');
  }
  if (!response.ok) throw await errorOf(response);
  return response.text();
}

// ---- well-known tags ----

export const kTagParentRunId = 'mlflow.parentRunId';
export const kTagNote = 'mlflow.note.content';
export const kTagSourceName = 'mlflow.source.name';
export const kTagSourceType = 'mlflow.source.type';
export const kTagGitCommit = 'mlflow.source.git.commit';
export const kTagUser = 'mlflow.user';
export const kTagLogModelHistory = 'mlflow.log-model.history';

export function tagValue(run: Run, key: string): string | undefined {
  return run.data.tags?.find((t) => t.key === key)?.value;
}

export function runIdOf(run: Run): string {
  return run.info.run_id || run.info.run_uuid || '';
}

export interface LoggedModel { artifactPath: string; flavors: string[] }

/** The models a run logged, from its mlflow.log-model.history tag (a JSON list). */
export function loggedModels(run: Run): LoggedModel[] {
  const raw = tagValue(run, kTagLogModelHistory);
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as Array<{ artifact_path?: string; flavors?: Record<string, unknown> }>;
    const seen = new Set<string>();
    const out: LoggedModel[] = [];
    for (const m of Array.isArray(list) ? list : []) {
      const path = m.artifact_path ?? '';
      if (!path || seen.has(path)) continue;
      seen.add(path);
      out.push({ artifactPath: path, flavors: Object.keys(m.flavors ?? {}) });
    }
    return out;
  } catch {
    return [];
  }
}
