import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Run } from '../../src/api';
import { loggedModels } from '../../src/api';
import { buildOrderBy, cellValue, childrenFilter, columnKey, keysSeen, parseColumnKey, visibleDataColumns } from '../../src/columns';
import { parseCsv, runsToCsv, toCsv } from '../../src/csv';
import { duration, exactTime, fileSize, metricValue, relativeTime } from '../../src/format';
import { downsample, firstTimestamp, historySeries, pointsInWindow, smooth, stepRangeFor, withLatest } from '../../src/sampling';
import { buildRows, liveRunIds, replaceRuns } from '../../src/runtree';
import { parseMlModel } from '../../src/mlmodel';

function run(id: string, opts: { parent?: string; metrics?: Record<string, number>; params?: Record<string, string>; tags?: Record<string, string> } = {}): Run {
  const tags = { ...(opts.tags ?? {}) };
  if (opts.parent) tags['mlflow.parentRunId'] = opts.parent;
  return {
    info: { run_id: id, run_name: 'n-' + id, experiment_id: '1', status: 'FINISHED', start_time: 1000, end_time: 3500, lifecycle_stage: 'active', user_id: 'u' },
    data: {
      metrics: Object.entries(opts.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: 1, step: 0 })),
      params: Object.entries(opts.params ?? {}).map(([key, value]) => ({ key, value })),
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
    },
  };
}

test('relative time', () => {
  const now = 1_700_000_000_000;
  const cases: Array<[number | undefined, string]> = [
    [undefined, ''], [0, ''], [now - 2000, 'just now'], [now - 45_000, '45 seconds ago'],
    [now - 60_000, '1 minute ago'], [now - 3 * 3600e3, '3 hours ago'], [now - 2 * 86400e3, '2 days ago'],
    [now - 400 * 86400e3, '1 year ago'], [now + 5 * 60e3, 'in 5 minutes'],
  ];
  for (const [t, want] of cases) assert.equal(relativeTime(t, now), want, String(t));
});

test('durations, sizes, exact times and metric values', () => {
  const cases: Array<[number, number, string]> = [[0, 10, ''], [1000, 1850, '850ms'], [0, 12_345, ''], [1, 12_346, '12.3s'],
    [1, 4 * 60e3 + 1, '4.0min'], [1, 2.5 * 3600e3 + 1, '2.5h'], [1, 3 * 86400e3 + 1, '3.0d'], [5000, 4000, '']];
  for (const [s, e, want] of cases) assert.equal(duration(s, e), want, `${s}..${e}`);
  assert.equal(fileSize(512), '512 B');
  assert.equal(fileSize(1536), '1.5 KiB');
  assert.equal(fileSize(753384), '736 KiB');
  assert.equal(fileSize(5 * 1024 * 1024), '5.0 MiB');
  assert.match(exactTime(Date.UTC(2024, 0, 2, 3, 4, 5)), /^2024-01-0[12] \d\d:04:05$/);
  assert.equal(metricValue(0.13799421064599976), '0.138');
  assert.equal(metricValue(1528), '1528');
  assert.equal(metricValue(1.5e-7), '1.500e-7');
  assert.equal(metricValue(undefined), '');
});

test('column keys and order_by', () => {
  assert.equal(columnKey('metric', 'test_PR_AUC'), 'metrics.`test_PR_AUC`');
  assert.equal(columnKey('attribute', 'start_time'), 'attributes.start_time');
  assert.deepEqual(parseColumnKey('metrics.`test_PR_AUC`'), { kind: 'metric', name: 'test_PR_AUC' });
  assert.deepEqual(parseColumnKey('params.max_depth'), { kind: 'param', name: 'max_depth' });
  assert.deepEqual(parseColumnKey('tags.`mlflow.source.name`'), { kind: 'tag', name: 'mlflow.source.name' });
  assert.equal(parseColumnKey('nonsense'), null);
  assert.deepEqual(buildOrderBy('metrics.`test_PR_AUC`', false), ['metrics.`test_PR_AUC` DESC', 'attributes.start_time DESC']);
  assert.deepEqual(buildOrderBy('attributes.start_time', true), ['attributes.start_time ASC']);
  assert.deepEqual(buildOrderBy('bad key', true), ['attributes.start_time DESC']);
  assert.equal(childrenFilter('abc', ''), "tags.mlflow.parentRunId = 'abc'");
  assert.equal(childrenFilter('abc', 'metrics.x > 1'), "(metrics.x > 1) AND tags.mlflow.parentRunId = 'abc'");
});

