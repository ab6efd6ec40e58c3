// The web UI's benchmark: how fast the runs grid and a long metric chart appear in a real
// browser (Debian's chromium through playwright-core) against a real `orchard server`.
//
//   node bench/ui_bench.mjs --orchard build/orchard [--ui-dir web/dist | --builtin-ui]
//       [--runs 10000,100000] [--history 1000000] [--metrics-fraction 1] [--concurrency 32]
//       [--repeat 3] [--chromium /usr/bin/chromium] [--keep]
//
// It starts `orchard server` on 127.0.0.1 (port 0, a sqlite store in a temporary folder) serving
// the UI from web/dist (the build under work; --builtin-ui for the copy in the binary), seeds it
// through the REST API with many requests in flight (an experiment of each --runs size, each run
// created with a name and given 2 metrics and 2 params in one log-batch; one run with a
// --history-point metric in log-batch requests of 1000 points), then measures, --repeat times
// each, median reported:
//   (a) a page load of #/experiments/<id> until the grid's first run row is drawn,
//   (b) then scrolling the grid to the middle of its loaded rows until the rows there are drawn,
//       and on to the end until the next page of runs (loaded as the end nears) is drawn,
//   (c) a page load of the run's metrics view until the long metric's chart is drawn,
// and (d) the gzipped size of the bundle (web/dist). Times are the page's own clock
// (performance.now(), from navigation start to the frame after the element appeared), recorded by
// an observer that the browser adds to the page (no eval: the UI's Content-Security-Policy holds).
// Only 127.0.0.1 is contacted. The server is stopped by its PID and the folder removed at the end.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, log, median, orchardBinary, pool, restClient, seconds, startServer, uiFolder, printTable, runBench, openBrowser, web } from './ui_bench_support.mjs';

const orchard = orchardBinary();
const uiDir = uiFolder();
const runCounts = arg('--runs', '10000,100000').split(',').map(Number).filter((n) => n > 0);
const historyPoints = Number(arg('--history', '1000000'));
const metricsFraction = Number(arg('--metrics-fraction', '1'));
const concurrency = Number(arg('--concurrency', '32'));
const repeat = Number(arg('--repeat', '3'));
const chromiumPath = arg('--chromium', '/usr/bin/chromium');
const keep = process.argv.includes('--keep');

const goals = { grid100k: 1000, chart: 500, bundleKiB: 300 };
const tmp = mkdtempSync(join(tmpdir(), 'orchard-ui-bench-'));
let browser = null;
let server = null;  // { port, stop }


// ---- REST seeding, with many requests in flight over kept-alive connections ----

let rest = null;  // restClient(port), once the server is up

async function seedExperiment(name, runs) {
  const t0 = performance.now();
  const { experiment_id: id } = await rest('experiments/create', { name });
  const start = Date.now() - runs * 1000;
  const every = metricsFraction >= 1 ? 1 : Math.max(1, Math.round(1 / metricsFraction));
  let logged = 0;
  await pool(runs, concurrency, async (i) => {
    const created = await rest('runs/create', { experiment_id: id, run_name: `run-${i}`, start_time: start + i * 1000 });
    if (i % every !== 0) return;
    const runId = created.run.info.run_id;
    const t = start + i * 1000 + 500;
    await rest('runs/log-batch', {
      run_id: runId,
      metrics: [{ key: 'loss', value: 1 / (1 + i), timestamp: t, step: 0 }, { key: 'accuracy', value: (i % 997) / 997, timestamp: t, step: 0 }],
      params: [{ key: 'lr', value: String(0.001 * (1 + (i % 10))) }, { key: 'depth', value: String(2 + (i % 8)) }],
    });
    logged++;
  });
  const ms = performance.now() - t0;
  log(`seeded ${name}: ${runs.toLocaleString('en-US')} runs (${logged.toLocaleString('en-US')} with 2 metrics and 2 params) in ${seconds(ms)}`
    + ` (${Math.round((runs + logged) / (ms / 1000))} requests/s)`);
  return { id, ms };
}

