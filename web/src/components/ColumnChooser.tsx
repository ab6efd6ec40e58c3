// Chooses the metric, param and tag columns of the runs table, filtered by name. The choice is
// a list of column keys (the URL's selectedColumns); null means "every metric and param".

import { useState } from 'preact/hooks';
import { columnKey, type ColumnKind } from '../columns';
import { matches } from './common';

export function ColumnChooser({ seen, shown, onChange }: {
  seen: { metrics: string[]; params: string[]; tags: string[] };
  shown: string[];
  onChange: (keys: string[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const [filter, setFilter] = useState('');
  const shownSet = new Set(shown);
  const groups: Array<[string, ColumnKind, string[]]> = [
    ['Metrics', 'metric', seen.metrics], ['Parameters', 'param', seen.params], ['Tags', 'tag', seen.tags],
  ];
  const all = groups.flatMap(([, kind, names]) => names.filter((n) => matches(n, filter)).map((n) => columnKey(kind, n)));
  const toggle = (key: string, on: boolean) => {
    onChange(on ? [...shown, key] : shown.filter((k) => k !== key));
  };
  return (
    <div class="popover-anchor">
      <button type="button" aria-expanded={open} aria-haspopup="true" onClick={() => setOpen(!open)}>Columns ({shown.length})</button>
      {open && (
        <div class="popover column-chooser" role="dialog" aria-label="Choose columns" onKeyDown={(e) => { if (e.key === 'Escape') setOpen(false); }}>
          <input type="search" class="filter-box" placeholder="Filter columns by name" aria-label="Filter columns by name" value={filter}
            onInput={(e) => setFilter(e.currentTarget.value)} />
          <div class="chooser-actions">
            <button type="button" class="link-button" onClick={() => onChange([...new Set([...shown, ...all])])}>Show {filter ? 'matching' : 'all'}</button>
            <button type="button" class="link-button" onClick={() => onChange(shown.filter((k) => !all.includes(k)))}>Hide {filter ? 'matching' : 'all'}</button>
            <button type="button" class="link-button" onClick={() => setOpen(false)}>Close</button>
          </div>
          <div class="chooser-list">
            {groups.map(([title, kind, names]) => {
              const visible = names.filter((n) => matches(n, filter));
              if (!visible.length) return null;
              return (
                <fieldset key={kind}>
                  <legend>{title}</legend>
                  {visible.map((n) => {
                    const key = columnKey(kind, n);
                    return <label class="check" key={key}><input type="checkbox" checked={shownSet.has(key)} onChange={(e) => toggle(key, e.currentTarget.checked)} /> {n}</label>;
                  })}
                </fieldset>
              );
            })}
            {all.length === 0 && <div class="muted">No column matches.</div>}
          </div>
        </div>
      )}
    </div>
  );
}
