// The registered models: name, latest version, the newest version per stage, aliases and the
// last change; a search by name (kept in the URL).

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api';
import type { RegisteredModel } from '../api';
import { exactTime, relativeTime } from '../format';
import { navigate } from '../nav';
import { formatHash } from '../router';
import { Empty, ErrorBox, Loading, useAsync } from '../components/common';
import { AliasBadge, StageBadge } from '../components/Registry';

/** The registry filter for a name search: a substring, case-insensitive. */
export function nameFilter(search: string): string {
  const s = search.trim();
  if (!s) return '';
  return `name ILIKE '%${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}%'`;
}

function latestVersion(m: RegisteredModel): string | undefined {
  let best: string | undefined;
  for (const v of m.latest_versions ?? []) if (!best || Number(v.version) > Number(best)) best = v.version;
  return best;
}

export function ModelsPage({ search }: { search: string }) {
  const models = useAsync((signal) => api.searchRegisteredModels({ filter: nameFilter(search) }, signal), [search]);
  const [draft, setDraft] = useState(search);
  useEffect(() => setDraft(search), [search]);
  const now = Date.now();
  return (
    <main class="main models-page">
      <header class="page-header"><h1>Registered models</h1>
        {models.data && <span class="muted">{models.data.length} model{models.data.length === 1 ? '' : 's'}</span>}</header>
      <form class="toolbar" role="search" onSubmit={(e) => { e.preventDefault(); navigate(formatHash({ page: 'models', search: draft.trim() || undefined })); }}>
        <input type="search" class="filter-box" aria-label="Search models by name" placeholder="Search by name" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        <button type="submit">Search</button>
        {search && <button type="button" onClick={() => navigate('#/models')}>Clear</button>}
      </form>
      {models.error ? <ErrorBox error={models.error} onRetry={models.reload} /> : !models.data ? <Loading what="models" /> :
        models.data.length === 0
          ? <Empty>{search ? <>No model name contains <code>{search}</code>.</> : <>No registered models yet. Register one from a run's model folder (Artifacts tab), or with <code>orchard models register runs:/RUN_ID/model --name NAME</code>.</>}</Empty>
          : (
            <table class="data-table models-table">
              <thead><tr><th>Name</th><th>Latest version</th><th>Stages</th><th>Aliases</th><th>Last modified</th></tr></thead>
              <tbody>{models.data.map((m) => {
                const latest = latestVersion(m);
                const staged = (m.latest_versions ?? []).filter((v) => v.current_stage && v.current_stage !== 'None');
                return (
                  <tr key={m.name} data-model={m.name}>
                    <td><a href={formatHash({ page: 'model', name: m.name })}>{m.name}</a></td>
                    <td>{latest ? <a href={formatHash({ page: 'model-version', name: m.name, version: latest })}>Version {latest}</a> : <span class="muted">none</span>}</td>
                    <td>{staged.map((v) => <a key={v.version} class="stage-link" href={formatHash({ page: 'model-version', name: m.name, version: v.version })}><StageBadge stage={v.current_stage} /><span class="muted">v{v.version}</span></a>)}</td>
                    <td>{(m.aliases ?? []).map((a) => <AliasBadge key={a.alias} name={m.name} alias={a.alias} version={a.version} />)}</td>
                    <td title={exactTime(m.last_updated_timestamp)}>{relativeTime(m.last_updated_timestamp, now)}</td>
                  </tr>);
              })}</tbody>
            </table>)}
    </main>
  );
}
