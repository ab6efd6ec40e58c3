import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultViewState, formatHash, parseHash, type Route } from '../../src/router';

test('parses MLflow routes', () => {
  assert.deepEqual(parseHash(''), { page: 'home' });
  assert.deepEqual(parseHash('#/'), { page: 'home' });
  assert.deepEqual(parseHash('#/experiments/7'), { page: 'experiment', experimentId: '7', state: defaultViewState() });
  assert.deepEqual(parseHash('#/experiments/7/runs/abc'),
    { page: 'run', experimentId: '7', runId: 'abc', tab: 'overview', artifactPath: '' });
  assert.deepEqual(parseHash('#/experiments/7/runs/abc/artifactPath/model/MLmodel'),
    { page: 'run', experimentId: '7', runId: 'abc', tab: 'artifacts', artifactPath: 'model/MLmodel' });
  assert.deepEqual(parseHash('#/experiments/7/runs/abc/model-metrics'),
    { page: 'run', experimentId: '7', runId: 'abc', tab: 'model-metrics', artifactPath: '' });
  assert.deepEqual(parseHash('#/runs/abc'), { page: 'run-redirect', runId: 'abc' });
  assert.deepEqual(parseHash('#/models'), { page: 'models' });
  assert.deepEqual(parseHash('#/models/loan%20model'), { page: 'model', name: 'loan model' });
  assert.deepEqual(parseHash('#/models/m/versions/3'), { page: 'model-version', name: 'm', version: '3' });
  assert.deepEqual(parseHash('#/compare-runs?runs=%5B%22a%22%2C%22b%22%5D&experiments=%5B%221%22%5D'),
    { page: 'compare-runs', runs: ['a', 'b'], experiments: ['1'] });
  assert.equal(parseHash('#/nowhere/x').page, 'not-found');
});

test('parses the experiment view state under MLflow names', () => {
  const r = parseHash('#/experiments/1?searchFilter=metrics.x%20%3E%201&orderByKey=metrics.%60test_PR_AUC%60&orderByAsc=false&selectedColumns=%5B%22params.%60a%60%22%5D');
  assert.equal(r.page, 'experiment');
  if (r.page !== 'experiment') return;
  assert.deepEqual(r.state, {
    searchFilter: 'metrics.x > 1', orderByKey: 'metrics.`test_PR_AUC`', orderByAsc: false, selectedColumns: ['params.`a`'],
    compareRunsMode: 'TABLE', chartMetric: '', chartTopN: 10,
  });
});

test('formatHash and parseHash round-trip', () => {
  const routes: Route[] = [
    { page: 'home' },
    { page: 'experiment', experimentId: '1', state: defaultViewState() },
    { page: 'experiment', experimentId: '12', state: { searchFilter: "tags.t = 'a b' AND metrics.m >= 0.5", orderByKey: 'metrics.`x y`', orderByAsc: true, selectedColumns: [], compareRunsMode: 'TABLE', chartMetric: '', chartTopN: 10 } },
    { page: 'experiment', experimentId: '12', state: { ...defaultViewState(), compareRunsMode: 'CHART', chartMetric: 'test PR/AUC', chartTopN: 20 } },
    { page: 'run', experimentId: '1', runId: 'r1', tab: 'overview', artifactPath: '' },
    { page: 'run', experimentId: '1', runId: 'r1', tab: 'model-metrics', artifactPath: '' },
    { page: 'run', experimentId: '1', runId: 'r1', tab: 'artifacts', artifactPath: '' },
    { page: 'run', experimentId: '1', runId: 'r1', tab: 'artifacts', artifactPath: 'model/code/a b.py' },
    { page: 'run-redirect', runId: 'r9' },
    { page: 'compare-runs', runs: ['a', 'b'], experiments: ['1', '2'] },
    { page: 'models' },
    { page: 'models', search: "loan's" },
    { page: 'model', name: 'loan/model' },
    { page: 'model-version', name: 'm', version: '2' },
  ];
  for (const r of routes) assert.deepEqual(parseHash(formatHash(r)), r, formatHash(r));
});

test('the default view state leaves the query empty', () => {
  assert.equal(formatHash({ page: 'experiment', experimentId: '3', state: defaultViewState() }), '#/experiments/3');
});

test('the charts view is kept in the URL under MLflow\'s compareRunsMode', () => {
  const hash = formatHash({ page: 'experiment', experimentId: '3', state: { ...defaultViewState(), compareRunsMode: 'CHART', chartMetric: 'loss' } });
  assert.equal(hash, '#/experiments/3?compareRunsMode=CHART&chartMetric=loss');
  const r = parseHash('#/experiments/3?compareRunsMode=CHART&chartTopN=500');
  assert.ok(r.page === 'experiment' && r.state.compareRunsMode === 'CHART' && r.state.chartTopN === 10);
});
