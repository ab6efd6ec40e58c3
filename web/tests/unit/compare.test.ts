import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Run } from '../../src/api';
import { axisValueAt, bestSoFar, defaultMetric, bestTrial, brushed, colourAt, compareRows, makeAxis, parseTrials, sampleEvenly, samplerOf, trialOrigin } from '../../src/compare';
import { parseMarkdown, parseInline, safeHref } from '../../src/markdown';

const run = (id: string, params: Record<string, string>, metrics: Record<string, number>): Run => ({
  info: { run_id: id, experiment_id: '1', status: 'FINISHED', lifecycle_stage: 'active' },
  data: {
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
  },
});

test('compareRows lists params then metrics, flagging differences and missing values', () => {
  const rows = compareRows([run('a', { depth: '3', seed: '42' }, { auc: 0.5 }), run('b', { depth: '5', seed: '42' }, { auc: 0.5, loss: 1 })]);
  assert.deepEqual(rows.map((r) => [r.kind, r.key, r.differs]), [
    ['param', 'depth', true], ['param', 'seed', false], ['metric', 'auc', false], ['metric', 'loss', true]]);
  assert.deepEqual(rows[3].values, [undefined, 1]);
});

test('axes: numeric when every value is a number, categories otherwise', () => {
  const n = makeAxis('param', 'depth', ['3', '5', undefined, '4']);
  assert.ok(n.numeric);
  assert.deepEqual([...n.pos].map((p) => (Number.isNaN(p) ? 'NaN' : p)), [0, 1, 'NaN', 0.5]);
  assert.equal(axisValueAt(n, 0.5), '4');
  const c = makeAxis('param', 'weight', ['none', 'balanced', 'none']);
  assert.ok(!c.numeric);
  assert.deepEqual(c.categories, ['balanced', 'none']);
  assert.deepEqual([...c.pos], [1, 0, 1]);
  assert.equal(axisValueAt(c, 1), 'none');
  const one = makeAxis('metric', 'x', [2, 2]);
  assert.deepEqual([...one.pos], [0.5, 0.5]);
});

test('brushes keep the runs inside every range', () => {
  const a = makeAxis('param', 'a', ['1', '2', '3']);
  const b = makeAxis('param', 'b', ['x', 'y', undefined]);
  assert.deepEqual([...brushed([a, b], new Map([[0, [0.4, 1]]]), 3)], [0, 1, 1]);
  assert.deepEqual([...brushed([a, b], new Map([[0, [0.4, 1]], [1, [0, 1]]]), 3)], [0, 1, 0]);
});

