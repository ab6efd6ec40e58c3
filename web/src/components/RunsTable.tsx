// The runs table: an ARIA grid whose rows are virtualised (only the rows in view are in the DOM,
// in screen order), so 100k runs scroll. It renders what it is given; the page owns loading,
// sorting and selection. Keyboard: arrows/Page/Home/End move, Enter opens the run, Space
// selects, Right/Left expand/collapse a parent.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { kTagSourceName, loggedModels, runIdOf, tagValue, type Run } from '../api';
import { cellValue, columnKey, type ColumnKey } from '../columns';
import { duration, exactTime, metricValue, relativeTime } from '../format';
import { runHash } from '../router';
import type { RunRow } from '../runtree';

export const kRowHeight = 34;
const kOverscan = 8;

interface FixedColumn { id: string; label: string; width: number; sortKey?: string }

const kFixed: FixedColumn[] = [
  { id: 'select', label: '', width: 40 },
  { id: 'name', label: 'Run name', width: 220, sortKey: 'attributes.run_name' },
  { id: 'status', label: 'Status', width: 88, sortKey: 'attributes.status' },
  { id: 'started', label: 'Started', width: 128, sortKey: 'attributes.start_time' },
  { id: 'duration', label: 'Duration', width: 80 },
  { id: 'user', label: 'User', width: 80, sortKey: 'attributes.user_id' },
  { id: 'source', label: 'Source', width: 110, sortKey: columnKey('tag', kTagSourceName) },
  { id: 'models', label: 'Models', width: 90 },
];
const kDataWidth = 132;

export interface RunsTableProps {
  rows: RunRow[];
  dataColumns: ColumnKey[];
  orderByKey: string;
  orderByAsc: boolean;
  selected: ReadonlySet<string>;
  now: number;
  /** More rows can be loaded: onNearEnd is called when the user scrolls near the end. */
  hasMore: boolean;
  loadingMore: boolean;
  onSort: (key: string) => void;
  onToggleExpand: (runId: string) => void;
  onToggleSelect: (runId: string) => void;
  onSelectAll: (select: boolean) => void;
  onOpen: (run: Run) => void;
  onNearEnd: () => void;
}

function sortState(key: string | undefined, props: RunsTableProps): 'ascending' | 'descending' | undefined {
  if (!key || key !== props.orderByKey) return undefined;
  return props.orderByAsc ? 'ascending' : 'descending';
}

