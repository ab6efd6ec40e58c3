// Browser tests of the UI against a real tracking server, following the tutorial's steps.
//   node web/tests/ui.spec.mjs --orchard build/orchard [--screenshots DIR] [--keep]
// It seeds a store in a temporary folder (the loan search: a parent run and 10 trials, the best
// trial's model registered as loan_model, and a second version; later a run with a
// 20,000-point metric logged over REST), starts `orchard server`
// on port 0 with the UI built into the binary, under --static-prefix /mlflow, drives Debian's
// chromium with playwright-core, saves a screenshot of each page
// and exits 0 when every step passed, 1 otherwise.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { cliArg, startOrchardServer } from './server.mjs';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const repo = join(web, '..');
const arg = cliArg;
const orchard = resolve(arg('--orchard', join(repo, 'build/orchard')));
const tmp = mkdtempSync(join(tmpdir(), 'orchard-ui-'));
const shots = resolve(arg('--screenshots', join(tmp, 'screenshots')));
mkdirSync(shots, { recursive: true });

const env = { ...process.env, MLFLOW_TRACKING_URI: `sqlite:///${tmp}/o.db` };
delete env.ORCHARD_TRACKING_URI;
delete env.MLFLOW_EXPERIMENT_ID;
delete env.MLFLOW_EXPERIMENT_NAME;
delete env.MLFLOW_RUN_ID;

function run(args) {
  const r = spawnSync(orchard, args, { cwd: tmp, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`orchard ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

const ctx = { parent: '', best: '', worst: '', bestName: '', experimentId: '', base: '', server: null, browser: null, page: null, errors: [] };

// Polls a predicate in the page until it holds (Playwright's waitForFunction evaluates strings,
// which the page's Content-Security-Policy forbids).
async function waitUntil(predicate, argument, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await ctx.page.evaluate(predicate, argument)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${predicate}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

// The UI built into the binary, under --static-prefix so that every address the page uses is
// checked to be relative (`--ui-dir DIR` tests a build folder instead).
async function startServer() {
  const args = ['server', '--backend-store-uri', `sqlite:///${tmp}/o.db`, '--artifacts-destination', join(tmp, 'orchard-artifacts'),
    '--host', '127.0.0.1', '--port', '0', '--static-prefix', '/mlflow'];
  const uiDir = arg('--ui-dir', '');
  if (uiDir) args.push('--ui-dir', resolve(uiDir));
  const { server, port } = await startOrchardServer(orchard, args, { cwd: tmp, env });
  ctx.server = server;
  // A server that dies mid-suite says how, with the end of its log (the tests then fail on it).
  let log = '';
  server.stderr.on('data', (d) => { log = (log + d).slice(-16384); });
  server.on('exit', (code, signal) => {
    if (!ctx.stopping) console.log(`# orchard server exited early (code ${code}, signal ${signal}):\n${log.replace(/^/gm, '#   ')}`);
  });
  return `http://127.0.0.1:${port}/mlflow/`;
}

before(async () => {
  const t0 = Date.now();
  const out = run(['run', join(repo, 'examples/loan'), '-e', 'search_params', '--experiment-name', 'loan', '-P', 'model_type=rf']);
  ctx.parent = out.trim().split('\n').pop().trim();
  const best = run(['runs', 'best', '--parent', ctx.parent, '--metric', 'test_PR_AUC']).trim().split('\t');
  [ctx.best, ctx.bestName] = best;
  run(['models', 'register', `runs:/${ctx.best}/model`, '--name', 'loan_model']);
  // A second version (the weakest trial's model), moved to Production in the UI later on.
  ctx.worst = run(['runs', 'best', '--parent', ctx.parent, '--metric', 'test_PR_AUC', '--minimize']).trim().split('\t')[0];
  run(['models', 'register', `runs:/${ctx.worst}/model`, '--name', 'loan_model']);
  const got = JSON.parse(run(['--json', 'runs', 'get', '-r', ctx.best]));
  ctx.experimentId = got.run.info.experiment_id;
  console.log(`# seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s: parent ${ctx.parent}, best ${ctx.best} (${ctx.bestName})`);
  ctx.base = await startServer();
  // A fresh profile for each run (playwright takes it as launchPersistentContext's folder).
  ctx.browser = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
    executablePath: arg('--chromium', '/usr/bin/chromium'),
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  ctx.page = ctx.browser.pages()[0] ?? await ctx.browser.newPage();
  ctx.page.setDefaultTimeout(10_000);
  ctx.page.on('pageerror', (e) => ctx.errors.push(`page error: ${e.message}`));
  ctx.page.on('console', (m) => {
    // Failed requests (the filter test's 400) are checked by what the page shows.
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) ctx.errors.push(`console: ${m.text()}`);
  });
});