async function seedLongHistory(points) {
  const t0 = performance.now();
  const { experiment_id: id } = await rest('experiments/create', { name: 'long_history' });
  const created = await rest('runs/create', { experiment_id: id, run_name: 'long_run', start_time: Date.now() - points });
  const runId = created.run.info.run_id;
  const tStart = Date.now() - points;
  const batches = Math.ceil(points / 1000);
  // One run's writes queue on the store anyway; a few in flight keep the server busy.
  await pool(batches, Math.min(8, concurrency), async (b) => {
    const metrics = [];
    for (let step = b * 1000; step < Math.min(points, (b + 1) * 1000); step++) {
      metrics.push({ key: 'loss', value: 1 / (1 + step / 1000) + 0.01 * Math.sin(step / 50), timestamp: tStart + step, step });
    }
    await rest('runs/log-batch', { run_id: runId, metrics });
  });
  const ms = performance.now() - t0;
  log(`seeded a run with a ${points.toLocaleString('en-US')}-point metric (${batches} log-batch requests) in ${seconds(ms)}`);
  return { experimentId: id, runId, ms };
}

// ---- the browser ----

// Added to every page before its own scripts: records, on the page's clock, the frame after the
// first grid row and the first chart canvas appeared, and the frame after the rows at a wanted
// grid index appeared (window.__bench.wantRow, set by the benchmark before it scrolls).
function observer() {
  const marks = { rows: 0, chart: 0, scrolled: 0, wantRow: 0 };
  window.__bench = marks;
  const check = () => {
    if (!marks.rows && document.querySelector('[role="grid"] [role="row"][aria-rowindex="2"]')) {
      marks.rows = -1;
      requestAnimationFrame(() => { marks.rows = performance.now(); });
    }
    if (!marks.chart && document.querySelector('.chart-card .uplot canvas')) {
      marks.chart = -1;
      requestAnimationFrame(() => { marks.chart = performance.now(); });
    }
    if (marks.wantRow && !marks.scrolled && document.querySelector(`[role="grid"] [role="row"][aria-rowindex="${marks.wantRow}"]`)) {
      marks.scrolled = -1;
      requestAnimationFrame(() => { marks.scrolled = performance.now(); });
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
}

async function poll(page, read, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await page.evaluate(read);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${read}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const experimentRuns = new Map();

async function measureGrid(page, base, experimentId) {
  await page.goto('about:blank');
  await page.goto(`${base}#/experiments/${experimentId}`);
  const rows = await poll(page, () => window.__bench.rows > 0 && window.__bench.rows);
  // Scroll to the middle of what the grid holds, and wait for the rows there.
  const target = await page.evaluate(() => {
    const el = document.querySelector('.grid-scroll');
    const count = Number(document.querySelector('[role="grid"]').getAttribute('aria-rowcount'));
    const rowHeight = el.scrollHeight / count;
    const middle = Math.floor(count / 2);
    window.__bench.wantRow = middle;
    window.__bench.scrollAt = performance.now();
    el.scrollTop = middle * rowHeight - el.clientHeight / 2;
    return { middle, count };
  });
  const scrolledAt = await poll(page, () => window.__bench.scrolled > 0 && window.__bench.scrolled);
  const scrollAt = await page.evaluate(() => window.__bench.scrollAt);
  // Then to the end, until the next page of runs (asked for near the end) is drawn.
  let nextPage = NaN;
  if (target.count - 1 < experimentRuns.get(experimentId)) {
    await page.evaluate((want) => {
      const el = document.querySelector('.grid-scroll');
      window.__bench.scrolled = 0;
      window.__bench.wantRow = want;
      window.__bench.scrollAt = performance.now();
      el.scrollTop = el.scrollHeight;
    }, target.count + 1);
    const endAt = await poll(page, () => window.__bench.scrolled > 0 && window.__bench.scrolled);
    nextPage = endAt - (await page.evaluate(() => window.__bench.scrollAt));
  }
  return { rows, scroll: scrolledAt - scrollAt, nextPage, middle: target.middle, loaded: target.count - 1 };
}

async function measureChart(page, base, long) {
  await page.goto('about:blank');
  const answered = page.waitForResponse((r) => r.url().includes('metrics/get-history-bulk-interval'), { timeout: 60_000 });
  await page.goto(`${base}#/experiments/${long.experimentId}/runs/${long.runId}/model-metrics`);
  const response = await answered;
  const chart = await poll(page, () => window.__bench.chart > 0 && window.__bench.chart);
  const timing = response.request().timing();
  const body = await response.body();
  const caption = await page.locator('.chart-card figcaption').first().innerText();
  return { chart, request: timing.responseEnd > 0 ? timing.responseEnd - timing.requestStart : NaN, bytes: body.length, caption };
}

function bundleSize() {
  const dist = uiDir || join(web, 'dist');
  const files = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.gz')) files.push([p.slice(dist.length + 1), statSync(p).size]);
    }
  };
  if (existsSync(dist)) walk(dist);
  return { files, total: files.reduce((s, [, n]) => s + n, 0) };
}

// ---- main ----

async function main() {
  server = await startServer(orchard, tmp, uiDir);
  rest = restClient(server.port, concurrency);
  const base = `http://127.0.0.1:${server.port}/`;
  log(`orchard server on ${base}, UI ${uiDir ? 'from ' + uiDir : 'built into the binary'}, store in ${tmp}`);

  const experiments = [];
  for (const n of runCounts) experiments.push({ runs: n, ...(await seedExperiment(`bench_${n}_runs`, n)) });
  for (const e of experiments) experimentRuns.set(e.id, e.runs);
  const long = historyPoints > 0 ? await seedLongHistory(historyPoints) : null;

  const opened = await openBrowser(tmp, chromiumPath, observer, base);
  browser = opened.browser;
  const { page, errors } = opened;

  const results = [];
  for (const e of experiments) {
    const tries = [];
    for (let i = 0; i < repeat; i++) tries.push(await measureGrid(page, base, e.id));
    results.push({ e, rows: median(tries.map((t) => t.rows)), scroll: median(tries.map((t) => t.scroll)), nextPage: median(tries.map((t) => t.nextPage)), loaded: tries[0].loaded });
    log(`${e.runs} runs: first rows ${tries.map((t) => t.rows.toFixed(0)).join(', ')} ms; middle (row ${tries[0].middle} of the ${tries[0].loaded} loaded) `
      + `${tries.map((t) => t.scroll.toFixed(0)).join(', ')} ms; next page at the end ${tries.map((t) => t.nextPage.toFixed(0)).join(', ')} ms`);
  }
  let chart = null;
  if (long) {
    const tries = [];
    for (let i = 0; i < repeat; i++) tries.push(await measureChart(page, base, long));
    chart = { value: median(tries.map((t) => t.chart)), request: median(tries.map((t) => t.request)), bytes: tries[0].bytes, caption: tries[0].caption };
    log(`chart of ${historyPoints} points: ${tries.map((t) => t.chart.toFixed(0)).join(', ')} ms (data request ${tries.map((t) => t.request.toFixed(0)).join(', ')} ms, ${(tries[0].bytes / 1024).toFixed(0)} KiB); caption: ${tries[0].caption.replace(/\s+/g, ' ')}`);
  }
  const bundle = bundleSize();
  if (errors.length) log(`page errors: ${errors.join('; ')}`);

  const rowsOut = [];
  const ok = (v, goal) => (goal === undefined ? '' : v < goal ? 'yes' : 'NO');
  for (const r of results) {
    rowsOut.push([`(a) ${r.e.runs.toLocaleString('en-US')} runs: page load to first grid rows`, `${r.rows.toFixed(0)} ms`, r.e.runs >= 100_000 ? '< 1000 ms' : '', r.e.runs >= 100_000 ? ok(r.rows, goals.grid100k) : '']);
    rowsOut.push([`(b) ${r.e.runs.toLocaleString('en-US')} runs: scroll to the middle (of ${r.loaded} loaded) to rows drawn`, `${r.scroll.toFixed(0)} ms`, '', '']);
    if (Number.isFinite(r.nextPage)) rowsOut.push([`    then scroll to the end to the next ${r.loaded} runs drawn`, `${r.nextPage.toFixed(0)} ms`, '', '']);
  }
  if (chart) {
    rowsOut.push([`(c) ${historyPoints.toLocaleString('en-US')}-point metric: page load to chart drawn`, `${chart.value.toFixed(0)} ms`, '< 500 ms', ok(chart.value, goals.chart)]);
    rowsOut.push(['    of which the sampled history request', `${chart.request.toFixed(0)} ms`, '', '']);
  }
  log(`bundle, gzipped: ${bundle.files.map(([f, n]) => `${f} ${(n / 1024).toFixed(1)} kB`).join(', ')}`);
  rowsOut.push(['(d) bundle, gzipped (web/dist/**/*.gz)', `${(bundle.total / 1024).toFixed(1)} kB`, '< 300 kB', ok(bundle.total / 1024, goals.bundleKiB)]);
  for (const e of experiments) rowsOut.push([`seeding ${e.runs.toLocaleString('en-US')} runs (concurrency ${concurrency})`, seconds(e.ms), '', '']);
  if (long) rowsOut.push([`seeding the ${historyPoints.toLocaleString('en-US')}-point metric`, seconds(long.ms), '', '']);

  printTable(repeat, rowsOut);
}

await runBench(main, async () => {
  await browser?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (!keep) rmSync(tmp, { recursive: true, force: true });
  else log(`kept ${tmp}`);
});