export function RunsTable(props: RunsTableProps) {
  const { rows, dataColumns } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(600);
  const [active, setActive] = useState(0);
  const focusPending = useRef(false);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setViewHeight(el.clientHeight || 600);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const total = rows.length;
  const bodyTop = Math.max(0, scrollTop - kRowHeight); // the sticky header covers one row height
  const first = Math.max(0, Math.floor(bodyTop / kRowHeight) - kOverscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewHeight) / kRowHeight) + kOverscan);
  const activeRow = Math.min(active, Math.max(0, total - 1));

  useEffect(() => {
    if (props.hasMore && !props.loadingMore && last >= total - 40) props.onNearEnd();
  }, [last, total, props.hasMore, props.loadingMore]);

  useEffect(() => {
    if (!focusPending.current) return;
    focusPending.current = false;
    scroller.current?.querySelector<HTMLElement>(`[data-row="${activeRow}"]`)?.focus({ preventScroll: true });
  });

  const moveTo = (index: number) => {
    const i = Math.max(0, Math.min(total - 1, index));
    const el = scroller.current;
    if (el) {
      const top = i * kRowHeight;
      const visibleBody = el.clientHeight - kRowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + kRowHeight > el.scrollTop + visibleBody) el.scrollTop = top + kRowHeight - visibleBody;
      setScrollTop(el.scrollTop);
    }
    focusPending.current = true;
    setActive(i);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (!target.matches('[role="row"][data-row]')) return; // keys inside a cell's control are its own
    const row = rows[activeRow];
    const page = Math.max(1, Math.floor(viewHeight / kRowHeight) - 2);
    switch (e.key) {
      case 'ArrowDown': moveTo(activeRow + 1); break;
      case 'ArrowUp': moveTo(activeRow - 1); break;
      case 'PageDown': moveTo(activeRow + page); break;
      case 'PageUp': moveTo(activeRow - page); break;
      case 'Home': moveTo(0); break;
      case 'End': moveTo(total - 1); break;
      case 'Enter': if (row) props.onOpen(row.run); break;
      case ' ': if (row) props.onToggleSelect(runIdOf(row.run)); break;
      case 'ArrowRight': if (row && row.childCount > 0 && !row.expanded) props.onToggleExpand(runIdOf(row.run)); break;
      case 'ArrowLeft': if (row && row.expanded) props.onToggleExpand(runIdOf(row.run)); break;
      default: return;
    }
    e.preventDefault();
  };

  const widths = [...kFixed.map((c) => c.width), ...dataColumns.map(() => kDataWidth)];
  const template = widths.map((w) => `${w}px`).join(' ');
  const totalWidth = widths.reduce((a, b) => a + b, 0);
  const allSelected = total > 0 && rows.every((r) => props.selected.has(runIdOf(r.run)));

  const header = (
    <div role="row" aria-rowindex={1} class="grid-row grid-header-row">
      {kFixed.map((c, i) => {
        if (c.id === 'select') {
          return <div role="columnheader" aria-colindex={i + 1} class="cell cell-select" key={c.id}>
            <input type="checkbox" aria-label="Select all loaded runs" checked={allSelected} onChange={(e) => props.onSelectAll(e.currentTarget.checked)} />
          </div>;
        }
        return <HeaderCell key={c.id} index={i + 1} label={c.label} sticky={c.id === 'name'} title={c.label} sortKey={c.sortKey} sort={sortState(c.sortKey, props)} onSort={props.onSort} />;
      })}
      {dataColumns.map((c, j) => {
        const key = columnKey(c.kind, c.name);
        return <HeaderCell key={key} index={kFixed.length + j + 1} label={c.name} kind={c.kind === 'metric' ? 'M' : c.kind === 'param' ? 'P' : 'T'}
          title={`${c.kind} ${c.name}`} sortKey={key} sort={sortState(key, props)} onSort={props.onSort} numeric={c.kind === 'metric'} />;
      })}
    </div>
  );

  const visible = [];
  for (let i = first; i < last; i++) {
    const row = rows[i];
    const id = runIdOf(row.run);
    visible.push(<Row key={id + ':' + row.depth} index={i} row={row} active={i === activeRow} selected={props.selected.has(id)}
      dataColumns={dataColumns} now={props.now} onFocus={() => setActive(i)} props={props} />);
  }

  return (
    <div class="grid-scroll" ref={scroller} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div role="grid" aria-label="Runs" aria-rowcount={total + 1} aria-colcount={widths.length} aria-multiselectable="true"
        class="grid" style={{ '--grid-columns': template, width: `${totalWidth}px` }} onKeyDown={onKeyDown}>
        <div role="rowgroup" class="grid-head">{header}</div>
        <div role="rowgroup" class="grid-body" style={{ height: `${total * kRowHeight}px` }}>
          <div class="grid-window" style={{ transform: `translateY(${first * kRowHeight}px)` }}>{visible}</div>
        </div>
      </div>
      {props.loadingMore && <div class="grid-more" role="status">Loading more runs…</div>}
    </div>
  );
}

