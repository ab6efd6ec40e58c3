// The comparison views' benchmark: how fast the compare-runs page and the experiment charts view
// draw in a real browser (Debian's chromium through playwright-core) against a real
// `orchard server`.
//
//   node bench/ui_compare_bench.mjs --orchard build/orchard [--ui-dir web/dist | --builtin-ui]
//       [--compare 100] [--params 20] [--pc 1000] [--charts 10000] [--concurrency 32]
//       [--repeat 3] [--timeout 60000] [--chromium /usr/bin/chromium] [--keep]
//
// It starts `orchard server` on 127.0.0.1 (port 0, a sqlite store in a temporary folder) serving
// the UI from web/dist, seeds it through the REST API with many requests in flight (one
// experiment of --pc runs with --params params, 2 metrics and a 20-step history of `loss` each;
// one of --charts runs with 2 metrics and 2 params each), then measures, --repeat times each,
// median reported, on the page's own clock (performance.now(), from navigation start to the
// frame after the element appeared; no eval, the UI's Content-Security-Policy holds):
//   (a) #/compare-runs of --compare runs until the parallel coordinates canvas is drawn and the
//       params and metrics table is there (the time to draw the comparison),
//   (b) #/compare-runs of --pc runs until the parallel coordinates canvas is drawn,
//   (c) the charts view of the --charts experiment until the metric-across-runs scatter is drawn
//       (after the first page of runs), and until every run is loaded and drawn (sampled).
// Only 127.0.0.1 is contacted. The server is stopped by its PID and the folder removed at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, log, median, orchardBinary, pool, restClient, seconds, startServer, uiFolder, printTable, runBench, openBrowser } from './ui_bench_support.mjs';

const orchard = orchardBinary();
const uiDir = uiFolder();
const compareRuns = Number(arg('--compare', '100'));
const paramCount = Number(arg('--params', '20'));
const pcRuns = Math.max(compareRuns, Number(arg('--pc', '1000')));
const chartRuns = Number(arg('--charts', '10000'));
const concurrency = Number(arg('--concurrency', '32'));
const repeat = Number(arg('--repeat', '3'));
const chromiumPath = arg('--chromium', '/usr/bin/chromium');
const keep = process.argv.includes('--keep');
const pollTimeout = Number(arg('--timeout', '60000'));

const goalMs = 1000;
const tmp = mkdtempSync(join(tmpdir(), 'orchard-ui-compare-bench-'));
let browser = null;
let server = null;  // { port, stop }

// ---- REST seeding ----

let rest = null;  // restClient(port), once the server is up

/** An experiment of `runs` runs, each with `params` params, 2 metrics and `history` steps of loss. */
async function seedExperiment(name, runs, params, history) {
  const t0 = performance.now();
  const { experiment_id: id } = await rest('experiments/create', { name });
  const start = Date.now() - runs * 1000;
  const ids = new Array(runs);
  const choices = ['gini', 'entropy', 'log_loss'];
  await pool(runs, concurrency, async (i) => {
    const created = await rest('runs/create', { experiment_id: id, run_name: `run-${i}`, start_time: start + i * 1000 });
    const runId = created.run.info.run_id;
    ids[i] = runId;
    const t = start + i * 1000 + 500;
    const metrics = [{ key: 'accuracy', value: ((i * 7919) % 997) / 997, timestamp: t, step: 0 }];
    for (let s = 0; s < Math.max(1, history); s++) metrics.push({ key: 'loss', value: 1 / (1 + s + (i % 13)), timestamp: t + s, step: s });
    const p = [];
    for (let k = 0; k < params; k++) {
      p.push({ key: `param_${String(k).padStart(2, '0')}`, value: k % 5 === 4 ? choices[(i + k) % 3] : String(((i * (k + 3)) % 101) / (k % 2 ? 10 : 1)) });
    }
    await rest('runs/log-batch', { run_id: runId, metrics, params: p });
  });
  const ms = performance.now() - t0;
  log(`seeded ${name}: ${runs.toLocaleString('en-US')} runs with ${params} params, 2 metrics (${history} steps of loss) in ${seconds(ms)}`);
  return { id, ids, ms };
}

// ---- the browser ----