test('columns seen and selected', () => {
  const runs = [run('a', { metrics: { b: 1, a: 2 }, params: { p: '1' }, tags: { team: 'x', 'mlflow.user': 'u' } }), run('b', { metrics: { c: 3 } })];
  const seen = keysSeen(runs);
  assert.deepEqual(seen, { metrics: ['a', 'b', 'c'], params: ['p'], tags: ['team'] });
  assert.deepEqual(visibleDataColumns(seen, null).map((c) => c.kind + ':' + c.name), ['metric:a', 'metric:b', 'metric:c', 'param:p']);
  assert.deepEqual(visibleDataColumns(seen, ['params.`p`', 'tags.`team`', 'attributes.x']).map((c) => c.kind + ':' + c.name), ['param:p', 'tag:team']);
  assert.equal(cellValue(runs[0], { kind: 'metric', name: 'a' }), 2);
  assert.equal(cellValue(runs[1], { kind: 'metric', name: 'a' }), undefined);
});

test('CSV export and parsing', () => {
  assert.equal(toCsv([['a', 'b,c', 'd"e', ' f', '']]), 'a,"b,c","d""e"," f",\r\n');
  const csv = runsToCsv([run('r1', { metrics: { m: 0.5 }, params: { p: 'x,y' }, parent: 'p0' })],
    [{ kind: 'metric', name: 'm' }, { kind: 'param', name: 'p' }]);
  const rows = parseCsv(csv);
  assert.deepEqual(rows[0], ['run_id', 'run_name', 'status', 'start_time', 'end_time', 'duration_s', 'user', 'source', 'parent_run_id', 'metrics.m', 'params.p']);
  assert.deepEqual(rows[1], ['r1', 'n-r1', 'FINISHED', '1970-01-01T00:00:01.000Z', '1970-01-01T00:00:03.500Z', '2.5', 'u', '', 'p0', '0.5', 'x,y']);
  assert.equal(rows.length, 2);
  assert.deepEqual(parseCsv('a\tb\n1\t"x\ny"\n', '\t'), [['a', 'b'], ['1', 'x\ny']]);
  assert.deepEqual(parseCsv('a,b\n1,2\n3,4\n', ',', 2), [['a', 'b'], ['1', '2']]);
});

