// Console benchmark in real headless Chromium against a real kiln-server on loopback.
// Not a test (no *.test.mjs name, so `node --test tests/e2e/` skips it): it prints figures,
// each with a baseline measured in the same run, and asserts nothing about time.
//
//   trunk build --release && cargo build -p kiln-server
//   node tests/e2e/bench.mjs                 # 10,000 builds; BENCH_BUILDS=2000 for a quicker run
//
// KILN_SERVER_BIN / KILN_UI_DIR / KILN_CHROMIUM as for the E2E tests (helpers.mjs).
//
// Measured:
//   1. Cold page load: /config.json (baseline: navigation floor) vs the console shell
//      (banner rendered, then the service marked healthy), each in a fresh browser context.
//   2. The team builds page with N builds in the store: first row rendered and the first
//      page (500) listed, vs the same baseline.
//   3. Scrolling to the bottom of N rows, one viewport per step, waiting two animation frames
//      per step: the console's windowed list (first pass loads pages of 500 as it goes;
//      second pass has every row loaded) vs a plain static HTML list of N rows of the same
//      height in the same browser (no framework, every row in the DOM).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startServer } from './helpers.mjs';
import { NOOP_CHAIN, WAIT, freshPage, ms, sample, seedTo, table, timeConfigJson } from './bench_helpers.mjs';

const BUILDS = Number(process.env.BENCH_BUILDS ?? 10_000);
const LOAD_RUNS = 7;
const SCROLL_BUDGET_MS = 180_000;

// ---- the browser ----------------------------------------------------------------------

/** Times from navigation to the banner, to the healthy mark, and to the builds list. */
async function timeConsole(browser, base, marks) {
  const [page, close] = await freshPage(browser);
  const t = performance.now();
  await page.goto(`${base}/`, { waitUntil: 'commit' });
  await page.getByRole('banner').waitFor(WAIT);
  marks.banner.push(performance.now() - t);
  await page.locator('[data-health="ok"]').waitFor(WAIT);
  marks.healthy.push(performance.now() - t);
  await page.locator('.builds-count').filter({ hasNotText: 'Loading' }).waitFor(WAIT);
  if (BUILDS > 0 && marks.firstRow) {
    await page.locator('.build-row[data-run-id]').first().waitFor(WAIT);
    marks.firstRow.push(performance.now() - t);
  }
  marks.listed.push(performance.now() - t);
  await close();
  return performance.now() - t;
}

/**
 * In the page: scrolls `selector` to its bottom one viewport per step, two animation frames
 * per step; `until` (a predicate source) must hold at the bottom, else it waits for more
 * rows to load. Returns per-step times and totals.
 */
