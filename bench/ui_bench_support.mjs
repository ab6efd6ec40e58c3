// What the web UI's benchmarks share (bench/ui_bench.mjs, bench/ui_compare_bench.mjs): their
// flags, an `orchard server` on 127.0.0.1 in a temporary folder, REST seeding with many requests
// in flight, and the medians they report.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
export const web = join(repo, 'web');
export const { chromium } = createRequire(join(web, 'package.json'))('playwright-core');

/** The value after flag `name` on the command line, else `fallback`. */
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
export const orchardBinary = () => resolve(arg('--orchard', join(repo, 'build/orchard')));
/** The UI build to serve: web/dist (or --ui-dir), or '' for the copy in the binary. */
export const uiFolder = () =>
  process.argv.includes('--builtin-ui') ? '' : resolve(arg('--ui-dir', join(web, 'dist')));

export const log = (...a) => console.log('#', ...a);
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

/**
 * Starts `orchard server` on a SQLite store in `folder`, port 0, serving `uiDir` ('' for the
 * built-in UI). Resolves to { port, stop } once the readiness line is printed; stop() ends it by
 * its PID (SIGTERM, then SIGKILL after 5 s).
 */
export async function startServer(orchard, folder, uiDir) {
  const args = ['server', '--backend-store-uri', `sqlite:///${folder}/bench.db`, '--artifacts-destination', join(folder, 'artifacts'),
    '--host', '127.0.0.1', '--port', '0'];
  if (uiDir) {
    if (!existsSync(join(uiDir, 'index.html'))) throw new Error(`${uiDir} holds no build: run (cd web && npm run build), or pass --builtin-ui`);
    args.push('--ui-dir', uiDir);
  }
  const env = { ...process.env };
  for (const k of ['MLFLOW_TRACKING_URI', 'ORCHARD_TRACKING_URI', 'MLFLOW_EXPERIMENT_ID', 'MLFLOW_EXPERIMENT_NAME', 'MLFLOW_RUN_ID']) delete env[k];
  const server = spawn(orchard, args, { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    if (server.exitCode !== null) return;
    const exited = new Promise((r) => server.once('exit', r));
    process.kill(server.pid, 'SIGTERM');
    const timer = setTimeout(() => { if (server.exitCode === null) process.kill(server.pid, 'SIGKILL'); }, 5000);
    await exited;
    clearTimeout(timer);
  };
  const port = await new Promise((done, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`no readiness line from orchard server: ${out}`)), 20_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) { clearTimeout(timer); done(Number(m[1])); }
    });
    server.stderr.on('data', (d) => { out += d; });
    server.on('exit', (code) => { clearTimeout(timer); fail(new Error(`orchard server exited (${code}): ${out.slice(-2000)}`)); });
  });
  return { port, stop };
}

/** A POST to MLflow's REST API on `port`, over kept-alive connections: resolves to the reply. */
export function restClient(port, concurrency) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  return (endpoint, body) => {
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise((done, fail) => {
      const req = http.request({
        host: '127.0.0.1', port, agent, method: 'POST', path: `/api/2.0/mlflow/${endpoint}`,
        headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) fail(new Error(`${endpoint}: ${res.statusCode} ${text.slice(0, 300)}`));
          else done(text ? JSON.parse(text) : {});
        });
      });
      req.on('error', fail);
      req.end(payload);
    });
  };
}

/** Runs task(i) for i in [0, count) with at most `width` in flight. */
export async function pool(count, width, task) {
  let next = 0;
  const worker = async () => { while (next < count) { const i = next++; await task(i); } };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

/** Prints `rows` ([measure, value, goal, met]) under a header naming the repeat count. */
export function printTable(repeat, rows) {
  const header = ['measure (median of ' + repeat + ')', 'value', 'goal', 'met'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
}

/**
 * Runs `main`, then `cleanup` whatever happened, and exits 0 or 1 (1 when main threw, its error
 * printed).
 */
export async function runBench(main, cleanup) {
  let failed = false;
  try {
    await main();
  } catch (e) {
    failed = true;
    console.error(e);
  } finally {
    await cleanup();
  }
  process.exit(failed ? 1 : 0);
}

/**
 * Debian's Chromium at 1280x800 with a fresh profile in `folder`, `observer` added to every page,
 * and one page loaded at `base` (so the bundle is in the HTTP cache, as for anyone who opened the
 * UI before). Resolves to { browser, page, errors } (errors: the page's uncaught errors).
 */
export async function openBrowser(folder, chromiumPath, observer, base) {
  const browser = await chromium.launchPersistentContext(join(folder, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  await browser.addInitScript(observer);
  const page = browser.pages()[0] ?? await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base);
  await page.waitForLoadState('load');
  return { browser, page, errors };
}
