// One model version: its source run, signature (from the version's MLmodel, read through the
// artifact proxy), stage transitions (with "archive existing versions"), aliases, tags and
// description; deleting the version (confirmed).

import { useState } from 'preact/hooks';
import * as api from '../api';
import { kStages } from '../api';
import { exactTime } from '../format';
import { parseMlModel } from '../mlmodel';
import { navigate } from '../nav';
import { formatHash } from '../router';
import { SpecTable } from '../components/ArtifactBrowser';
import { ErrorBox, Loading, useAsync } from '../components/common';
import { MarkdownEditor } from '../components/Markdown';
import { AliasBadge, StageBadge, TagEditor } from '../components/Registry';
import { aliasesByVersion, runLink } from './ModelPage';
import { canOnModel } from '../access';
import { useAccess } from '../session';

export function ModelVersionPage({ name, version }: { name: string; version: string }) {
  const mv = useAsync((signal) => api.getModelVersion(name, version, signal), [name, version]);
  const model = useAsync((signal) => api.getRegisteredModel(name, signal), [name]);
  const reload = () => { mv.reload(); model.reload(); };
  const access = useAccess();
  if (mv.error) return <main class="main"><ErrorBox error={mv.error} hint="The version may have been deleted." /><p><a href={formatHash({ page: 'model', name })}>Model {name}</a></p></main>;
  if (!mv.data) return <main class="main"><Loading what="the version" /></main>;
  const v = mv.data;
  const aliases = model.data ? aliasesByVersion(model.data).get(version) ?? [] : v.aliases ?? [];
  // As the server's rules: changes need EDIT on the model; deleting a version, one of its tags or
  // an alias needs MANAGE.
  const mayEdit = canOnModel(access, name, 'update');
  const mayDelete = canOnModel(access, name, 'delete');
  const remove = async () => {
    if (!confirm(`Delete version ${version} of "${name}" and its files? Its number is not reused.`)) return;
    try { await api.deleteModelVersion(name, version); navigate(formatHash({ page: 'model', name })); } catch (e) { alert((e as Error).message); }
  };
  return (
    <main class="main model-version-page">
      <nav class="breadcrumb" aria-label="Breadcrumb"><a href="#/models">Registered models</a><span aria-hidden="true"> › </span>
        <a href={formatHash({ page: 'model', name })}>{name}</a><span aria-hidden="true"> › </span><span>Version {version}</span></nav>
      <header class="page-header">
        <h1>Model {name}, version {version}</h1>
        <StageBadge stage={v.current_stage} />
        {aliases.map((a) => <AliasBadge key={a} name={name} alias={a} />)}
        <span class="spacer" />
        {mayDelete && <button type="button" class="danger" onClick={() => void remove()}>Delete version</button>}
      </header>
      <section class="card details" aria-label="Details">
        <table class="data-table kv"><tbody>
          <tr><th>Source run</th><td>{runLink(v)}</td></tr>
          <tr><th>Source</th><td><code>{v.source}</code></td></tr>
          <tr><th>Status</th><td>{v.status}</td></tr>
          <tr><th>Created</th><td>{exactTime(v.creation_timestamp)}</td></tr>
          <tr><th>Last modified</th><td>{exactTime(v.last_updated_timestamp)}</td></tr>
          <tr><th>Model URI</th><td><code>models:/{name}/{version}</code></td></tr>
        </tbody></table>
      </section>
      <div class="two-columns">
        <StagePanel name={name} version={version} stage={v.current_stage ?? 'None'} onDone={reload} mayEdit={mayEdit} />
        <AliasPanel name={name} version={version} aliases={aliases} all={model.data?.aliases ?? []} onDone={reload} mayEdit={mayEdit} mayDelete={mayDelete} />
      </div>
      <section class="card" aria-label="Description">
        <h2>Description</h2>
        <MarkdownEditor label="version description" value={v.description ?? ''} onSave={mayEdit ? async (d) => { await api.updateModelVersionDescription(name, version, d); mv.reload(); } : undefined} />
      </section>
      <TagEditor tags={v.tags ?? []} onSet={mayEdit ? async (k, val) => { await api.setModelVersionTag(name, version, k, val); mv.reload(); } : undefined}
        onDelete={mayDelete ? async (k) => { await api.deleteModelVersionTag(name, version, k); mv.reload(); } : undefined} />
      <Signature name={name} version={version} />
    </main>
  );
}