function HeaderCell({ index, label, title, kind, sortKey, sort, onSort, numeric, sticky }: {
  index: number; sticky?: boolean; label: string; title: string; kind?: string; sortKey?: string; sort?: 'ascending' | 'descending';
  onSort: (key: string) => void; numeric?: boolean;
}) {
  const arrow = sort === 'ascending' ? '▲' : sort === 'descending' ? '▼' : '';
  const inner = <>{kind && <span class={`kind kind-${kind}`} aria-hidden="true">{kind}</span>}<span class="header-label">{label}</span>{arrow && <span class="sort-arrow" aria-hidden="true">{arrow}</span>}</>;
  return (
    <div role="columnheader" aria-colindex={index} aria-sort={sort} class={'cell header-cell' + (numeric ? ' numeric' : '') + (sticky ? ' cell-name' : '')} title={title} data-key={sortKey}>
      {sortKey ? <button type="button" class="sort-button" onClick={() => onSort(sortKey)} aria-label={`Sort by ${title}`}>{inner}</button> : inner}
    </div>
  );
}

function Row({ index, row, active, selected, dataColumns, now, onFocus, props }: {
  index: number; row: RunRow; active: boolean; selected: boolean; dataColumns: ColumnKey[]; now: number;
  onFocus: () => void; props: RunsTableProps;
}) {
  const run = row.run;
  const id = runIdOf(run);
  const info = run.info;
  const name = info.run_name || id;
  const source = tagValue(run, kTagSourceName) ?? '';
  const models = loggedModels(run);
  const href = runHash(info.experiment_id, id);
  let col = 1;
  return (
    <div role="row" aria-rowindex={index + 2} aria-selected={selected} data-row={index} data-run-id={id}
      tabIndex={active ? 0 : -1} class={'grid-row' + (selected ? ' row-selected' : '') + (row.depth ? ' row-child' : '')}
      onFocus={(e) => { if (e.target === e.currentTarget) onFocus(); }}
      onDblClick={(e) => { if (!(e.target as HTMLElement).closest('a,button,input')) props.onOpen(run); }}>
      <div role="gridcell" aria-colindex={col++} class="cell cell-select">
        <input type="checkbox" tabIndex={-1} aria-label={`Select ${name}`} checked={selected} onChange={() => props.onToggleSelect(id)} />
      </div>
      <div role="gridcell" aria-colindex={col++} class={`cell cell-name depth-${Math.min(row.depth, 6)}`}>
        {row.childCount > 0
          ? <button type="button" tabIndex={-1} class="expander" aria-expanded={row.expanded}
            aria-label={`${row.expanded ? 'Collapse' : 'Expand'} ${name} (${row.childCount} child runs)`} onClick={() => props.onToggleExpand(id)}>
            <span aria-hidden="true">{row.expanded ? '▾' : '▸'}</span><span class="child-count">{row.childCount}</span></button>
          : <span class="expander-space" />}
        <a href={href} tabIndex={-1} title={name}>{name}</a>
      </div>
      <div role="gridcell" aria-colindex={col++} class="cell"><span class={`status status-${info.status.toLowerCase()}`}>{info.status}</span></div>
      <div role="gridcell" aria-colindex={col++} class="cell" title={exactTime(info.start_time)}>{relativeTime(info.start_time, now)}</div>
      <div role="gridcell" aria-colindex={col++} class="cell">{info.status === 'RUNNING' ? <span class="muted">running</span> : duration(info.start_time, info.end_time)}</div>
      <div role="gridcell" aria-colindex={col++} class="cell" title={info.user_id}>{info.user_id}</div>
      <div role="gridcell" aria-colindex={col++} class="cell" title={source}>{source.split('/').pop()}</div>
      <div role="gridcell" aria-colindex={col++} class="cell">
        {models.map((m) => <a key={m.artifactPath} tabIndex={-1} class="badge" href={runHash(info.experiment_id, id, 'artifacts', m.artifactPath)} title={`Logged model: ${m.artifactPath} (${m.flavors.join(', ')})`}>{m.artifactPath}</a>)}
      </div>
      {dataColumns.map((c) => {
        const v = cellValue(run, c);
        const text = typeof v === 'number' ? metricValue(v) : v ?? '';
        return <div role="gridcell" aria-colindex={col++} key={c.kind + c.name} class={'cell' + (c.kind === 'metric' ? ' numeric' : '')} title={v === undefined ? '' : String(v)}>{text}</div>;
      })}
    </div>
  );
}
