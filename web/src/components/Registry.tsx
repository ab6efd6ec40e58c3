// Pieces shared by the registry pages and the run page: stage and alias badges, and a key/value
// tag editor.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Tag } from '../api';
import { formatHash } from '../router';
import { EditableText, Empty, ErrorBox } from './common';

export function StageBadge({ stage }: { stage?: string }) {
  const s = stage || 'None';
  return <span class={`badge stage stage-${s.toLowerCase()}`} title={`Stage: ${s}`}>{s}</span>;
}

export function AliasBadge({ name, alias, version }: { name: string; alias: string; version?: string }) {
  return (
    <a class="badge alias" href={version ? formatHash({ page: 'model-version', name, version }) : undefined} title={`models:/${name}@${alias}`}>
      @{alias}{version ? <span class="muted"> v{version}</span> : null}
    </a>
  );
}

/**
 * Tags with inline edits, deletion (confirmed) and a form to add one; `children` go under the
 * heading (a run's page puts its "show system tags" switch there). Long values are shown cut.
 */
/** Tags with edit, delete and add; without `onSet` (or `onDelete`) those are not offered. */
export function TagEditor({ tags, onSet, onDelete, emptyText = 'No tags. Add one below.', children }: {
  tags: Tag[]; onSet?: (key: string, value: string) => Promise<void>; onDelete?: (key: string) => Promise<void>;
  emptyText?: string; children?: ComponentChildren;
}) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(null);
  const act = async (fn: () => Promise<void>) => {
    setError(null);
    try { await fn(); } catch (e) { setError(e); }
  };
  return (
    <section class="card" aria-label="Tags">
      <h2>Tags</h2>
      {children}
      {tags.length === 0 ? <Empty>{onSet ? emptyText : 'No tags.'}</Empty> : (
        <table class="data-table tags-table"><thead><tr><th>Key</th><th>Value</th><th /></tr></thead>
          <tbody>{tags.map((t) => (
            <tr key={t.key}><td>{t.key}</td>
              <td class="wrap"><EditableText label={`tag ${t.key}`} value={t.value.length > 500 ? t.value.slice(0, 500) + '…' : t.value} onSave={onSet && ((v) => onSet(t.key, v))} /></td>
              <td>{onDelete && <button type="button" class="link-button" aria-label={`Delete tag ${t.key}`}
                onClick={() => { if (confirm(`Delete tag "${t.key}"?`)) void act(() => onDelete(t.key)); }}>Delete</button>}</td></tr>))}
          </tbody></table>)}
      {onSet && <form class="tag-form" onSubmit={(e) => { e.preventDefault(); if (key.trim()) void act(async () => { await onSet(key.trim(), value); setKey(''); setValue(''); }); }}>
        <input aria-label="New tag key" placeholder="Key" value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        <input aria-label="New tag value" placeholder="Value" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit" disabled={!key.trim()}>Add tag</button>
      </form>}
      {error ? <ErrorBox error={error} /> : null}
    </section>
  );
}