function StagePanel({ name, version, stage, onDone, mayEdit }: { name: string; version: string; stage: string; onDone: () => void; mayEdit: boolean }) {
  const [target, setTarget] = useState(stage === 'Production' ? 'Archived' : 'Production');
  const [archive, setArchive] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try { await api.transitionModelVersionStage(name, version, target, archive && (target === 'Production' || target === 'Staging')); onDone(); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  return (
    <section class="card" aria-label="Stage">
      <h2>Stage: <StageBadge stage={stage} /></h2>
      {mayEdit && <form class="stage-form" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <label>Move to <select aria-label="New stage" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
          {kStages.map((s) => <option key={s} value={s} disabled={s === stage}>{s}</option>)}</select></label>
        <label class="check"><input type="checkbox" checked={archive} disabled={target !== 'Production' && target !== 'Staging'}
          onChange={(e) => setArchive(e.currentTarget.checked)} /> Archive existing versions in {target === 'Staging' ? 'Staging' : 'Production'}</label>
        <button type="submit" class="primary" disabled={busy || target === stage}>Transition</button>
      </form>}
      {error ? <ErrorBox error={error} /> : null}
    </section>
  );
}

function AliasPanel({ name, version, aliases, all, onDone, mayEdit, mayDelete }: {
  name: string; version: string; aliases: string[]; all: api.ModelAlias[]; onDone: () => void; mayEdit: boolean; mayDelete: boolean;
}) {
  const [alias, setAlias] = useState('');
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<void>) => {
    setError(null);
    try { await fn(); onDone(); } catch (e) { setError(e); }
  };
  const elsewhere = all.find((a) => a.alias === alias.trim() && a.version !== version);
  return (
    <section class="card" aria-label="Aliases">
      <h2>Aliases</h2>
      {aliases.length === 0 ? <p class="muted">No alias points at this version.</p> : (
        <ul class="alias-list">{aliases.map((a) => (
          <li key={a}><AliasBadge name={name} alias={a} /> <code class="muted">models:/{name}@{a}</code>
            {mayDelete && <button type="button" class="link-button danger" aria-label={`Delete alias ${a}`}
              onClick={() => { if (confirm(`Delete the alias @${a}?`)) void act(() => api.deleteModelAlias(name, a)); }}>Delete</button>}</li>))}
        </ul>)}
      {mayEdit && <form class="tag-form" onSubmit={(e) => { e.preventDefault(); const a = alias.trim(); if (a) void act(async () => { await api.setModelAlias(name, a, version); setAlias(''); }); }}>
        <input aria-label="Alias" placeholder="champion" value={alias} onInput={(e) => setAlias(e.currentTarget.value)} />
        <button type="submit" disabled={!alias.trim()}>{elsewhere ? `Move from version ${elsewhere.version}` : 'Set alias'}</button>
      </form>}
      {error ? <ErrorBox error={error} /> : null}
    </section>
  );
}

function Signature({ name, version }: { name: string; version: string }) {
  const mlmodel = useAsync(async (signal) => {
    const uri = await api.getModelVersionDownloadUri(name, version, signal);
    return { uri, model: parseMlModel(await api.fetchProxiedArtifactText(uri, 'MLmodel', signal)) };
  }, [name, version]);
  return (
    <section class="card" aria-label="Signature">
      <h2>Signature</h2>
      {mlmodel.error ? <ErrorBox error={mlmodel.error} hint="The version's MLmodel could not be read; its files may lie outside the artifact proxy." />
        : !mlmodel.data ? <Loading what="the MLmodel" /> : (
          <>
            <p class="muted">Files: <code>{mlmodel.data.uri}</code> · flavors: {mlmodel.data.model.flavors.map((f) => <span key={f.name} class="badge">{f.name}</span>)}</p>
            {mlmodel.data.model.signature ? (
              <div class="signature">
                <SpecTable title="Inputs" specs={mlmodel.data.model.signature.inputs} />
                <SpecTable title="Outputs" specs={mlmodel.data.model.signature.outputs} />
              </div>) : <p class="muted">This model has no signature.</p>}
          </>)}
    </section>
  );
}