test('zoom windows: the step range to fetch and the points inside', () => {
  // Steps 0, 10, ..., 100 logged one second apart from t = 5 s.
  const pts = Array.from({ length: 11 }, (_, i) => ({ key: 'm', value: i, timestamp: 5000 + i * 1000, step: i * 10 }));
  const t0 = firstTimestamp(pts);
  assert.equal(t0, 5000);
  assert.equal(firstTimestamp([]), 0);
  assert.deepEqual(stepRangeFor(pts, 'step', t0, 12.4, 47.9), { start: 13, end: 47 });
  assert.equal(stepRangeFor(pts, 'step', t0, 12.2, 12.8), null);
  // Time axes: the steps of the points in the window and of their neighbours outside it.
  assert.deepEqual(stepRangeFor(pts, 'relative', t0, 2.5, 4.5), { start: 20, end: 50 });
  assert.deepEqual(stepRangeFor(pts, 'time', t0, 7.5, 9.5), { start: 20, end: 50 });
  assert.deepEqual(stepRangeFor(pts, 'relative', t0, 2.2, 2.8), { start: 20, end: 30 });
  assert.deepEqual(stepRangeFor(pts, 'relative', t0, -5, 0.5), { start: 0, end: 10 });
  assert.equal(stepRangeFor([], 'time', t0, 1, 2), null);
  assert.deepEqual(pointsInWindow(pts, 'relative', t0, 2.5, 4.5).map((p) => p.step), [30, 40]);
  assert.deepEqual(pointsInWindow(pts, 'step', t0, 30, 40).map((p) => p.step), [30, 40]);
  // The run's latest point completes a sample that lacks it, when in the range asked for.
  const last = { key: 'm', value: 99, timestamp: 99_000, step: 1000 };
  assert.equal(withLatest(pts, last).length, 12);
  assert.equal(withLatest(pts, pts[10]).length, 11);
  assert.equal(withLatest(pts, last, { start: 0, end: 500 }).length, 11);
  assert.equal(withLatest(pts, undefined).length, 11);
  assert.equal(withLatest([], last).length, 0);
  // A zoomed part keeps the whole history's relative origin.
  assert.deepEqual([...historySeries(pts.slice(3, 5), 'relative', t0).x], [3, 4]);
});

test('metric histories: series, down-sampling, smoothing', () => {
  const pts = [{ key: 'm', value: 3, timestamp: 3000, step: 2 }, { key: 'm', value: 1, timestamp: 1000, step: 0 }, { key: 'm', value: 2, timestamp: 2000, step: 1 }];
  assert.deepEqual([...historySeries(pts, 'step').x], [0, 1, 2]);
  assert.deepEqual([...historySeries(pts, 'step').y], [1, 2, 3]);
  assert.deepEqual([...historySeries(pts, 'relative').x], [0, 1, 2]);
  assert.deepEqual([...historySeries(pts, 'time').x], [1, 2, 3]);
  const n = 100_000;
  const x = new Float64Array(n).map((_, i) => i);
  const y = new Float64Array(n).map((_, i) => (i === 54_321 ? 1000 : Math.sin(i / 100)));
  const d = downsample(x, y, 2000);
  assert.ok(d.x.length <= 2000 && d.x.length > 1000, String(d.x.length));
  assert.equal(d.x[0], 0);
  assert.equal(d.x[d.x.length - 1], n - 1);
  assert.ok([...d.y].includes(1000), 'keeps the spike');
  for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] > d.x[i - 1]);
  assert.equal(downsample(x.slice(0, 10), y.slice(0, 10), 2000).x.length, 10);
  const flat = smooth(new Float64Array([5, 5, 5]), 0.9);
  assert.deepEqual([...flat].map((v) => Math.round(v * 1e9) / 1e9), [5, 5, 5]);
  const s = smooth(new Float64Array([0, 10]), 0.5);
  assert.equal(s[0], 0);
  assert.ok(s[1] > 0 && s[1] < 10);
  const raw = new Float64Array([1, 2]);
  assert.equal(smooth(raw, 0), raw);
});

test('nested runs: children under loaded parents, fetched children win', () => {
  const runs = [run('c2', { parent: 'p' }), run('p'), run('c1', { parent: 'p' }), run('o', { parent: 'missing' }), run('q')];
  const ids = (rows: ReturnType<typeof buildRows>) => rows.map((r) => '  '.repeat(r.depth) + r.run.info.run_id + (r.childCount ? `(${r.childCount})` : ''));
  assert.deepEqual(ids(buildRows(runs, new Set(), new Map())), ['p(2)', 'o', 'q']);
  assert.deepEqual(ids(buildRows(runs, new Set(['p']), new Map())), ['p(2)', '  c2', '  c1', 'o', 'q']);
  const fetched = new Map([['p', [run('c1', { parent: 'p' }), run('c2', { parent: 'p' }), run('c3', { parent: 'p' })]]]);
  assert.deepEqual(ids(buildRows(runs, new Set(['p']), fetched)), ['p(3)', '  c1', '  c2', '  c3', 'o', 'q']);
  assert.deepEqual(ids(buildRows([run('a', { parent: 'b' }), run('b', { parent: 'a' })], new Set(['a', 'b']), new Map())), []);
});

