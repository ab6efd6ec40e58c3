// Markdown text (the subset markdown.ts reads) as DOM nodes: never as HTML.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { parseMarkdown, type Inline } from '../markdown';
import { ErrorBox } from './common';

function inlines(list: Inline[]): ComponentChildren {
  return list.map((n, i) => {
    switch (n.t) {
      case 'text': return n.text;
      case 'code': return <code key={i}>{n.text}</code>;
      case 'strong': return <strong key={i}>{inlines(n.children)}</strong>;
      case 'em': return <em key={i}>{inlines(n.children)}</em>;
      case 'link': return <a key={i} href={n.href} rel="noopener noreferrer" target={n.href.startsWith('#') ? undefined : '_blank'}>{inlines(n.children)}</a>;
    }
  });
}

export function Markdown({ source }: { source: string }) {
  return (
    <div class="markdown">
      {parseMarkdown(source).map((b, i) => {
        switch (b.t) {
          case 'heading': return b.level === 1 ? <h3 key={i}>{inlines(b.children)}</h3> : <h4 key={i}>{inlines(b.children)}</h4>;
          case 'paragraph': return <p key={i}>{inlines(b.children)}</p>;
          case 'pre': return <pre key={i} class="code"><code>{b.text}</code></pre>;
          case 'list': return b.ordered
            ? <ol key={i}>{b.items.map((it, j) => <li key={j}>{inlines(it)}</li>)}</ol>
            : <ul key={i}>{b.items.map((it, j) => <li key={j}>{inlines(it)}</li>)}</ul>;
        }
      })}
    </div>
  );
}

/** A description shown as Markdown, with Edit turning it into a text area (Save or Ctrl+Enter);
 * read-only without `onSave`. */
export function MarkdownEditor({ value, label, onSave }: { value: string; label: string; onSave?: (v: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async () => {
    setBusy(true);
    setError(null);
    try { await onSave?.(draft); setEditing(false); } catch (e) { setError(e); } finally { setBusy(false); }
  };
  if (!editing) {
    return (
      <div class="markdown-box">
        {value.trim() ? <Markdown source={value} /> : <p class="muted">No description.</p>}
        {onSave && <button type="button" class="link-button" aria-label={`Edit ${label}`} onClick={() => { setDraft(value); setEditing(true); }}>Edit</button>}
      </div>
    );
  }
  return (
    <div class="markdown-box editing">
      <textarea aria-label={label} rows={8} value={draft} onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === 'Escape') setEditing(false); if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); void save(); } }} />
      <div class="muted">Markdown: # headings, **bold**, *emphasis*, `code`, [links](https://…), - lists.</div>
      <div class="row-actions">
        <button type="button" class="primary" disabled={busy} onClick={() => void save()}>Save</button>
        <button type="button" disabled={busy} onClick={() => setEditing(false)}>Cancel</button>
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </div>
  );
}