after(async () => {
  await ctx.browser?.close().catch(() => {});
  ctx.stopping = true;
  if (ctx.server && ctx.server.exitCode === null) {
    ctx.server.kill('SIGTERM');
    await new Promise((r) => { ctx.server.once('exit', r); setTimeout(r, 5000); });
  }
  console.log(`# screenshots in ${shots}`);
  if (!process.argv.includes('--keep')) {
    rmSync(join(tmp, 'chromium-profile'), { recursive: true, force: true });
    if (!shots.startsWith(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
});

const shot = (name) => ctx.page.screenshot({ path: join(shots, `${name}.png`) });
const go = async (hash) => {
  await ctx.page.goto(ctx.base + hash);
  await ctx.page.waitForLoadState('domcontentloaded');
};
const expId = () => ctx.experimentId;
const row = (i) => ctx.page.locator(`[role="grid"] [role="row"][aria-rowindex="${i}"]`);

test('the loan experiment opens from the side list', async () => {
  await go('');
  await ctx.page.getByRole('link', { name: 'loan', exact: true }).click();
  await ctx.page.waitForURL(new RegExp(`#/experiments/${expId()}$`));
  await ctx.page.locator('[role="grid"]').waitFor();
  assert.equal(await ctx.page.locator('h1').innerText(), 'loan');
});

test('the test_PR_AUC column is there and sorts descending on the server', async () => {
  const header = ctx.page.locator('[role="columnheader"][data-key="metrics.`test_PR_AUC`"]');
  assert.equal(await header.count(), 1);
  await header.getByRole('button').click();
  await ctx.page.waitForURL(/orderByKey=metrics\.%60test_PR_AUC%60&orderByAsc=false/);
  await ctx.page.locator('[role="columnheader"][aria-sort="descending"][data-key="metrics.`test_PR_AUC`"]').waitFor();
});

test('the parent expands to its 10 trials, best first', async () => {
  const parentRow = row(2);
  assert.equal(await parentRow.getAttribute('data-run-id'), ctx.parent);
  const expander = parentRow.getByRole('button', { name: /Expand .*\(10 child runs\)/ });
  await expander.click();
  await ctx.page.locator('[role="grid"]').locator('[role="row"][aria-rowindex="12"]').waitFor();
  assert.equal(await ctx.page.locator('[role="grid"]').getAttribute('aria-rowcount'), '12');
  // The children come from their own search, sorted as the table: the first is the best trial.
  await waitUntil((best) => document.querySelector('[role="row"][aria-rowindex="3"]')?.getAttribute('data-run-id') === best, ctx.best);
  const col = await ctx.page.locator('[role="columnheader"][data-key="metrics.`test_PR_AUC`"]').getAttribute('aria-colindex');
  const values = await ctx.page.locator(`[role="row"][data-row] [role="gridcell"][aria-colindex="${col}"]`).evaluateAll((cells) =>
    cells.slice(1).map((c) => Number(c.getAttribute('title'))));
  assert.equal(values.length, 10);
  for (let i = 1; i < values.length; i++) assert.ok(values[i - 1] >= values[i], `sorted descending: ${values}`);
  await shot('experiment-runs');
});

test('a filter for the trials puts the best trial in the first row', async () => {
  const box = ctx.page.getByRole('searchbox', { name: 'Search runs' });
  await box.fill(`tags.mlflow.parentRunId = '${ctx.parent}'`);
  await box.press('Enter');
  await ctx.page.waitForURL(/searchFilter=/);
  await waitUntil(() => document.querySelector('[role="grid"]')?.getAttribute('aria-rowcount') === '11');
  assert.equal(await row(2).getAttribute('data-run-id'), ctx.best);
});

test('a filter with a syntax error shows the server message inline', async () => {
  const box = ctx.page.getByRole('searchbox', { name: 'Search runs' });
  await box.fill('metrics.x >>> 1');
  await box.press('Enter');
  const alert = ctx.page.locator('.filter-error[role="alert"]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /invalid comparator '>>>'/);
  assert.equal(await box.getAttribute('aria-invalid'), 'true');
  await shot('filter-error');
});

test('back returns to the previous view', async () => {
  await ctx.page.goBack();
  await waitUntil(() => !location.hash.includes('%3E%3E%3E'));
  await ctx.page.locator('[role="grid"]').waitFor();
  assert.equal(await row(2).getAttribute('data-run-id'), ctx.best);
});

test('the best trial opens from the keyboard; its params and a metric chart show', async () => {
  await row(2).focus();
  await ctx.page.keyboard.press('Enter');
  await ctx.page.waitForURL(new RegExp(`#/experiments/${expId()}/runs/${ctx.best}$`));
  const params = ctx.page.locator('.params-table');
  await params.waitFor();
  assert.match(await params.innerText(), /max_depth/);
  assert.match(await ctx.page.locator('.metrics-table').innerText(), /test_PR_AUC/);
  assert.match(await ctx.page.locator('.details').innerText(), new RegExp(ctx.parent.slice(0, 8) + '|Parent run'));
  await shot('run-overview');
  await ctx.page.getByRole('tab', { name: 'Model metrics' }).click();
  await ctx.page.waitForURL(/\/model-metrics$/);
  await ctx.page.locator('figure[aria-label="Chart of test_PR_AUC"] canvas').waitFor();
  await shot('run-metrics');
});

test('the model folder shows its MLmodel: flavors, signature, load snippet', async () => {
  await ctx.page.getByRole('tab', { name: 'Artifacts' }).click();
  await ctx.page.getByRole('button', { name: 'model', exact: true }).click();
  await ctx.page.waitForURL(/\/artifactPath\/model$/);
  const panel = ctx.page.locator('section[aria-label="MLflow model"]');
  await panel.waitFor();
  const text = await panel.innerText();
  for (const flavor of ['orchard', 'python_function']) assert.match(text, new RegExp(flavor));
  assert.ok(text.includes(`mlflow.pyfunc.load_model("runs:/${ctx.best}/model")`), text.slice(0, 300));
  assert.match(text, /Inputs \(33\)/);
  await shot('run-artifacts-model');
  await ctx.page.getByRole('button', { name: 'feature_importance.csv', exact: true }).click();
  await ctx.page.locator('.artifact-preview table').waitFor();
  await ctx.page.getByRole('button', { name: 'feature_importance.png', exact: true }).click();
  await waitUntil(() => { const i = document.querySelector('.preview-image'); return i && i.complete && i.naturalWidth > 0; });
  await shot('run-artifacts-image');
});

test('the model folder registers as a new model through the dialog', async () => {
  await go(`#/experiments/${expId()}/runs/${ctx.best}/artifactPath/model`);
  await ctx.page.locator('section[aria-label="MLflow model"]').waitFor();
  await ctx.page.getByRole('button', { name: 'Register model' }).click();
  const dialog = ctx.page.getByRole('dialog', { name: 'Register model' });
  await dialog.waitFor();
  assert.ok((await dialog.innerText()).includes(`runs:/${ctx.best}/model`));
  // The existing model is offered; a new one is the default choice.
  await waitUntil(() => [...document.querySelectorAll('dialog option')].some((o) => o.textContent === 'loan_model'));
  const name = dialog.getByRole('textbox', { name: 'New model name' });
  // The server's refusal shows in the dialog.
  await name.fill('loan/model');
  await dialog.getByRole('button', { name: 'Register', exact: true }).click();
  await dialog.locator('.state-error[role="alert"]').waitFor();
  assert.match(await dialog.locator('.state-error').innerText(), /Invalid model name 'loan\/model'/);
  await name.fill('loan_model_ui');
  await dialog.getByRole('button', { name: 'Register', exact: true }).click();
  const result = dialog.locator('.dialog-result');
  await result.waitFor();
  assert.match(await result.innerText(), /Registered loan_model_ui version 1/);
  assert.match(await result.getByRole('link').getAttribute('href'), /#\/models\/loan_model_ui\/versions\/1$/);
  await shot('register-model');
  const versions = run(['models', 'versions', 'loan_model_ui']);
  assert.match(versions, new RegExp(`(^|\\s)1\\s[\\s\\S]*${ctx.best}`), versions);
  await result.getByRole('link').click();
  await ctx.page.waitForURL(/#\/models\/loan_model_ui\/versions\/1$/);
  await ctx.page.getByRole('heading', { name: 'Model loan_model_ui, version 1' }).waitFor();
  assert.equal(await ctx.page.locator('dialog[open]').count(), 0);
});

test('deep links open their views', async () => {
  await go(`#/experiments/${expId()}`);
  await ctx.page.locator('[role="grid"] [role="row"][aria-rowindex="2"]').waitFor();
  await go(`#/experiments/${expId()}/runs/${ctx.best}`);
  await ctx.page.locator('.params-table').waitFor();
  assert.match(await ctx.page.locator('.page-header h1').innerText(), new RegExp(ctx.bestName));
  await go(`#/experiments/${expId()}/runs/${ctx.best}/artifactPath/model`);
  await ctx.page.locator('section[aria-label="MLflow model"]').waitFor();
  await go(`#/experiments/${expId()}/runs/${ctx.best}/artifactPath/model/MLmodel`);
  await ctx.page.locator('pre.code').first().waitFor();
  assert.match(await ctx.page.locator('.artifact-preview').innerText(), /flavors:/);
  await go(`#/runs/${ctx.best}`);
  await ctx.page.waitForURL(new RegExp(`#/experiments/${expId()}/runs/${ctx.best}$`));
  await ctx.page.locator('.params-table').waitFor();
});

test('three trials compare: parallel coordinates and the diff table', async () => {
  await go(`#/experiments/${expId()}?searchFilter=${encodeURIComponent(`tags.mlflow.parentRunId = '${ctx.parent}'`)}`);
  await waitUntil(() => document.querySelector('[role="grid"]')?.getAttribute('aria-rowcount') === '11');
  const picked = [];
  for (const i of [2, 3, 4]) {
    picked.push(await row(i).getAttribute('data-run-id'));
    await row(i).locator('input[type="checkbox"]').check();
  }
  await ctx.page.getByRole('link', { name: 'Compare (3)' }).click();
  await ctx.page.waitForURL(/#\/compare-runs\?runs=/);
  const url = new URL(ctx.page.url().replace('#/', ''));
  assert.deepEqual(JSON.parse(url.searchParams.get('runs')), picked);
  const pc = ctx.page.locator('figure[aria-label="Parallel coordinates"] canvas');
  await pc.waitFor();
  await waitUntil(() => !!document.querySelector('figure[aria-label="Parallel coordinates"] canvas')?.dataset.drawn);
  assert.match(await pc.getAttribute('aria-label'), /Parallel coordinates of 3 runs over .*max_depth/);
  const table = ctx.page.locator('table.diff-table');
  await table.waitFor();
  assert.equal(await table.locator('thead th').count(), 4);
  assert.match(await table.innerText(), /max_depth[\s\S]*test_PR_AUC/);
  const all = await table.locator('tbody tr:not(.section-row)').count();
  await ctx.page.getByLabel('Show only differences').check();
  const diff = await table.locator('tbody tr:not(.section-row)').count();
  assert.ok(diff > 0 && diff < all, `${diff} differing rows of ${all}`);
  assert.doesNotMatch(await table.innerText(), /n_estimators/); // the same in every trial
  // Dragging along the last axis (the colour metric) keeps only the lines crossing that range.
  await pc.scrollIntoViewIfNeeded();
  const box = await pc.boundingBox();
  const x = box.x + box.width - 40;
  await ctx.page.mouse.move(x, box.y + 20);
  await ctx.page.mouse.down();
  await ctx.page.mouse.move(x, box.y + box.height / 2, { steps: 4 });
  await ctx.page.mouse.up();
  await ctx.page.getByText(/^[0-3] of 3 runs within the ranges dragged on 1 axis/).waitFor();
  // The best of the three has the top of the colour metric's axis, so it is kept.
  assert.match(await ctx.page.locator('.pc-wrap .plot-caption').first().innerText(), /^[1-3] of 3/);
  await ctx.page.locator('figure[aria-label="Metric history"] .uplot canvas').waitFor();
  await ctx.page.locator('figure[aria-label="Scatter"] canvas').waitFor();
  await shot('compare-runs');
});

test('the parent run of the search shows "Best so far"', async () => {
  await go(`#/experiments/${expId()}/runs/${ctx.parent}`);
  const view = ctx.page.locator('section[aria-label="Best so far"]');
  await view.getByRole('heading', { name: 'Best so far' }).waitFor();
  await view.locator('table.trials-table').waitFor();
  assert.equal(await view.locator('table.trials-table tbody tr').count(), 10);
  assert.match(await view.locator('.best-row').innerText(), new RegExp(ctx.best.slice(0, 8)));
  assert.match(await view.locator('.search-summary').innerText(), /Best test_PR_AUC: .* · 10 trials, maximizing · none pruned/);
  await view.locator('figure[aria-label="Best so far by trial"] .uplot canvas').waitFor();
  assert.ok(await view.locator('figure[aria-label^="Param max_depth"] canvas').count() === 1);
  // Random trials and TPE's choices are marked when the parent says how many trials were random
  // (params sampler and startup_trials); a search without them shows nothing extra.
  const params = await ctx.page.evaluate(async (id) => {
    const r = await fetch(`ajax-api/2.0/mlflow/runs/get?run_id=${id}`);
    return (await r.json()).run.data.params ?? [];
  }, ctx.parent);
  const param = (k) => params.find((p) => p.key === k)?.value;
  const startup = param('startup_trials');
  const header = view.locator('table.trials-table thead th', { hasText: 'Chosen by' });
  if (param('sampler') === 'tpe' && startup !== undefined) {
    const n = Number(startup);
    assert.equal(await header.count(), 1);
    const origins = await view.locator('table.trials-table tbody tr').evaluateAll((rows) =>
      rows.map((r) => [Number(r.cells[0].textContent), r.querySelector('td.origin')?.textContent ?? '']));
    for (const [trial, origin] of origins) assert.equal(origin, trial <= n ? 'random' : "TPE's choice", `trial ${trial}`);
    const legend = await view.locator('.origin-legend').innerText();
    assert.match(legend, new RegExp(`random \\(trials? 1(–${n})?\\)`));
    if (n < 10) assert.match(legend, new RegExp(`TPE's choice \\(trials? ${n + 1}`));
    assert.match(await view.locator('figure[aria-label^="Param max_depth"] > .plot-caption').innerText(), /open squares: random trials/);
    console.log(`# the trials are marked: 1..${n} random, the rest TPE's choices`);
  } else {
    assert.equal(await header.count(), 0);
    assert.equal(await view.locator('.origin-legend').count(), param('sampler') === 'random' || param('sampler') === 'grid' ? 1 : 0);
    console.log(`# the parent has no startup_trials param (sampler ${param('sampler')}): the trials are left unmarked`);
  }
  await shot('search-view');
});

test('models: version 1 to Production and alias champion, both badges in the list', async () => {
  await go('#/models');
  const modelRow = ctx.page.locator('tr[data-model="loan_model"]');
  await modelRow.waitFor();
  assert.match(await modelRow.innerText(), /Version 2/);
  await modelRow.getByRole('link', { name: 'loan_model', exact: true }).click();
  await ctx.page.waitForURL(/#\/models\/loan_model$/);
  await ctx.page.locator('table.versions-table tbody tr').nth(1).waitFor();
  assert.equal(await ctx.page.locator('table.versions-table tbody tr').count(), 2);
  await ctx.page.locator('tr[data-version="1"]').getByRole('link', { name: 'Version 1' }).click();
  await ctx.page.getByRole('heading', { name: 'Model loan_model, version 1' }).waitFor();
  await ctx.page.locator('section[aria-label="Signature"]').getByText('Inputs (33)').waitFor();
  await ctx.page.getByRole('combobox', { name: 'New stage' }).selectOption('Production');
  await ctx.page.getByRole('button', { name: 'Transition' }).click();
  await ctx.page.locator('.page-header .stage-production').waitFor();
  await ctx.page.getByRole('textbox', { name: 'Alias' }).fill('champion');
  await ctx.page.getByRole('button', { name: 'Set alias' }).click();
  await ctx.page.locator('.page-header .badge.alias', { hasText: '@champion' }).waitFor();
  assert.match(run(['models', 'get', 'loan_model']), /champion/);
  await shot('model-version');
  await go('#/models');
  await modelRow.waitFor();
  await modelRow.locator('.stage-production').waitFor();
  assert.match(await modelRow.innerText(), /Production\s*v1[\s\S]*@champion/);
  await shot('models');
});

test('version 2 to Production with "archive existing" archives version 1', async () => {
  await go('#/models/loan_model/versions/2');
  await ctx.page.getByRole('heading', { name: 'Model loan_model, version 2' }).waitFor();
  await ctx.page.getByRole('combobox', { name: 'New stage' }).selectOption('Production');
  await ctx.page.getByLabel(/Archive existing versions/).check();
  await ctx.page.getByRole('button', { name: 'Transition' }).click();
  await ctx.page.locator('.page-header .stage-production').waitFor();
  await ctx.page.getByRole('link', { name: 'loan_model', exact: true }).click();
  await ctx.page.waitForURL(/#\/models\/loan_model$/);
  await ctx.page.locator('tr[data-version="1"] .stage-archived').waitFor();
  await ctx.page.locator('tr[data-version="2"] .stage-production').waitFor();
  assert.match(await ctx.page.locator('tr[data-version="1"]').innerText(), /@champion/);
  // The description is Markdown, shown as text and never as HTML.
  await ctx.page.getByRole('button', { name: 'Edit model description' }).click();
  await ctx.page.getByRole('textbox', { name: 'model description' }).fill('The **loan** model <img src=x>\n\n- trained by `orchard tune`');
  await ctx.page.getByRole('button', { name: 'Save' }).click();
  await ctx.page.locator('.markdown strong', { hasText: 'loan' }).waitFor();
  assert.equal(await ctx.page.locator('.markdown img').count(), 0);
  assert.match(await ctx.page.locator('.markdown').innerText(), /<img src=x>/);
  await shot('model');
});

test('a model is deleted after a confirmation', async () => {
  await go('#/models/loan_model_ui');
  await ctx.page.getByRole('heading', { name: 'Model loan_model_ui' }).waitFor();
  // Declining keeps it; accepting deletes it.
  ctx.page.once('dialog', (d) => d.dismiss());
  await ctx.page.getByRole('button', { name: 'Delete model' }).click();
  await ctx.page.getByRole('heading', { name: 'Model loan_model_ui' }).waitFor();
  ctx.page.once('dialog', (d) => { assert.match(d.message(), /Delete the model "loan_model_ui"/); void d.accept(); });
  await ctx.page.getByRole('button', { name: 'Delete model' }).click();
  await ctx.page.waitForURL(/#\/models$/);
  await ctx.page.locator('tr[data-model="loan_model"]').waitFor();
  assert.equal(await ctx.page.locator('tr[data-model="loan_model_ui"]').count(), 0);
  assert.doesNotMatch(run(['models', 'list']), /loan_model_ui/);
});

test('the charts view beside the runs table is kept in the URL', async () => {
  await go(`#/experiments/${expId()}`);
  await ctx.page.locator('[role="grid"]').waitFor();
  await ctx.page.getByRole('navigation', { name: 'Runs view' }).getByRole('link', { name: 'Charts' }).click();
  await ctx.page.waitForURL(/compareRunsMode=CHART/);
  const across = ctx.page.locator('figure[aria-label="Metric across runs"]');
  await across.locator('canvas').waitFor();
  await waitUntil(() => !!document.querySelector('figure[aria-label="Metric across runs"] canvas')?.dataset.drawn);
  assert.match(await across.locator(':scope > .plot-caption').innerText(), /^11 runs with test_PR_AUC/);
  await ctx.page.locator('figure[aria-label="Top runs\' histories"] .uplot canvas').waitFor();
  await ctx.page.getByRole('combobox', { name: 'Chart metric' }).selectOption('test_ROC_AUC');
  await ctx.page.waitForURL(/chartMetric=test_ROC_AUC/);
  await waitUntil(() => /test_ROC_AUC across runs/.test(document.querySelector('figure[aria-label="Metric across runs"] figcaption')?.textContent ?? ''));
  await ctx.page.reload();
  await ctx.page.locator('figure[aria-label="Metric across runs"] canvas').waitFor();
  assert.equal(await ctx.page.getByRole('combobox', { name: 'Chart metric' }).inputValue(), 'test_ROC_AUC');
  await shot('experiment-charts');
});

async function rest(endpoint, body) {
  const r = await fetch(`${ctx.base}ajax-api/2.0/mlflow/${endpoint}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${endpoint}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

test('a running run refreshes its metrics and status in place', async () => {
  const created = await rest('runs/create', { experiment_id: expId(), run_name: 'live_run', start_time: Date.now() });
  const runId = created.run.info.run_id;
  await rest('runs/log-batch', { run_id: runId, params: [{ key: 'lr', value: '0.1' }], metrics: [{ key: 'loss', value: 1, timestamp: Date.now(), step: 0 }] });
  await go(`#/experiments/${expId()}/runs/${runId}`);
  await ctx.page.locator('.metrics-table').waitFor();
  assert.match(await ctx.page.locator('.page-header').innerText(), /RUNNING/);
  await ctx.page.locator('.page-header .live-badge').waitFor();
  // A mark on the page's DOM survives the refreshes: nothing is reloaded or re-mounted.
  await ctx.page.evaluate(() => { document.querySelector('.params-table').dataset.mark = 'kept'; });
  await rest('runs/log-batch', { run_id: runId, metrics: [{ key: 'loss', value: 0.5, timestamp: Date.now(), step: 1 }, { key: 'accuracy', value: 0.75, timestamp: Date.now(), step: 1 }] });
  await waitUntil(() => /accuracy/.test(document.querySelector('.metrics-table')?.textContent ?? ''));
  assert.match(await ctx.page.locator('.metrics-table').innerText(), /loss\s+0\.5\s+1/);
  await rest('runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
  await waitUntil(() => /FINISHED/.test(document.querySelector('.page-header')?.textContent ?? ''));
  assert.equal(await ctx.page.locator('.params-table').getAttribute('data-mark'), 'kept');
  assert.equal(await ctx.page.locator('.page-header .live-badge').count(), 0);
  await shot('run-live');
});

test('the runs table refreshes its running rows in place', async () => {
  const { experiment_id: experimentId } = await rest('experiments/create', { name: 'live_table' });
  const t0 = Date.now() - 3600e3;
  let live = '';
  for (let i = 0; i < 60; i++) {
    const created = await rest('runs/create', { experiment_id: experimentId, run_name: `run-${i}`, start_time: t0 + i * 1000 });
    const id = created.run.info.run_id;
    await rest('runs/log-batch', { run_id: id, params: [{ key: 'lr', value: String(i / 100) }], metrics: [{ key: 'loss', value: 1, timestamp: t0 + i * 1000, step: 0 }] });
    if (i === 30) live = id;
    else await rest('runs/update', { run_id: id, status: 'FINISHED', end_time: t0 + i * 1000 + 500 });
  }
  await go(`#/experiments/${experimentId}`);
  await waitUntil(() => document.querySelector('[role="grid"]')?.getAttribute('aria-rowcount') === '61');
  await ctx.page.locator('.runs-status .live-badge', { hasText: '1 running' }).waitFor();
  // Scroll the running run into the middle of the view, select it and a neighbour.
  const scrollTop = await ctx.page.evaluate(() => {
    const el = document.querySelector('.grid-scroll');
    el.scrollTop = 20 * 34;
    return el.scrollTop;
  });
  assert.ok(scrollTop > 0);
  const liveRow = ctx.page.locator(`[role="row"][data-run-id="${live}"]`);
  await liveRow.waitFor();
  await liveRow.locator('input[type="checkbox"]').check();
  const liveIndex = Number(await liveRow.getAttribute('data-row'));
  const other = ctx.page.locator(`[role="row"][data-row="${liveIndex + 1}"]`);
  await other.locator('input[type="checkbox"]').check();
  assert.match(await liveRow.innerText(), /RUNNING/);
  // A mark on the row's element survives: the row is updated, not re-mounted.
  await liveRow.evaluate((el) => { el.dataset.mark = 'kept'; });
  const lossCol = await ctx.page.locator('[role="columnheader"][data-key="metrics.`loss`"]').getAttribute('aria-colindex');
  const requests = [];
  const listen = (r) => { if (r.url().includes('/runs/')) requests.push(r.url()); };
  ctx.page.on('request', listen);
  try {
    await rest('runs/log-metric', { run_id: live, key: 'loss', value: 0.25, timestamp: Date.now(), step: 1 });
    await rest('runs/update', { run_id: live, status: 'FINISHED', end_time: Date.now() });
    await waitUntil(([id, col]) => {
      const r = document.querySelector(`[role="row"][data-run-id="${id}"]`);
      return /FINISHED/.test(r?.textContent ?? '') && r?.querySelector(`[aria-colindex="${col}"]`)?.getAttribute('title') === '0.25';
    }, [live, lossCol]);
  } finally {
    ctx.page.off('request', listen);
  }
  assert.ok(requests.some((u) => u.includes('runs/get')), requests.join('\n'));
  assert.ok(!requests.some((u) => u.includes('runs/search')), requests.join('\n'));
  assert.equal(await liveRow.getAttribute('data-mark'), 'kept');
  assert.ok(await liveRow.locator('input[type="checkbox"]').isChecked());
  assert.ok(await other.locator('input[type="checkbox"]').isChecked());
  assert.equal(await ctx.page.evaluate(() => document.querySelector('.grid-scroll').scrollTop), scrollTop);
  assert.match(await ctx.page.locator('.runs-status').innerText(), /60 runs loaded · 2 selected/);
  // Nothing runs any more: the badge goes and no further reads are made.
  await waitUntil(() => !document.querySelector('.runs-status .live-badge'));
  const after = [];
  const count = (r) => { if (r.url().includes('/runs/get')) after.push(r.url()); };
  ctx.page.on('request', count);
  await new Promise((done) => setTimeout(done, 3500));
  ctx.page.off('request', count);
  assert.deepEqual(after, []);
  await shot('experiment-live');
});

test('the dark theme renders', async () => {
  await ctx.page.emulateMedia({ colorScheme: 'dark' });
  await go(`#/experiments/${expId()}?orderByKey=metrics.%60test_PR_AUC%60&orderByAsc=false`);
  await ctx.page.locator('[role="grid"] [role="row"][aria-rowindex="2"]').waitFor();
  const bg = await ctx.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, 'rgb(255, 255, 255)');
  await shot('experiment-dark');
  await ctx.page.emulateMedia({ colorScheme: 'light' });
});

// A run with a 20,000-point metric, logged through the REST API as a client library would.
async function seedLongRun(points) {
  const rest = async (endpoint, body) => {
    const r = await fetch(`${ctx.base}ajax-api/2.0/mlflow/${endpoint}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${endpoint}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : {};
  };
  const { experiment_id: experimentId } = await rest('experiments/create', { name: 'long_history' });
  const created = await rest('runs/create', { experiment_id: experimentId, run_name: 'long_run', start_time: Date.now() });
  const runId = created.run.info.run_id;
  const t0 = Date.now() - points * 10;
  for (let start = 0; start < points; start += 1000) {
    const metrics = [];
    for (let step = start; step < Math.min(points, start + 1000); step++) {
      metrics.push({ key: 'loss', value: 1 / (1 + step / 100) + 0.01 * Math.sin(step / 7), timestamp: t0 + step * 10, step });
    }
    await rest('runs/log-batch', { run_id: runId, metrics });
  }
  return { experimentId, runId };
}

test('a 20,000-point history charts from the server-sampled endpoint and zooms in', async () => {
  const { experimentId, runId } = await seedLongRun(20_000);
  const requests = [];
  const listen = (r) => { if (r.url().includes('/metrics/get-history')) requests.push(r.url()); };
  ctx.page.on('request', listen);
  try {
    await go(`#/experiments/${experimentId}/runs/${runId}/model-metrics`);
    const chart = ctx.page.locator('figure[aria-label="Chart of loss"]');
    await chart.locator('.uplot canvas').waitFor();
    assert.ok(requests.length >= 1, 'a history request');
    for (const url of requests) assert.match(url, /metrics\/get-history-bulk-interval\?/, url);
    const first = new URL(requests[0]);
    assert.equal(first.searchParams.get('run_ids'), runId);
    assert.equal(first.searchParams.get('metric_key'), 'loss');
    assert.equal(first.searchParams.get('start_step'), null);
    assert.match(await chart.locator('figcaption').innerText(), /[\d,]+ sampled points, steps 0–19,999, last -?\d/);
    await shot('run-metrics-long');
    // Drag across the middle of the plot: the range is asked for again, at full detail.
    const over = await chart.locator('.u-over').boundingBox();
    const y = over.y + over.height / 2;
    await ctx.page.mouse.move(over.x + over.width * 0.4, y);
    await ctx.page.mouse.down();
    await ctx.page.mouse.move(over.x + over.width * 0.45, y, { steps: 5 });
    await ctx.page.mouse.up();
    await waitUntil(() => /zoomed: steps/.test(document.querySelector('figure[aria-label="Chart of loss"] figcaption')?.textContent ?? ''));
    const zoomed = requests.map((u) => new URL(u)).find((u) => u.searchParams.has('start_step'));
    assert.ok(zoomed, `a ranged request among ${requests}`);
    const [start, end] = [Number(zoomed.searchParams.get('start_step')), Number(zoomed.searchParams.get('end_step'))];
    assert.ok(start > 7000 && end < 10_000 && end - start > 500, `${start}..${end}`);
    const caption = await chart.locator('figcaption').innerText();
    const span = /zoomed: steps ([\d,]+)–([\d,]+)/.exec(caption);
    assert.ok(span, caption);
    await shot('run-metrics-zoomed');
    // Double-click returns to the whole history.
    await ctx.page.mouse.dblclick(over.x + over.width / 2, y);
    await waitUntil(() => !/zoomed/.test(document.querySelector('figure[aria-label="Chart of loss"] figcaption')?.textContent ?? ''));
    // The time axes chart the same sampled points.
    await ctx.page.getByRole('combobox', { name: 'X axis' }).selectOption('relative');
    await chart.locator('.uplot canvas').waitFor();
  } finally {
    ctx.page.off('request', listen);
  }
});

test('no script errors or policy violations', () => {
  assert.deepEqual(ctx.errors, []);
});
