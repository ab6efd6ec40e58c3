// The experiments side list: search by name (on the server), create, rename, delete (after a
// confirmation), and with "Show deleted", restore.

import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import type { Experiment } from '../api';
import { experimentHash } from '../router';
import { navigate } from '../nav';
import { canOnExperiment } from '../access';
import { refreshAccess, useAccess } from '../session';
import { ErrorBox, Loading } from './common';

function likeFilter(text: string): string {
  const t = text.trim().replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return t ? `name LIKE '%${t}%'` : '';
}

export function ExperimentList({ selectedId, onLoaded }: { selectedId?: string; onLoaded?: (list: Experiment[]) => void }) {
  const [query, setQuery] = useState('');
  const [debounced, setDebounced] = useState('');
  const [showDeleted, setShowDeleted] = useState(false);
  const [list, setList] = useState<Experiment[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<string | null>(null);
  const reload = () => setTick((t) => t + 1);
  const access = useAccess();

  useEffect(() => {
    const t = setTimeout(() => setDebounced(query), 250);
    return () => clearTimeout(t);
  }, [query]);

  useEffect(() => {
    const ctl = new AbortController();
    setError(null);
    (async () => {
      const all: Experiment[] = [];
      let pageToken: string | undefined;
      do {
        const r = await api.searchExperiments({
          filter: likeFilter(debounced), viewType: showDeleted ? 'ALL' : 'ACTIVE_ONLY', pageToken,
          orderBy: ['name ASC'],
        }, ctl.signal);
        all.push(...r.experiments);
        pageToken = r.nextPageToken;
      } while (pageToken && all.length < 100_000);
      return all;
    })().then((all) => {
      if (ctl.signal.aborted) return;
      setList(all);
      onLoaded?.(all);
    }, (e) => { if (!ctl.signal.aborted) setError(e); });
    return () => ctl.abort();
  }, [debounced, showDeleted, tick]);

  const act = async (fn: () => Promise<unknown>) => {
    setActionError(null);
    try {
      await fn();
      reload();
    } catch (e) {
      setActionError(e);
    }
  };

  const onDelete = (e: Experiment) => {
    if (!confirm(`Delete experiment "${e.name}"? Its runs go with it; you can restore it from "Show deleted".`)) return;
    void act(async () => {
      await api.deleteExperiment(e.experiment_id);
      if (e.experiment_id === selectedId) navigate('#/', true);
    });
  };

  return (
    <nav class="experiments" aria-label="Experiments">
      <div class="experiments-head">
        <h2>Experiments</h2>
        <button type="button" class="icon-button" aria-label="Create experiment" title="Create experiment" onClick={() => setCreating(true)}>+</button>
      </div>
      <input type="search" class="filter-box" placeholder="Search experiments" aria-label="Search experiments by name"
        value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
      <label class="check"><input type="checkbox" checked={showDeleted} onChange={(e) => setShowDeleted(e.currentTarget.checked)} /> Show deleted</label>
      {creating && <NameForm label="New experiment name" submit="Create" onCancel={() => setCreating(false)}
        onSubmit={async (name) => {
          const id = await api.createExperiment(name);
          await refreshAccess();  // its creator may now manage it
          setCreating(false);
          reload();
          navigate(experimentHash(id));
        }} />}
      {actionError ? <ErrorBox error={actionError} /> : null}
      {error ? <ErrorBox error={error} onRetry={reload} /> : list === null ? <Loading what="experiments" /> : (
        list.length === 0
          ? <div class="state state-empty">{query ? `No experiment name contains "${query}".` : 'No experiments yet. Create one with +.'}</div>
          : <ul class="experiment-items">
            {list.map((e) => {
              const deleted = e.lifecycle_stage === 'deleted';
              if (renaming === e.experiment_id) {
                return <li key={e.experiment_id}><NameForm label="Experiment name" submit="Rename" initial={e.name} onCancel={() => setRenaming(null)}
                  onSubmit={async (name) => { await api.renameExperiment(e.experiment_id, name); setRenaming(null); reload(); }} /></li>;
              }
              return (
                <li key={e.experiment_id} class={(e.experiment_id === selectedId ? 'selected ' : '') + (deleted ? 'deleted' : '')}>
                  {deleted
                    ? <span class="experiment-name" title={`${e.name} (deleted)`}>{e.name}</span>
                    : <a class="experiment-name" href={experimentHash(e.experiment_id)} aria-current={e.experiment_id === selectedId ? 'page' : undefined} title={e.name}>{e.name}</a>}
                  <span class="item-actions">
                    {deleted
                      ? canOnExperiment(access, e.experiment_id, 'delete') && <button type="button" class="link-button" onClick={() => void act(() => api.restoreExperiment(e.experiment_id))} aria-label={`Restore ${e.name}`}>Restore</button>
                      : <>
                        {canOnExperiment(access, e.experiment_id, 'update') && <button type="button" class="link-button" aria-label={`Rename ${e.name}`} onClick={() => setRenaming(e.experiment_id)}>Rename</button>}
                        {canOnExperiment(access, e.experiment_id, 'delete') && <button type="button" class="link-button danger" aria-label={`Delete ${e.name}`} onClick={() => onDelete(e)}>Delete</button>}
                      </>}
                  </span>
                </li>
              );
            })}
          </ul>
      )}
    </nav>
  );
}

function NameForm({ label, submit, initial, onSubmit, onCancel }: {
  label: string; submit: string; initial?: string; onSubmit: (name: string) => Promise<void>; onCancel: () => void;
}) {
  const [name, setName] = useState(initial ?? '');
  const [error, setError] = useState<unknown>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => { input.current?.focus(); input.current?.select(); }, []);
  return (
    <form class="name-form" onSubmit={async (ev) => {
      ev.preventDefault();
      if (!name.trim()) { setError(new Error('A name is required.')); return; }
      try { await onSubmit(name.trim()); } catch (e) { setError(e); }
    }}>
      <input ref={input} aria-label={label} placeholder={label} value={name} onInput={(e) => setName(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === 'Escape') onCancel(); }} />
      <button type="submit">{submit}</button>
      <button type="button" onClick={onCancel}>Cancel</button>
      {error ? <ErrorBox error={error} /> : null}
    </form>
  );
}