test('colours, best so far and even sampling', () => {
  assert.equal(colourAt(0), 'rgb(68,1,84)');
  assert.equal(colourAt(1), 'rgb(253,231,37)');
  assert.equal(colourAt(NaN), 'rgb(150,150,150)');
  assert.deepEqual(bestSoFar([0.3, NaN, 0.5, 0.4], true), [0.3, 0.3, 0.5, 0.5]);
  assert.deepEqual(bestSoFar([3, 1, 2], false), [3, 1, 1]);
  assert.deepEqual(sampleEvenly([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4), [1, 4, 7, 10]);
  assert.equal(sampleEvenly(Array.from({ length: 10_000 }, (_, i) => i), 2000).length, 2000);
});

test('trials.csv: objective from the parent param, direction, params, best', () => {
  const parsed = parseTrials([
    ['trial', 'run_id', 'status', 'test_PR_AUC', 'max_depth', 'class_weight'],
    ['2', 'r2', 'FINISHED', '0.2', '5', 'none'],
    ['1', 'r1', 'FINISHED', '0.1', '3', 'balanced'],
    ['3', 'r3', 'FAILED', '', '7', 'none'],
  ], 'test_PR_AUC (max)');
  assert.ok(parsed);
  const s = parsed!;
  assert.equal(s.objective, 'test_PR_AUC');
  assert.equal(s.maximize, true);
  assert.deepEqual(s.paramKeys, ['max_depth', 'class_weight']);
  assert.deepEqual(s.trials.map((t) => t.number), [1, 2, 3]);
  assert.ok(Number.isNaN(s.trials[2].objective));
  assert.equal(bestTrial(s), 1);
  const min = parseTrials([['trial', 'run_id', 'status', 'loss'], ['1', 'a', 'FINISHED', '2'], ['2', 'b', 'FINISHED', '1']], 'loss (min)');
  assert.equal(min?.maximize, false);
  assert.equal(bestTrial(min!), 1);
});

test('markdown: blocks and inlines, never HTML, unsafe links dropped', () => {
  const blocks = parseMarkdown('# Title\n\nSome **bold** and *em* with `code`.\n\n- one\n- two\n\n1. first\n\n```\n<b>raw</b>\n```\n<img src=x onerror=alert(1)>');
  assert.deepEqual(blocks.map((b) => b.t), ['heading', 'paragraph', 'list', 'list', 'pre', 'paragraph']);
  assert.deepEqual(blocks[1], { t: 'paragraph', children: [{ t: 'text', text: 'Some ' }, { t: 'strong', children: [{ t: 'text', text: 'bold' }] },
    { t: 'text', text: ' and ' }, { t: 'em', children: [{ t: 'text', text: 'em' }] }, { t: 'text', text: ' with ' }, { t: 'code', text: 'code' }, { t: 'text', text: '.' }] });
  assert.deepEqual(blocks[4], { t: 'pre', text: '<b>raw</b>' });
  assert.deepEqual(blocks[5], { t: 'paragraph', children: [{ t: 'text', text: '<img src=x onerror=alert(1)>' }] });
  assert.deepEqual(parseInline('[docs](https://mlflow.org)'), [{ t: 'link', href: 'https://mlflow.org', children: [{ t: 'text', text: 'docs' }] }]);
  assert.deepEqual(parseInline('[x](javascript:alert(1))'), [{ t: 'text', text: 'x' }, { t: 'text', text: ')' }]);
  assert.equal(safeHref('JavaScript:alert(1)'), null);
  assert.equal(safeHref('data:text/html,x'), null);
  assert.equal(safeHref('//evil.example'), null);
  assert.equal(safeHref('#/models/m'), '#/models/m');
});

test('the default metric: the most common, score-like names first', () => {
  assert.equal(defaultMetric([run('p', {}, { best_auc: 1, auc: 1 }), run('a', {}, { auc: 1, n_rounds: 3 })]), 'auc');
  assert.equal(defaultMetric([run('a', {}, { n_rounds: 1, test_ROC_AUC: 1, test_PR_AUC: 1 })]), 'test_PR_AUC');
  assert.equal(defaultMetric([run('a', {}, {})]), '');
  // A metric with the same value in every run says nothing: one that differs comes first.
  assert.equal(defaultMetric([run('a', {}, { accuracy: 0.9, test_PR_AUC: 0.1 }), run('b', {}, { accuracy: 0.9, test_PR_AUC: 0.2 })]), 'test_PR_AUC');
  assert.equal(axisValueAt(makeAxis('metric', 'x', [0.13276, 0.13799]), 0), '0.13276');
});

test('samplerOf reads the parent\'s sampler and startup_trials; trialOrigin marks each trial', () => {
  const p = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value }));
  const origins = (params: Record<string, string>, n: number) => {
    const info = samplerOf(p(params));
    return Array.from({ length: n }, (_, i) => trialOrigin(info, i + 1));
  };
  // TPE: trials 1..N random, later ones its choices.
  assert.deepEqual(samplerOf(p({ sampler: 'tpe', startup_trials: '3', max_trials: '10' })), { sampler: 'tpe', startupTrials: 3 });
  assert.deepEqual(origins({ sampler: 'tpe', startup_trials: '3' }, 5), ['random', 'random', 'random', 'tpe', 'tpe']);
  assert.deepEqual(origins({ sampler: 'tpe', startup_trials: '0' }, 2), ['tpe', 'tpe']);
  assert.deepEqual(origins({ sampler: ' TPE ', startup_trials: '20' }, 3), ['random', 'random', 'random']);
  // Random and grid need no startup_trials.
  assert.deepEqual(origins({ sampler: 'random' }, 3), ['random', 'random', 'random']);
  assert.deepEqual(origins({ sampler: 'random', startup_trials: '1' }, 2), ['random', 'random']);
  assert.deepEqual(origins({ sampler: 'grid' }, 2), ['grid', 'grid']);
  // Nothing is marked when it cannot be told: older searches, TPE without (or with a bad)
  // startup_trials, an unknown sampler.
  assert.equal(samplerOf(p({ max_trials: '10' })), null);
  assert.equal(samplerOf(undefined), null);
  assert.equal(samplerOf(p({ sampler: 'cmaes', startup_trials: '3' })), null);
  assert.deepEqual(origins({ sampler: 'tpe' }, 2), [undefined, undefined]);
  assert.deepEqual(origins({ sampler: 'tpe', startup_trials: 'three' }, 2), [undefined, undefined]);
  assert.deepEqual(origins({ sampler: 'tpe', startup_trials: '-1' }, 2), [undefined, undefined]);
  assert.equal(trialOrigin(samplerOf(p({ sampler: 'tpe', startup_trials: '3' })), NaN), undefined);
  assert.equal(trialOrigin(null, 1), undefined);
});
