// "Register model" for a model folder of a run: a button and a modal dialog that registers the
// folder (source runs:/<run_id>/<path>) as a new version of an existing registered model, or of
// a new one it creates first. It shows the version made, with a link to it, or the server's error.

import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api';
import type { ModelVersion } from '../api';
import { formatHash } from '../router';
import { ErrorBox, useAsync } from './common';
import { canOnModel } from '../access';
import { refreshAccess, useAccess } from '../session';

const kNewModel = '';

export function RegisterModelButton({ runId, dir }: { runId: string; dir: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="primary" onClick={() => setOpen(true)}>Register model</button>
      {open && <RegisterModelDialog runId={runId} dir={dir} onClose={() => setOpen(false)} />}
    </>
  );
}

function RegisterModelDialog({ runId, dir, onClose }: { runId: string; dir: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const nameField = useRef<HTMLInputElement>(null);
  const models = useAsync((signal) => api.searchRegisteredModels({}, signal), []);
  const [choice, setChoice] = useState(kNewModel);
  const [newName, setNewName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [made, setMade] = useState<ModelVersion | null>(null);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (!d.open) d.showModal();
    nameField.current?.focus();
    return () => { if (d.open) d.close(); };
  }, []);

  const access = useAccess();
  const names = (models.data ?? []).map((m) => m.name);
  // Versions may be added only to models the user may change; any user may create a model.
  const addable = names.filter((n) => canOnModel(access, n, 'update'));
  const creating = choice === kNewModel;
  const name = creating ? newName.trim() : choice;
  const clash = creating && names.includes(name);
  const source = `runs:/${runId}/${dir}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name || clash || busy) return;
    setBusy(true);
    setError(null);
    try {
      if (creating) {
        await api.createRegisteredModel(name);
        await refreshAccess();  // its creator may now manage it
      }
      setMade(await api.createModelVersion(name, runId, dir));
      models.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="register-model-title" onClose={onClose} onCancel={onClose}>
      <form method="dialog" class="dialog-body" onSubmit={submit}>
        <h2 id="register-model-title">Register model</h2>
        <p class="muted">Source <code>{source}</code></p>
        {made ? (
          <div class="dialog-result" role="status">
            Registered <strong>{made.name}</strong> version <strong>{made.version}</strong>.{' '}
            <a href={formatHash({ page: 'model-version', name: made.name, version: made.version })} onClick={onClose}>Open version {made.version}</a>
          </div>
        ) : (
          <>
            <label class="field">Model
              <select value={choice} disabled={busy} onChange={(e) => { setChoice(e.currentTarget.value); setError(null); }}>
                <option value={kNewModel}>+ Create new model</option>
                {addable.map((n) => <option key={n} value={n}>{n}</option>)}
              </select>
            </label>
            {models.error ? <ErrorBox error={models.error} hint="The registered models could not be listed; you can still create a new one." /> : null}
            {creating && (
              <label class="field">New model name
                <input ref={nameField} value={newName} disabled={busy} placeholder="e.g. loan_model" autoComplete="off" spellcheck={false}
                  aria-invalid={clash} onInput={(e) => { setNewName(e.currentTarget.value); setError(null); }} />
              </label>
            )}
            {clash && <div class="field-error" role="alert">A model named {name} exists already: choose it in the list to add a version to it.</div>}
            {error ? <ErrorBox error={error} /> : null}
          </>
        )}
        <div class="dialog-actions">
          {made
            ? <button type="button" class="primary" onClick={onClose}>Close</button>
            : <>
              <button type="button" onClick={onClose} disabled={busy}>Cancel</button>
              <button type="submit" class="primary" disabled={!name || clash || busy}>{busy ? 'Registering…' : 'Register'}</button>
            </>}
        </div>
      </form>
    </dialog>
  );
}
