// A run's artifacts: a lazily loaded folder tree beside a preview of the chosen file (text,
// CSV/TSV as a table, JSON, YAML/MLmodel, images) with a download link. A folder holding an
// MLmodel file shows the model: its flavors, signature and how to load it, and registers it.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api';
import type { FileInfo } from '../api';
import { parseCsv } from '../csv';
import { fileSize } from '../format';
import { parseMlModel } from '../mlmodel';
import { Empty, ErrorBox, Loading, useAsync } from './common';
import { RegisterModelButton } from './RegisterModel';

const kMaxPreviewBytes = 2 * 1024 * 1024;
const kMaxTableRows = 500;

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = parentOf(path); p; p = parentOf(p)) out.push(p);
  return out;
}

type Kind = 'image' | 'csv' | 'tsv' | 'json' | 'yaml' | 'mlmodel' | 'text' | 'binary';
function kindOf(path: string): Kind {
  const name = nameOf(path);
  if (name === 'MLmodel') return 'mlmodel';
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  if (['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp'].includes(ext)) return 'image';
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv') return 'tsv';
  if (ext === 'json' || ext === 'jsonl') return 'json';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (['txt', 'log', 'md', 'py', 'r', 'sh', 'cfg', 'ini', 'toml', 'html', 'xml', 'sql', 'js', 'ts', 'scala', 'java', 'cc', 'h', 'cpp', 'c', 'conf', ''].includes(ext) || name === 'requirements.txt' || name === 'MLproject') return 'text';
  return 'binary';
}

export function ArtifactBrowser({ runId, path, onSelect }: { runId: string; path: string; onSelect: (path: string) => void }) {
  const [listings, setListings] = useState<Map<string, FileInfo[] | Error | 'loading'>>(new Map());
  const [open, setOpen] = useState<Set<string>>(() => new Set(ancestors(path)));

  useEffect(() => { setOpen((o) => new Set([...o, ...ancestors(path)])); }, [path]);

  const wanted = ['', ...open, ...(path ? [path] : [])];
  useEffect(() => {
    for (const dir of wanted) {
      if (listings.has(dir)) continue;
      setListings((m) => new Map(m).set(dir, 'loading'));
      api.listArtifacts(runId, dir).then(
        (files) => setListings((m) => new Map(m).set(dir, files)),
        (e) => setListings((m) => new Map(m).set(dir, e instanceof Error ? e : new Error(String(e)))));
    }
  }, [runId, wanted.join('\n')]);

  const root = listings.get('');
  const parentListing = listings.get(parentOf(path));
  const entry = path && Array.isArray(parentListing) ? parentListing.find((f) => f.path === path) : undefined;

  const toggle = (dir: string) => setOpen((o) => { const n = new Set(o); if (n.has(dir)) n.delete(dir); else n.add(dir); return n; });

  const renderDir = (dir: string, depth: number) => {
    const files = listings.get(dir);
    if (files instanceof Error) return <li class="muted">{files.message}</li>;
    if (!files || files === 'loading') return <li class="muted">Loading…</li>;
    return files.map((f) => {
      const name = nameOf(f.path);
      const isOpen = open.has(f.path);
      return (
        <li key={f.path} role="treeitem" aria-expanded={f.is_dir ? isOpen : undefined} aria-selected={f.path === path} aria-level={depth + 1}>
          <div class={'tree-item' + (f.path === path ? ' selected' : '')}>
            {f.is_dir
              ? <button type="button" class="expander" tabIndex={-1} aria-label={isOpen ? `Collapse ${name}` : `Expand ${name}`} onClick={() => toggle(f.path)}>{isOpen ? '▾' : '▸'}</button>
              : <span class="expander-space" />}
            <button type="button" class="tree-label" onClick={() => { onSelect(f.path); if (f.is_dir && !isOpen) toggle(f.path); }}>
              <span aria-hidden="true" class={f.is_dir ? 'icon icon-folder' : 'icon icon-file'} />{name}</button>
            {!f.is_dir && <span class="muted size">{fileSize(f.file_size)}</span>}
          </div>
          {f.is_dir && isOpen && <ul role="group">{renderDir(f.path, depth + 1)}</ul>}
        </li>
      );
    });
  };

  if (root instanceof Error) return <ErrorBox error={root} hint="The run's artifact location could not be read by the server." />;
  return (
    <div class="artifacts">
      <div class="artifact-tree">
        {!Array.isArray(root) ? <Loading what="artifacts" /> : root.length === 0 ? <Empty>No artifacts logged for this run (yet).</Empty>
          : <ul role="tree" aria-label="Artifacts">{renderDir('', 0)}</ul>}
      </div>
      <div class="artifact-preview">
        {!path ? <Empty>Choose a file or folder on the left to preview it.</Empty>
          : !entry ? (parentListing instanceof Error ? <ErrorBox error={parentListing} /> : Array.isArray(parentListing) && parentListing.length > 0
            ? <ErrorBox error={new Error(`No artifact at ${path}.`)} hint="Choose another file on the left." /> : <Loading what={path} />)
            : entry.is_dir ? <FolderView runId={runId} entry={entry} files={listings.get(path)} onSelect={onSelect} />
              : <FilePreview runId={runId} entry={entry} />}
      </div>
    </div>
  );
}

function Header({ runId, entry }: { runId: string; entry: FileInfo }) {
  return (
    <div class="preview-header">
      <strong class="preview-path">{entry.path}</strong>
      {!entry.is_dir && <><span class="muted">{fileSize(entry.file_size)}</span>
        <a class="button" href={api.artifactUrl(runId, entry.path)} download={nameOf(entry.path)}>Download</a></>}
    </div>
  );
}