test('logged models from the log-model history tag', () => {
  const r = run('a', { tags: { 'mlflow.log-model.history': JSON.stringify([{ artifact_path: 'model', flavors: { orchard: {}, python_function: {} } }, { artifact_path: 'model' }]) } });
  assert.deepEqual(loggedModels(r), [{ artifactPath: 'model', flavors: ['orchard', 'python_function'] }]);
  assert.deepEqual(loggedModels(run('b', { tags: { 'mlflow.log-model.history': 'not json' } })), []);
});

test('MLmodel: flavors and signature', () => {
  const text = [
    'artifact_path: model',
    'flavors:',
    '  orchard:',
    '    model_type: rf',
    '    features:',
    '      - Loan Amount',
    '  python_function:',
    '    code: code',
    '    env:',
    '      virtualenv: python_env.yaml',
    '    loader_module: orchard_pyfunc',
    'mlflow_version: 2.12.2',
    'run_id: abc',
    'signature:',
    '  inputs: "[{\\"type\\":\\"long\\",\\"name\\":\\"Loan Amount\\",\\"required\\":true}]"',
    '  outputs: \'[{"type": "double", "name": "p1"}]\'',
    '  params: ~',
    'utc_time_created: 2024-01-01 00:00:00.0',
  ].join('\n');
  const m = parseMlModel(text);
  assert.deepEqual(m.flavors, [
    { name: 'orchard', settings: [['model_type', 'rf']] },
    { name: 'python_function', settings: [['code', 'code'], ['loader_module', 'orchard_pyfunc']] },
  ]);
  assert.deepEqual(m.signature, { inputs: [{ type: 'long', name: 'Loan Amount', required: true }], outputs: [{ type: 'double', name: 'p1' }], params: undefined });
  assert.equal(m.runId, 'abc');
  assert.equal(m.artifactPath, 'model');
  assert.equal(m.mlflowVersion, '2.12.2');
  assert.equal(parseMlModel('flavors:\n  sklearn:\n    pickled_model: model.pkl\n').signature, undefined);
});

test('live rows: the running runs are found, and replaced in place only when they changed', () => {
  const live = (id: string, status: 'RUNNING' | 'SCHEDULED' | 'FINISHED', metrics: Record<string, number> = {}) => {
    const r = run(id, { metrics });
    r.info.status = status;
    return r;
  };
  const a = live('a', 'FINISHED');
  const b = live('b', 'RUNNING', { loss: 1 });
  const c = live('c', 'SCHEDULED');
  const runs = [a, b, c, live('d', 'RUNNING')];
  assert.deepEqual(liveRunIds(runs, 50), ['b', 'c', 'd']);
  assert.deepEqual(liveRunIds([...runs, b], 2), ['b', 'c']);
  assert.deepEqual(liveRunIds([a], 50), []);
  // Unchanged copies keep the same array; a changed run replaces its entry, order kept.
  assert.equal(replaceRuns(runs, new Map([['b', live('b', 'RUNNING', { loss: 1 })]])), runs);
  assert.equal(replaceRuns(runs, new Map()), runs);
  const b2 = live('b', 'FINISHED', { loss: 0.5 });
  const next = replaceRuns(runs, new Map([['b', b2], ['zz', live('zz', 'RUNNING')]]));
  assert.notEqual(next, runs);
  assert.deepEqual(next.map((r) => r.info.run_id), ['a', 'b', 'c', 'd']);
  assert.equal(next[1], b2);
  assert.equal(next[0], a);
  assert.equal(runs[1], b); // the input is not changed
});
