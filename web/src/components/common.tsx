// Small shared pieces: loading, error and empty states, an inline text editor, and useAsync.

import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api';

export function Loading({ what }: { what: string }) {
  return <div class="state state-loading" role="status" aria-live="polite"><span class="spinner" aria-hidden="true" />Loading {what}…</div>;
}

/** An error as the server worded it, with what the user can do about it. */
export function ErrorBox({ error, hint, onRetry }: { error: unknown; hint?: string; onRetry?: () => void }) {
  const e = error as Partial<ApiError> & Error;
  const code = e instanceof ApiError ? e.errorCode : '';
  let advice = hint ?? '';
  if (!advice && code === 'RESOURCE_DOES_NOT_EXIST') advice = 'It may have been deleted, or the link is wrong. Pick another one from the list.';
  return (
    <div class="state state-error" role="alert">
      <div class="error-message">{e?.message ?? String(error)}{code && <span class="error-code"> [{code}]</span>}</div>
      {advice && <div class="error-hint">{advice}</div>}
      {onRetry && <button type="button" onClick={onRetry}>Try again</button>}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="state state-empty">{children}</div>;
}

export interface AsyncState<T> { data?: T; error?: unknown; loading: boolean; reload: () => void }

/** Runs `load` when `deps` change (aborting the previous call); keeps the last result. */
export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    load(ctl.signal).then(
      (data) => { if (!ctl.signal.aborted) setState({ data, loading: false }); },
      (error) => { if (!ctl.signal.aborted) setState({ error, loading: false }); },
    );
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/**
 * Text shown as is, with an Edit button that turns it into a field; Enter or Save calls onSave
 * (which may reject: its message shows beside the field), Escape cancels.
 */
/** A value with Edit; read-only (no Edit) without `onSave`, for a user who may not change it. */
export function EditableText({ value, onSave, label, multiline, placeholder }: {
  value: string; onSave?: (v: string) => Promise<void>; label: string; multiline?: boolean; placeholder?: string;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  useEffect(() => { if (editing) field.current?.focus(); }, [editing]);
  if (!editing) {
    return (
      <span class={'editable' + (multiline ? ' editable-multi' : '')}>
        {value ? <span class="editable-value">{value}</span> : <span class="muted">{onSave ? placeholder ?? 'None' : 'None'}</span>}
        {onSave && <button type="button" class="link-button" aria-label={`Edit ${label}`} onClick={() => { setDraft(value); setError(null); setEditing(true); }}>Edit</button>}
      </span>
    );
  }
  const save = async () => {
    setBusy(true);
    try {
      await onSave?.(draft);
      setEditing(false);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') setEditing(false);
    if (e.key === 'Enter' && (!multiline || e.ctrlKey || e.metaKey)) { e.preventDefault(); void save(); }
  };
  return (
    <span class="editable editing">
      {multiline
        ? <textarea ref={field} aria-label={label} rows={5} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} onKeyDown={onKeyDown} />
        : <input ref={field} aria-label={label} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} onKeyDown={onKeyDown} />}
      <button type="button" disabled={busy} onClick={() => void save()}>Save</button>
      <button type="button" disabled={busy} onClick={() => setEditing(false)}>Cancel</button>
      {error ? <ErrorBox error={error} /> : null}
    </span>
  );
}

/** A text box that filters a list by substring, case-insensitive. */
export function FilterBox({ value, onInput, label }: { value: string; onInput: (v: string) => void; label: string }) {
  return <input type="search" class="filter-box" placeholder={label} aria-label={label} value={value} onInput={(e) => onInput(e.currentTarget.value)} />;
}

export function matches(text: string, filter: string): boolean {
  return !filter || text.toLowerCase().includes(filter.toLowerCase());
}