function FolderView({ runId, entry, files, onSelect }: { runId: string; entry: FileInfo; files?: FileInfo[] | Error | 'loading'; onSelect: (p: string) => void }) {
  const hasModel = Array.isArray(files) && files.some((f) => f.path === `${entry.path}/MLmodel`);
  return (
    <div>
      <Header runId={runId} entry={entry} />
      {hasModel && <ModelPanel runId={runId} dir={entry.path} />}
      {files instanceof Error ? <ErrorBox error={files} /> : !Array.isArray(files) ? <Loading what="folder" /> : (
        <table class="data-table">
          <thead><tr><th>Name</th><th class="numeric">Size</th></tr></thead>
          <tbody>{files.map((f) => <tr key={f.path}><td><button type="button" class="link-button" onClick={() => onSelect(f.path)}>{nameOf(f.path)}{f.is_dir ? '/' : ''}</button></td><td class="numeric">{fileSize(f.file_size)}</td></tr>)}</tbody>
        </table>)}
    </div>
  );
}

function ModelPanel({ runId, dir }: { runId: string; dir: string }) {
  const mlmodel = useAsync((signal) => api.fetchArtifactText(runId, dir ? `${dir}/MLmodel` : 'MLmodel', signal).then(parseMlModel), [runId, dir]);
  return <ModelView runId={runId} dir={dir} state={mlmodel} />;
}

function ModelView({ runId, dir, state }: { runId: string; dir: string; state: { data?: ReturnType<typeof parseMlModel>; error?: unknown; loading: boolean } }) {
  if (state.error) return <ErrorBox error={state.error} />;
  if (!state.data) return <Loading what="MLmodel" />;
  const m = state.data;
  const uri = `runs:/${runId}/${dir}`;
  return (
    <section class="model-panel" aria-label="MLflow model">
      <div class="model-panel-head"><h3>MLflow model</h3><RegisterModelButton runId={runId} dir={dir} /></div>
      <div class="model-flavors"><span class="muted">Flavors: </span>{m.flavors.map((f) => <span key={f.name} class="badge">{f.name}</span>)}</div>
      <p class="muted">Load it in Python:</p>
      <pre class="code"><code>{`import mlflow\nmodel = mlflow.pyfunc.load_model("${uri}")\nmodel.predict(data)`}</code></pre>
      {m.signature ? (
        <div class="signature">
          <SpecTable title="Inputs" specs={m.signature.inputs} />
          <SpecTable title="Outputs" specs={m.signature.outputs} />
        </div>
      ) : <p class="muted">This model has no signature.</p>}
      <details>
        <summary>Flavor settings</summary>
        {m.flavors.map((f) => (
          <table class="data-table kv" key={f.name}>
            <caption>{f.name}</caption>
            <tbody>{f.settings.map(([k, v]) => <tr key={k}><th>{k}</th><td>{v}</td></tr>)}</tbody>
          </table>))}
      </details>
    </section>
  );
}

export function SpecTable({ title, specs }: { title: string; specs: Array<{ name?: string; type: string; required?: boolean }> }) {
  return (
    <table class="data-table">
      <caption>{title} ({specs.length})</caption>
      <thead><tr><th>Name</th><th>Type</th><th>Required</th></tr></thead>
      <tbody>{specs.map((s, i) => <tr key={i}><td>{s.name ?? `#${i}`}</td><td>{s.type}</td><td>{s.required === false ? 'no' : 'yes'}</td></tr>)}</tbody>
    </table>
  );
}

function FilePreview({ runId, entry }: { runId: string; entry: FileInfo }) {
  const kind = kindOf(entry.path);
  const tooBig = (entry.file_size ?? 0) > kMaxPreviewBytes;
  const textual = kind !== 'image' && kind !== 'binary' && !tooBig;
  const text = useAsync((signal) => textual ? api.fetchArtifactText(runId, entry.path, signal) : Promise.resolve(''), [runId, entry.path, textual]);
  let body;
  if (kind === 'image') {
    body = <img class="preview-image" src={api.artifactUrl(runId, entry.path)} alt={entry.path} />;
  } else if (kind === 'binary') {
    body = <Empty>No preview for this kind of file. Use Download.</Empty>;
  } else if (tooBig) {
    body = <Empty>This file is {fileSize(entry.file_size)}, too large to preview here. Use Download.</Empty>;
  } else if (text.error) {
    body = <ErrorBox error={text.error} />;
  } else if (text.data === undefined || text.loading) {
    body = <Loading what={nameOf(entry.path)} />;
  } else if (kind === 'csv' || kind === 'tsv') {
    const rows = parseCsv(text.data, kind === 'tsv' ? '\t' : ',', kMaxTableRows + 1);
    const [head, ...rest] = rows;
    body = (
      <div class="table-scroll">
        <table class="data-table">
          <thead><tr>{(head ?? []).map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
          <tbody>{rest.slice(0, kMaxTableRows).map((r, i) => <tr key={i}>{r.map((c, j) => <td key={j}>{c}</td>)}</tr>)}</tbody>
        </table>
        {rest.length > kMaxTableRows && <p class="muted">The first {kMaxTableRows} rows are shown; download the file for the rest.</p>}
      </div>);
  } else if (kind === 'json') {
    let pretty = text.data;
    try { pretty = JSON.stringify(JSON.parse(text.data), null, 2); } catch { /* JSON lines or invalid: shown as is */ }
    body = <pre class="code">{pretty}</pre>;
  } else if (kind === 'mlmodel') {
    const dir = parentOf(entry.path);
    body = <><ModelView runId={runId} dir={dir} state={{ data: parseMlModel(text.data), loading: false }} /><pre class="code">{text.data}</pre></>;
  } else {
    body = <pre class="code">{text.data}</pre>;
  }
  return <div><Header runId={runId} entry={entry} />{body}</div>;
}
