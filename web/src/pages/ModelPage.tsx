// A registered model: its description (Markdown), tags, and versions with stage, aliases,
// source run and creation time; deleting the model (confirmed).

import * as api from '../api';
import type { ModelVersion, RegisteredModel } from '../api';
import { exactTime } from '../format';
import { navigate } from '../nav';
import { formatHash } from '../router';
import { Empty, ErrorBox, Loading, useAsync } from '../components/common';
import { MarkdownEditor } from '../components/Markdown';
import { AliasBadge, StageBadge, TagEditor } from '../components/Registry';
import { canOnModel } from '../access';
import { useAccess } from '../session';

/** The aliases pointing at each version, from the model's alias list. */
export function aliasesByVersion(model: RegisteredModel | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of model?.aliases ?? []) out.set(a.version, [...(out.get(a.version) ?? []), a.alias]);
  return out;
}

export function runLink(v: ModelVersion) {
  return v.run_id ? <a href={formatHash({ page: 'run-redirect', runId: v.run_id })} title={v.source}>{v.run_id.slice(0, 8)}</a> : <span class="muted" title={v.source}>{v.source}</span>;
}

export function ModelPage({ name }: { name: string }) {
  const model = useAsync((signal) => api.getRegisteredModel(name, signal), [name]);
  const versions = useAsync((signal) => api.searchModelVersions(name, signal), [name]);
  const reload = () => { model.reload(); versions.reload(); };
  const access = useAccess();
  if (model.error) return <main class="main"><ErrorBox error={model.error} hint="Pick a model from the list." /><p><a href="#/models">All models</a></p></main>;
  if (!model.data) return <main class="main"><Loading what="the model" /></main>;
  const m = model.data;
  const aliases = aliasesByVersion(m);
  const mayEdit = canOnModel(access, name, 'update');
  const remove = async () => {
    if (!confirm(`Delete the model "${name}" with all its versions and their files? This cannot be undone.`)) return;
    try { await api.deleteRegisteredModel(name); navigate('#/models'); } catch (e) { alert((e as Error).message); }
  };
  return (
    <main class="main model-page">
      <nav class="breadcrumb" aria-label="Breadcrumb"><a href="#/models">Registered models</a><span aria-hidden="true"> › </span><span>{name}</span></nav>
      <header class="page-header">
        <h1>Model {name}</h1>
        <span class="muted">Created {exactTime(m.creation_timestamp)} · last modified {exactTime(m.last_updated_timestamp)}</span>
        <span class="spacer" />
        {canOnModel(access, name, 'delete') && <button type="button" class="danger" onClick={() => void remove()}>Delete model</button>}
      </header>
      <section class="card" aria-label="Description">
        <h2>Description</h2>
        <MarkdownEditor label="model description" value={m.description ?? ''} onSave={mayEdit ? async (v) => { await api.updateRegisteredModelDescription(name, v); model.reload(); } : undefined} />
      </section>
      <TagEditor tags={m.tags ?? []} onSet={mayEdit ? async (k, v) => { await api.setRegisteredModelTag(name, k, v); model.reload(); } : undefined}
        onDelete={mayEdit ? async (k) => { await api.deleteRegisteredModelTag(name, k); model.reload(); } : undefined} />
      <section class="card" aria-label="Versions">
        <h2>Versions {versions.data && <span class="muted">({versions.data.length})</span>}</h2>
        {versions.error ? <ErrorBox error={versions.error} onRetry={reload} /> : !versions.data ? <Loading what="versions" /> :
          versions.data.length === 0 ? <Empty>No versions.</Empty> : (
            <table class="data-table versions-table">
              <thead><tr><th>Version</th><th>Stage</th><th>Aliases</th><th>Source run</th><th>Created</th><th>Description</th></tr></thead>
              <tbody>{versions.data.map((v) => (
                <tr key={v.version} data-version={v.version}>
                  <td><a href={formatHash({ page: 'model-version', name, version: v.version })}>Version {v.version}</a></td>
                  <td><StageBadge stage={v.current_stage} /></td>
                  <td>{(aliases.get(v.version) ?? []).map((a) => <AliasBadge key={a} name={name} alias={a} />)}</td>
                  <td>{runLink(v)}</td>
                  <td>{exactTime(v.creation_timestamp)}</td>
                  <td class="wrap">{(v.description ?? '').split('\n')[0]}</td>
                </tr>))}</tbody>
            </table>)}
      </section>
    </main>
  );
}
