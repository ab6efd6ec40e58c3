// Browser tests of the UI against `orchard server --app-name basic-auth`: the page says who is
// signed in and offers only what that user may do (MLflow's READ / EDIT / MANAGE), following
// grants as they are made.
//   node web/tests/auth.spec.mjs --orchard build/orchard [--screenshots DIR] [--keep]
// Two users in Debian's chromium (playwright-core, HTTP basic credentials): alice, who creates
// an experiment, a run and a registered model (and so manages them), and bob, who reads them
// with the default permission READ until alice grants him EDIT.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { cliArg, startOrchardServer } from './server.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');
const arg = cliArg;
const orchard = resolve(arg('--orchard', join(repo, 'build/orchard')));
const tmp = mkdtempSync(join(tmpdir(), 'orchard-ui-auth-'));
const shots = resolve(arg('--screenshots', join(tmp, 'screenshots')));
mkdirSync(shots, { recursive: true });

const kPasswords = { admin: 'admin-pw-0123', alice: 'alice-pw-0123', bob: 'bob-pw-0123' };
const ctx = { server: null, base: '', api: '', browser: null, pages: {}, errors: [], experimentId: '', runId: '' };

async function startServer() {
  writeFileSync(join(tmp, 'basic_auth.ini'), [
    '[mlflow]', 'default_permission = READ', `database_uri = sqlite:///${tmp}/basic_auth.db`,
    'admin_username = admin', `admin_password = ${kPasswords.admin}`, ''].join('\n'));
  const env = { ...process.env, MLFLOW_AUTH_CONFIG_PATH: join(tmp, 'basic_auth.ini') };
  for (const name of ['MLFLOW_TRACKING_URI', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD']) delete env[name];
  const { server, port } = await startOrchardServer(orchard, ['server', '--app-name', 'basic-auth',
    '--backend-store-uri', `sqlite:///${tmp}/o.db`, '--artifacts-destination', join(tmp, 'artifacts'),
    '--host', '127.0.0.1', '--port', '0'], { cwd: tmp, env });
  ctx.server = server;
  ctx.base = `http://127.0.0.1:${port}/`;
  ctx.api = `${ctx.base}api/2.0/mlflow/`;
}

// One REST call as `user`; the parsed answer, or an exception with the server's message.
async function call(user, method, endpoint, body) {
  const headers = { Authorization: 'Basic ' + Buffer.from(`${user}:${kPasswords[user]}`).toString('base64') };
  let url = ctx.api + endpoint;
  const init = { method, headers };
  if (method === 'GET') url += '?' + new URLSearchParams(body ?? {});
  else { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body ?? {}); }
  const response = await fetch(url, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${endpoint} as ${user}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function openAs(user) {
  const context = await ctx.browser.newContext({
    viewport: { width: 1280, height: 800 }, httpCredentials: { username: user, password: kPasswords[user] },
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => ctx.errors.push(`${user}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) ctx.errors.push(`${user}: console: ${m.text()}`);
  });
  ctx.pages[user] = page;
  return page;
}

before(async () => {
  await startServer();
  await call('admin', 'POST', 'users/create', { username: 'alice', password: kPasswords.alice });
  await call('admin', 'POST', 'users/create', { username: 'bob', password: kPasswords.bob });
  ctx.experimentId = (await call('alice', 'POST', 'experiments/create', { name: 'alice-exp' })).experiment_id;
  const run = await call('alice', 'POST', 'runs/create', { experiment_id: ctx.experimentId, run_name: 'first-run', start_time: Date.now() });
  ctx.runId = run.run.info.run_id;
  await call('alice', 'POST', 'runs/set-tag', { run_id: ctx.runId, key: 'team', value: 'risk' });
  await call('alice', 'POST', 'registered-models/create', { name: 'alice_model' });
  ctx.browser = await chromium.launch({
    executablePath: arg('--chromium', '/usr/bin/chromium'),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  await openAs('alice');
  await openAs('bob');
});

after(async () => {
  await ctx.browser?.close().catch(() => {});
  if (ctx.server && ctx.server.exitCode === null) {
    ctx.server.kill('SIGTERM');
    await new Promise((r) => { ctx.server.once('exit', r); setTimeout(r, 5000); });
  }
  console.log(`# screenshots in ${shots}`);
  if (!process.argv.includes('--keep') && !shots.startsWith(tmp)) rmSync(tmp, { recursive: true, force: true });
});

const go = async (user, hash) => {
  const page = ctx.pages[user];
  await page.goto(ctx.base + hash);
  await page.waitForLoadState('domcontentloaded');
  return page;
};
const shot = (user, name) => ctx.pages[user].screenshot({ path: join(shots, `auth-${name}.png`) });
// The side list shows an experiment's actions on hover, as a mouse user sees them.
const hoverExperiment = (page, name) => page.locator('.experiment-items li', { hasText: name }).hover();
const experimentHash = () => `#/experiments/${ctx.experimentId}`;
const runHash = () => `#/experiments/${ctx.experimentId}/runs/${ctx.runId}`;

test('the header names the signed-in user', async () => {
  for (const user of ['alice', 'bob']) {
    const page = await go(user, experimentHash());
    await page.locator('.signed-in').filter({ hasText: `Signed in as ${user}` }).waitFor();
  }
});

test('the owner of an experiment may rename and delete it; a reader sees neither', async () => {
  const alice = await go('alice', experimentHash());
  await hoverExperiment(alice, 'alice-exp');
  await alice.getByRole('button', { name: 'Rename alice-exp' }).waitFor();
  await alice.getByRole('button', { name: 'Delete alice-exp' }).waitFor();
  await shot('alice', 'experiment-owner');
  const bob = await go('bob', experimentHash());
  await hoverExperiment(bob, 'alice-exp');
  assert.equal(await bob.getByRole('button', { name: 'Rename alice-exp' }).count(), 0);
  assert.equal(await bob.getByRole('button', { name: 'Delete alice-exp' }).count(), 0);
  // Anyone signed in may create an experiment.
  await bob.getByRole('button', { name: 'Create experiment' }).waitFor();
  await shot('bob', 'experiment-reader');
});

test('a reader sees the run without its edit controls; the owner has them', async () => {
  const bob = await go('bob', runHash());
  await bob.getByRole('heading', { name: /first-run/ }).waitFor();
  await bob.getByRole('cell', { name: 'risk' }).waitFor();
  assert.equal(await bob.getByRole('button', { name: 'Edit run name' }).count(), 0);
  assert.equal(await bob.getByRole('button', { name: 'Edit description' }).count(), 0);
  assert.equal(await bob.getByRole('button', { name: 'Add tag' }).count(), 0);
  assert.equal(await bob.getByRole('button', { name: 'Delete tag team' }).count(), 0);
  await shot('bob', 'run-reader');
  const alice = await go('alice', runHash());
  await alice.getByRole('button', { name: 'Edit run name' }).waitFor();
  await alice.getByRole('button', { name: 'Add tag' }).waitFor();
  await alice.getByRole('button', { name: 'Delete tag team' }).waitFor();
});

test('a registered model offers delete and edits only to who may', async () => {
  const bob = await go('bob', '#/models/alice_model');
  await bob.getByRole('heading', { name: 'Model alice_model' }).waitFor();
  assert.equal(await bob.getByRole('button', { name: 'Delete model' }).count(), 0);
  assert.equal(await bob.getByRole('button', { name: 'Edit model description' }).count(), 0);
  await shot('bob', 'model-reader');
  const alice = await go('alice', '#/models/alice_model');
  await alice.getByRole('button', { name: 'Delete model' }).waitFor();
  await alice.getByRole('button', { name: 'Edit model description' }).waitFor();
});

test('a grant of EDIT shows the edit controls at the next page, still not delete', async () => {
  await call('alice', 'POST', 'experiments/permissions/create', { experiment_id: ctx.experimentId, username: 'bob', permission: 'EDIT' });
  const bob = await go('bob', runHash());
  await bob.getByRole('button', { name: 'Edit run name' }).waitFor();
  await bob.getByRole('button', { name: 'Add tag' }).waitFor();
  // And the change goes through.
  await bob.getByRole('textbox', { name: 'New tag key' }).fill('reviewed');
  await bob.getByRole('textbox', { name: 'New tag value' }).fill('yes');
  await bob.getByRole('button', { name: 'Add tag' }).click();
  await bob.getByRole('cell', { name: 'reviewed', exact: true }).waitFor();
  await shot('bob', 'run-editor');
  await go('bob', experimentHash());
  await hoverExperiment(bob, 'alice-exp');
  await bob.getByRole('button', { name: 'Rename alice-exp' }).waitFor();
  assert.equal(await bob.getByRole('button', { name: 'Delete alice-exp' }).count(), 0);
});

test('an experiment a reader creates is theirs to manage at once', async () => {
  const bob = await go('bob', experimentHash());
  await bob.getByRole('button', { name: 'Create experiment' }).click();
  await bob.getByRole('textbox', { name: 'New experiment name' }).fill('bob-exp');
  await bob.getByRole('button', { name: 'Create', exact: true }).click();
  await hoverExperiment(bob, 'bob-exp');
  await bob.getByRole('button', { name: 'Rename bob-exp' }).waitFor();
  await bob.getByRole('button', { name: 'Delete bob-exp' }).waitFor();
  await shot('bob', 'own-experiment');
});

test('no script errors or policy violations', () => {
  assert.deepEqual(ctx.errors, []);
});