// Added to every page before its own scripts: records, on the page's clock, the frame after the
// elements the benchmark waits for appeared (a canvas counts once it has been drawn: data-drawn).
function observer() {
  const marks = { compare: 0, pc: 0, charts: 0, chartsAll: 0 };
  window.__bench = marks;
  const at = (name) => { marks[name] = -1; requestAnimationFrame(() => { marks[name] = performance.now(); }); };
  const check = () => {
    const pc = document.querySelector('figure[aria-label="Parallel coordinates"] canvas[data-drawn]');
    if (!marks.pc && pc) at('pc');
    if (!marks.compare && pc && document.querySelector('table.diff-table tbody tr')) at('compare');
    const scatter = document.querySelector('figure[aria-label="Metric across runs"] canvas[data-drawn]');
    if (!marks.charts && scatter) at('charts');
    const caption = document.querySelector('figure[aria-label="Metric across runs"] > .plot-caption');
    if (!marks.chartsAll && scatter && caption && !/loading more/.test(caption.textContent)) {
      // The last page's draw: wait for the canvas to be drawn after the caption settled.
      const drawn = scatter.dataset.drawn;
      marks.chartsAll = -1;
      requestAnimationFrame(() => requestAnimationFrame(() => { marks.chartsAll = performance.now(); marks.chartsDrawnAt = drawn; }));
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-drawn'], characterData: true });
}

async function poll(page, read, mark, timeout = pollTimeout) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await page.evaluate(read, mark);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the ${mark} mark`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const compareHash = (ids, experimentId) => '#/compare-runs?' + new URLSearchParams({ runs: JSON.stringify(ids), experiments: JSON.stringify([experimentId]) }).toString();

async function measure(page, url, mark) {
  await page.goto('about:blank');
  await page.goto(url);
  try {
    return await poll(page, (m) => window.__bench[m] > 0 && window.__bench[m], mark);
  } catch (e) {
    const shot = join(tmp, `timeout-${mark}.png`);
    await page.screenshot({ path: shot }).catch(() => {});
    throw new Error(`${e.message} (a screenshot is in ${shot}; pass --keep to keep it)`);
  }
}

async function main() {
  server = await startServer(orchard, tmp, uiDir);
  rest = restClient(server.port, concurrency);
  const base = `http://127.0.0.1:${server.port}/`;
  log(`orchard server on ${base}, UI ${uiDir ? 'from ' + uiDir : 'built into the binary'}, store in ${tmp}`);
  const pcExp = await seedExperiment(`compare_${pcRuns}_runs`, pcRuns, paramCount, 20);
  const chartExp = chartRuns > 0 ? await seedExperiment(`charts_${chartRuns}_runs`, chartRuns, 2, 1) : null;

  const opened = await openBrowser(tmp, chromiumPath, observer, base);
  browser = opened.browser;
  const { page, errors } = opened;

  const rows = [];
  const record = (label, tries) => {
    const m = median(tries);
    log(`${label}: ${tries.map((t) => t.toFixed(0)).join(', ')} ms`);
    rows.push([label, `${m.toFixed(0)} ms`, `< ${goalMs} ms`, m < goalMs ? 'yes' : 'NO']);
  };
  const tries = async (fn) => { const out = []; for (let i = 0; i < repeat; i++) out.push(await fn()); return out; };

  const hundred = pcExp.ids.slice(0, compareRuns);
  record(`(a) compare ${compareRuns} runs x ${paramCount} params: to parallel coordinates and table drawn`,
    await tries(() => measure(page, base + compareHash(hundred, pcExp.id), 'compare')));
  record(`(b) parallel coordinates over ${pcRuns.toLocaleString('en-US')} runs: to canvas drawn`,
    await tries(() => measure(page, base + compareHash(pcExp.ids, pcExp.id), 'pc')));
  if (chartExp) {
    const url = `${base}#/experiments/${chartExp.id}?compareRunsMode=CHART&chartMetric=accuracy`;
    record(`(c) charts view, ${chartRuns.toLocaleString('en-US')} runs: to the scatter drawn (first page of runs)`,
      await tries(() => measure(page, url, 'charts')));
    const all = await tries(() => measure(page, url, 'chartsAll'));
    log(`(c') ${chartRuns.toLocaleString('en-US')} runs all loaded and drawn (sampled to 2,000): ${all.map((t) => t.toFixed(0)).join(', ')} ms`);
    rows.push([`    then every run loaded, ${Math.min(2000, chartRuns).toLocaleString('en-US')} drawn`, `${median(all).toFixed(0)} ms`, '', '']);
    rows.push([`seeding ${chartRuns.toLocaleString('en-US')} runs (concurrency ${concurrency})`, seconds(chartExp.ms), '', '']);
  }
  rows.push([`seeding ${pcRuns.toLocaleString('en-US')} runs with ${paramCount} params`, seconds(pcExp.ms), '', '']);
  if (errors.length) log(`page errors: ${errors.join('; ')}`);

  printTable(repeat, rows);
}

await runBench(main, async () => {
  await browser?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (!keep) rmSync(tmp, { recursive: true, force: true });
  else log(`kept ${tmp}`);
});