function scrollInPage({ selector, budgetMs, expectRows }) {
  const el = document.querySelector(selector);
  if (!el) throw new Error(`no ${selector}`);
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const rowsLoaded = () => {
    const words = document.querySelector('.builds-count')?.textContent ?? '';
    const m = words.match(/^(\d+) builds?/);
    return m ? Number(m[1]) : expectRows;
  };
  return (async () => {
    el.scrollTop = 0;
    await frame();
    await frame();
    const steps = [];
    let waits = 0;
    const start = performance.now();
    while (performance.now() - start < budgetMs) {
      const before = el.scrollTop;
      const t = performance.now();
      el.scrollTop = before + el.clientHeight;
      await frame();
      await frame();
      const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
      if (el.scrollTop > before) steps.push(performance.now() - t);
      if (atBottom) {
        if (rowsLoaded() >= expectRows) break;
        waits += 1; // the next page is loading
      }
    }
    return { steps, waits, totalMs: performance.now() - start, loaded: rowsLoaded(), scrollHeight: el.scrollHeight };
  })();
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-'));
  const pipeline = join(dir, 'pipeline.toml');
  writeFileSync(pipeline, NOOP_CHAIN.join('\n'));
  const server = await startServer({ pipeline, label: 'bench' });
  const browser = await launchBrowser();
  try {
    const base = server.url;
    console.log(`# Kiln console benchmark (headless Chromium ${browser.version()}, server ${base})`);

    // 1. The shell on an empty store.
    const empty = { banner: [], healthy: [], listed: [] };
    const configEmpty = await sample(LOAD_RUNS, () => timeConfigJson(browser, base));
    await sample(LOAD_RUNS, () => timeConsole(browser, base, empty));
    // The warm-up run's marks are in the arrays too: drop them.
    for (const k of Object.keys(empty)) empty[k].shift();
    table('Cold load, empty store (fresh browser context per run; baseline: GET /config.json)', [
      { name: 'navigate to /config.json, load event (baseline)', times: configEmpty },
      { name: 'console shell: banner rendered', times: empty.banner },
      { name: 'console shell: service marked healthy', times: empty.healthy },
      { name: 'team builds page: "no builds yet" listed', times: empty.listed },
    ]);

    // 2. The team builds page with BUILDS builds.
    const seeded = await seedTo(base, 'p/4', BUILDS);
    console.log(`\nSeeded ${seeded.total} builds in ${seeded.seconds.toFixed(1)} s (4 concurrent no-op submissions).`);
    const full = { banner: [], healthy: [], listed: [], firstRow: [] };
    const configFull = await sample(LOAD_RUNS, () => timeConfigJson(browser, base));
    await sample(LOAD_RUNS, () => timeConsole(browser, base, full));
    for (const k of Object.keys(full)) full[k].shift();
    table(`Cold load with ${seeded.total} builds in the store (baseline: GET /config.json)`, [
      { name: 'navigate to /config.json, load event (baseline)', times: configFull },
      { name: 'console shell: banner rendered', times: full.banner },
      { name: 'team builds page: first row rendered (first page of 500)', times: full.firstRow },
    ]);

    // 3. Scrolling.
    const [page, close] = await freshPage(browser);
    await page.goto(`${base}/`);
    await page.locator('.build-row[data-run-id]').first().waitFor(WAIT);
    const rowHeight = await page.evaluate(() => {
      const row = document.querySelector('.builds-table .windowed-window .build-row');
      return row ? row.getBoundingClientRect().height : 0;
    });
    const first = await page.evaluate(scrollInPage, { selector: '.builds-table', budgetMs: SCROLL_BUDGET_MS, expectRows: seeded.total });
    const second = await page.evaluate(scrollInPage, { selector: '.builds-table', budgetMs: SCROLL_BUDGET_MS, expectRows: seeded.total });
    const bottomRun = await page.evaluate(() => {
      const ids = [...document.querySelectorAll('.builds-table .build-row[data-run-id]')].map((r) => Number(r.dataset.runId));
      return ids.length ? Math.min(...ids) : null;
    });
    const mounted = await page.evaluate(() => document.querySelectorAll('.builds-table .build-row[data-run-id]').length);
    const viewport = await page.evaluate(() => {
      const el = document.querySelector('.builds-table');
      return { height: el.clientHeight, width: el.clientWidth };
    });
    await close();

    // The baseline: a static list of the same number of rows, same row and viewport size.
    const [plain, closePlain] = await freshPage(browser);
    await plain.setContent(`<!doctype html><html><body style="margin:0;font:14px sans-serif">
      <div class="builds-table" style="overflow:auto;height:${viewport.height}px;width:${viewport.width}px"></div>
      <script>
        const list = document.querySelector('.builds-table');
        const rows = [];
        for (let i = ${seeded.total}; i >= 1; i--) {
          rows.push('<div style="height:${rowHeight}px;display:flex;gap:1rem;border-bottom:1px solid #ddd">' +
            '<span>#' + i + '</span><span>Complete</span><span>anonymous</span><span>/data/default/logs/' + i + '</span></div>');
        }
        list.innerHTML = rows.join('');
      </script></body></html>`);
    const baseline = await plain.evaluate(scrollInPage, { selector: '.builds-table', budgetMs: SCROLL_BUDGET_MS, expectRows: seeded.total });
    await closePlain();

    console.log(`\nRows are ${rowHeight.toFixed(0)} px; the scroll viewport is ${viewport.height} px, so a step is ~${Math.round(viewport.height / rowHeight)} rows.`);
    table(`Scroll to the bottom of ${seeded.total} rows, one viewport per step, two animation frames per step (baseline: static HTML list of the same rows)`, [
      { name: `static list, all ${seeded.total} rows in the DOM (baseline)`, times: baseline.steps },
      { name: 'console, first pass (pages of 500 load on the way)', times: first.steps },
      { name: 'console, second pass (all rows loaded)', times: second.steps },
    ]);
    const perRow = (r) => (r.totalMs / seeded.total).toFixed(3);
    console.log('\n| pass | steps | total | ms per row scrolled | waits at the bottom for a page | rows loaded |');
    console.log('|---|---:|---:|---:|---:|---:|');
    console.log(`| static list (baseline) | ${baseline.steps.length} | ${ms(baseline.totalMs)} | ${perRow(baseline)} | ${baseline.waits} | ${baseline.loaded} |`);
    console.log(`| console, first pass | ${first.steps.length} | ${ms(first.totalMs)} | ${perRow(first)} | ${first.waits} | ${first.loaded} |`);
    console.log(`| console, second pass | ${second.steps.length} | ${ms(second.totalMs)} | ${perRow(second)} | ${second.waits} | ${second.loaded} |`);
    console.log(`\nAt the bottom: the oldest mounted run is #${bottomRun}; ${mounted} rows mounted of ${second.loaded} (windowing).`);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
