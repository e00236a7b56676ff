// The live-console benchmark (issue 10) in real headless Chromium against a real kiln-server
// on loopback. Not a test (no *.test.mjs name, so `node --test tests/e2e/` skips it): it
// prints figures, each beside a baseline measured in the same run, and asserts nothing.
//
//   cargo xtask size                                  # release console in dist/, .br/.gz copies
//   cargo build --release -p kiln-server
//   KILN_SERVER_BIN=target/release/kiln-server node tests/e2e/bench_live.mjs
//   BENCH_BUILDS=2000 … for a quicker run (default 10,000); BENCH_SAMPLES (default 20)
//   KILN_BENCH_ONLY=bigbuild runs section 5 alone (about a minute); KILN_BENCH_PORT=N puts
//   the server on port N (default: a free one)
//
// Measured:
//   1. Cold transfer: bytes on the wire for a cold load of the builds page (Resource
//      Timing `transferSize`, the navigation included), beside the decoded bytes of the
//      same load (what it would cost uncompressed).
//   2. First row, cold (fresh context) and warm (same context, second load), at 25 builds
//      and at BENCH_BUILDS builds; baseline: navigating to /config.json.
//   3. State change to visible on the list, the build report and the job report: from the
//      engine's timestamp of the change (the event's) to the DOM showing it (a
//      MutationObserver in the page); baseline: the same change reaching a bare
//      EventSource in the page.
//   3b. Stop from the build report: the click to CANCELED shown; baseline: the click to
//      the stop request's answer. And the clocks of a running build (Duration, the job's
//      Started and Took, the timeline axis) at 0.5, 3.5 and 9.5 s; baseline: the machine clock.
//   4. Rows mounted against rows visible at the first paint of the list, 25 builds.
//   5. A build of 1,000 jobs: every request the page makes, and the time from its data
//      arriving (the end of the later of its two responses: the build report and its
//      attempts) to graph and timeline painted, with the attempts in; baseline: a build of
//      5 jobs.
//   6. The first visit to another page from a cold list (the entry module fetches and starts
//      the full console, src/handoff.rs): click on a run → the report's title painted;
//      baseline: the same click after Back, when the full console already runs.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEALTH_CHECKED, launchBrowser, startServer } from './helpers.mjs';
import {
  NOOP_CHAIN, WAIT, datasetRid, freshPage as freshContext, kb, median, ms, report, seedTo, spec, submit, table,
  timeConfigJson, totalBuilds, waitDone,
} from './bench_helpers.mjs';

const BUILDS = Number(process.env.BENCH_BUILDS ?? 10_000);
const ONLY = process.env.KILN_BENCH_ONLY;
const PORT = process.env.KILN_BENCH_PORT ? Number(process.env.KILN_BENCH_PORT) : undefined;
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const LOAD_RUNS = 7;

// ---- pipelines ------------------------------------------------------------------------

/** `p0`…`p4`: a no-op chain for seeding; `tick`, `hold`, `clock`: jobs that run long enough to be watched. */
const MAIN_PIPELINE = [
  ...NOOP_CHAIN,
  spec('tick', [], 'tick/out', 'sleep 1.5'),
  // Stopped from the report while it runs.
  spec('hold', [], 'hold/out', 'sleep 30'),
  // Watched for its clocks: long enough for the samples at 0.5, 3.5 and 9.5 s.
  spec('clock', [], 'clock/out', 'sleep 12'),
  // 999 jobs in a 4-ary tree and one that reads them all: 1,000 jobs.
  ...Array.from({ length: 999 }, (_, i) => spec(`w${i}`, i === 0 ? [] : [`w/${Math.floor((i - 1) / 4)}`], `w/${i}`, 'true')),
  spec('wide-sink', Array.from({ length: 999 }, (_, i) => `w/${i}`), 'wide/all', 'true'),
  // A small build for the same measurement: 5 jobs.
  ...Array.from({ length: 4 }, (_, i) => spec(`s${i}`, i === 0 ? [] : [`s/${i - 1}`], `s/${i}`, 'true')),
  spec('small-sink', ['s/3'], 'small/all', 'true'),
].join('\n');

// ---- in the page ----------------------------------------------------------------------

/** Installed in every page: `window.__when(predicateSource)` resolves to the Date.now()
 *  of the first DOM change after which the predicate holds. */
const WATCH = () => {
  window.__when = (source) =>
    new Promise((resolve) => {
      const holds = new Function(`return (${source})`);
      if (holds()) return resolve(Date.now());
      const observer = new MutationObserver(() => {
        if (holds()) {
          observer.disconnect();
          resolve(Date.now());
        }
      });
      observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    });
};

/** Installed in every page too: `window.__whenFramed(predicateSource)`, as `__when`, but the
 *  predicate is also checked at every animation frame, for one that holds on something
 *  other than the DOM (the Resource Timing entries). Resolves to performance.now() at the
 *  frame after it holds, so the change is painted. */
const WATCH_FRAMED = () => {
  window.__whenFramed = (source) =>
    new Promise((resolve) => {
      const holds = new Function(`return (${source})`);
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        observer.disconnect();
        requestAnimationFrame(() => resolve(performance.now()));
      };
      const observer = new MutationObserver(() => holds() && finish());
      observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
      const frame = () => {
        if (done) return;
        if (holds()) finish();
        else requestAnimationFrame(frame);
      };
      frame();
    });
};

const freshPage = (browser) => freshContext(browser, `(${WATCH})(); (${WATCH_FRAMED})();`);

// ---- 1. transfer ----------------------------------------------------------------------

async function coldTransfer(browser, base) {
  const [page, close] = await freshPage(browser);
  await page.goto(`${base}/`, { waitUntil: 'commit' });
  await page.locator('.builds-count').filter({ hasNotText: 'Loading' }).waitFor(WAIT);
  await page.waitForLoadState('load');
  const sizes = await page.evaluate(() => {
    const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
    const files = entries.map((e) => ({ name: e.name.replace(location.origin, ''), wire: e.transferSize, decoded: e.decodedBodySize, encoded: e.encodedBodySize }));
    return files;
  });
  await close();
  return sizes;
}

// ---- 2. first row -------------------------------------------------------------------------

async function firstRow(page, base) {
  const t = performance.now();
  await page.goto(`${base}/`, { waitUntil: 'commit' });
  await page.locator('.build-row[data-run-id]').first().waitFor(WAIT);
  return performance.now() - t;
}

async function firstRows(browser, base, runs) {
  const config = [];
  const cold = [];
  const warm = [];
  for (let i = 0; i <= runs; i += 1) {
    config.push(await timeConfigJson(browser, base));
    const [page, close] = await freshPage(browser);
    cold.push(await firstRow(page, base));
    warm.push(await firstRow(page, base));
    await close();
  }
  // The first run of each is a warm-up.
  return { config: config.slice(1), cold: cold.slice(1), warm: warm.slice(1) };
}

// ---- 3. state change to visible ----------------------------------------------------------------

/** A bare EventSource in the page: when each build's terminal `build` event, and each
 *  job's terminal `job` event, arrives (by RID). */
const BARE_STREAM = (url) => {
  window.__arrived = {};
  const source = new EventSource(url);
  source.addEventListener('build', (e) => {
    const b = JSON.parse(e.data);
    if (!['queued', 'running'].includes(b.status.state)) window.__arrived[b.buildRid] ??= Date.now();
  });
  source.addEventListener('job', (e) => {
    const j = JSON.parse(e.data);
    if (!['WAITING', 'RUNNING'].includes(j.status)) window.__arrived[j.rid] ??= Date.now();
  });
};

async function stateChanges(browser, base, where) {
  const tick = await datasetRid(base, 'tick/out');
  const [page, close] = await freshPage(browser);
  const visible = [];
  const arrived = [];
  if (where === 'list') {
    await page.goto(`${base}/`);
    await page.locator('.live-indicator[data-live=streaming]').waitFor(WAIT);
  }
  for (let i = 0; i < SAMPLES; i += 1) {
    const rid = await submit(base, tick, true);
    const { runId, team } = await report(base, rid);
    if (where === 'build') {
      await page.goto(`${base}/builds/${rid}`);
      await page.locator('.live-note[data-freshness=streaming]').waitFor(WAIT);
    } else if (where === 'job') {
      const job = (await report(base, rid)).jobs[0].rid;
      await page.goto(`${base}/jobs/${job}`);
      await page.locator('.live-note[data-freshness=streaming]').waitFor(WAIT);
    }
    await page.evaluate(BARE_STREAM, `${base}/api/v1/events?team=${team}`);
    const predicate = {
      list: `document.querySelector('.build-row[data-run-id="${runId}"]')?.dataset.state === 'complete'`,
      build: `document.querySelector('.build-report')?.dataset.status === 'SUCCEEDED'`,
      job: `document.querySelector('.job-report')?.dataset.status === 'SUCCEEDED'`,
    }[where];
    const shown = await page.evaluate((p) => window.__when(p), predicate);
    const done = await waitDone(base, rid);
    const key = where === 'job' ? done.jobs[0].rid : rid;
    const changed = Date.parse(where === 'job' ? done.jobs[0].finishedTime : done.finishedTime);
    const bare = await page.evaluate(async (r) => {
      for (let k = 0; k < 200 && !window.__arrived[r]; k += 1) await new Promise((res) => setTimeout(res, 10));
      return window.__arrived[r];
    }, key);
    if (bare) arrived.push(bare - changed);
    visible.push(shown - changed);
  }
  await close();
  return { visible, arrived };
}

// ---- 3b. Stop, and the clocks of a running build -------------------------------------------

/**
 * Stops a running build from its report, `runs` times (after one warm-up): the click on
 * "Stop build #N" to the report showing CANCELED, beside the click to the stop request's
 * answer (the baseline: what the server takes) and the engine's finish time to the DOM.
 */
async function stopShowing(browser, base, runs) {
  const hold = await datasetRid(base, 'hold/out');
  const out = { answered: [], shown: [], fromEngine: [] };
  for (let i = 0; i <= runs; i += 1) {
    const rid = await submit(base, hold, true);
    const [page, close] = await freshPage(browser);
    await page.goto(`${base}/builds/${rid}`);
    await page.locator('.live-note[data-freshness=streaming]').waitFor(WAIT);
    await page.locator('.stop-build').click();
    const confirm = page.locator('.stop-confirm');
    await confirm.waitFor(WAIT);
    await page.evaluate(() => {
      document.addEventListener('click', (e) => {
        if (e.target.closest('.stop-confirm')) window.__clicked ??= Date.now();
      }, true);
    });
    const shown = page.evaluate(() => window.__when(`document.querySelector('.build-report')?.dataset.status === 'CANCELED'`));
    await confirm.click();
    const shownAt = await shown;
    const { clicked, answeredAt } = await page.evaluate(() => {
      const entry = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/stop'));
      return { clicked: window.__clicked, answeredAt: entry ? performance.timeOrigin + entry.responseEnd : NaN };
    });
    const done = await waitDone(base, rid);
    await close();
    if (done.status !== 'CANCELED') throw new Error(`the stopped build ended ${done.status}`);
    if (i === 0) continue; // warm-up
    out.answered.push(answeredAt - clicked);
    out.shown.push(shownAt - clicked);
    out.fromEngine.push(shownAt - Date.parse(done.finishedTime));
  }
  return out;
}

/** What a running build's report shows for its times at 0.5, 3.5 and 9.5 s after it started. */
async function clocks(browser, base) {
  const rid = await submit(base, await datasetRid(base, 'clock/out'), true);
  const [page, close] = await freshPage(browser);
  await page.goto(`${base}/builds/${rid}`);
  await page.locator('.live-note[data-freshness=streaming]').waitFor(WAIT);
  let started = NaN;
  for (let k = 0; k < 500 && !Number.isFinite(started); k += 1) {
    const r = await report(base, rid);
    started = Date.parse(r.jobs[0]?.startedTime ?? '');
    if (!Number.isFinite(started)) await new Promise((res) => setTimeout(res, 10));
  }
  if (!Number.isFinite(started)) throw new Error('the clock job never started');
  const rows = [];
  for (const at of [500, 3_500, 9_500]) {
    await new Promise((res) => setTimeout(res, Math.max(0, started + at - Date.now())));
    const shown = await page.evaluate(() => {
      const fact = [...document.querySelectorAll('.summary .fact')].find((f) => f.querySelector('dt')?.textContent === 'Duration');
      const text = (el) => el?.textContent.trim() ?? '(none)';
      return {
        duration: text(fact?.querySelector('dd')),
        took: text(document.querySelector('table.jobs tr[data-job] td[data-label="Took"]')),
        started: text(document.querySelector('table.jobs tr[data-job] td[data-label="Started"]')),
        axis: text(document.querySelector('.tl-ticks .tl-tick:last-child')),
      };
    });
    rows.push({ at: (Date.now() - started) / 1000, ...shown });
  }
  await waitDone(base, rid);
  await close();
  return rows;
}

// ---- 4. rows at first paint ----------------------------------------------------------------

async function rowsAtFirstPaint(browser, base) {
  const [page, close] = await freshPage(browser);
  await page.goto(`${base}/`, { waitUntil: 'commit' });
  await page.locator('.build-row[data-run-id]').first().waitFor(WAIT);
  const counts = await page.evaluate(
    () =>
      new Promise((resolve) =>
        requestAnimationFrame(() => {
          const list = document.querySelector('.builds-table');
          const box = list.getBoundingClientRect();
          const head = list.querySelector('.builds-head')?.getBoundingClientRect().height ?? 0;
          const rows = [...list.querySelectorAll('.build-row[data-run-id]')];
          const inView = rows.filter((r) => {
            const b = r.getBoundingClientRect();
            return b.bottom > box.top + head && b.top < Math.min(box.bottom, innerHeight);
          });
          const rowHeight = rows[0]?.getBoundingClientRect().height ?? 1;
          const room = Math.min(box.bottom, innerHeight) - (box.top + head);
          const total = Number(list.dataset.count);
          resolve({ mounted: rows.length, visible: inView.length, fits: Math.min(total, Math.ceil(room / rowHeight)), total });
        }),
      ),
  );
  await close();
  return counts;
}

// ---- 5. a build of 1,000 jobs ----------------------------------------------------------------

/** The data of the report: its build report (not the header's nil-RID probe) and its attempts. */
const DATA = (rid) => `performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/info/builds2/${rid}') || e.name.endsWith('/attempts'))`;

const RUNS = Number(process.env.KILN_BENCH_RUNS ?? 7);

/**
 * Opens the report of a build of `expectJobs` jobs in a fresh context, RUNS times after one
 * warm-up. Each answer is timed to what it draws: the build report's answer to the graph
 * painted (every node), the attempts' answer to the timeline painted from them (every bar,
 * with both answers in), and the later answer to both painted (the issue's figure; the
 * larger of the first two when the page draws each answer as it comes).
 */
async function bigBuild(browser, base, dataset, expectJobs) {
  const rid = await submit(base, await datasetRid(base, dataset), true);
  const done = await waitDone(base, rid);
  if (done.jobs.length !== expectJobs) throw new Error(`${dataset}: ${done.jobs.length} jobs, expected ${expectJobs}`);
  const out = { graph: [], timeline: [], both: [], requests: [] };
  for (let i = 0; i <= RUNS; i += 1) {
    const [page, close] = await freshPage(browser);
    const asked = [];
    // Every request of the page to the API (the console's own files are not counted).
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/') || path.startsWith('/build2/')) asked.push(path);
    });
    await page.goto(`${base}/builds/${rid}`, { waitUntil: 'commit' });
    const t = await page.evaluate(
      async ({ n, data }) => {
        const nodes = `document.querySelectorAll('g.graph-node').length === ${n}`;
        const bars = `document.querySelectorAll('.tl-bar.badge-ok').length === ${n}`;
        // Both answers in, so a timeline drawn from the report's own times before the
        // attempts came does not count as the timeline painted.
        const [graph, all] = await Promise.all([
          window.__whenFramed(nodes),
          window.__whenFramed(`${nodes} && ${bars} && ${data}.length === 2`),
        ]);
        const entries = new Function(`return ${data}`)();
        const end = (suffix) => entries.find((e) => e.name.endsWith(suffix)).responseEnd;
        return { graph, all, report: end(location.pathname.split('/').pop()), attempts: end('/attempts') };
      },
      { n: expectJobs, data: DATA(rid) },
    );
    if (i > 0) {
      out.graph.push(t.graph - t.report);
      out.timeline.push(t.all - t.attempts);
      out.both.push(t.all - Math.max(t.report, t.attempts));
    }
    // Requests still to come once it is painted (a late health probe) count too: the
    // header's check has listened and probed what it had to once it shows its answer.
    await page.locator(HEALTH_CHECKED).waitFor(WAIT);
    out.requests = asked;
    await close();
  }
  return out;
}

// ---- 6. the first visit to another page -------------------------------------------------------

/** From the click on a row's run link to the report's title painted: the first time from a
 *  cold list (the entry module fetches and starts the full console), and again after Back
 *  (the full console already runs: the baseline). */
async function firstVisit(browser, base, runs) {
  const first = [];
  const again = [];
  for (let i = 0; i <= runs; i += 1) {
    const [page, close] = await freshPage(browser);
    await page.goto(`${base}/`);
    const link = page.locator('.build-row[data-run-id] .run-link').first();
    await link.waitFor(WAIT);
    for (const times of [first, again]) {
      const t = performance.now();
      await link.click();
      await page.locator('.build-report h1').waitFor(WAIT);
      await page.evaluate(() => new Promise((painted) => requestAnimationFrame(() => painted())));
      if (i > 0) times.push(performance.now() - t);
      await page.goBack();
      await link.waitFor(WAIT);
    }
    await close();
  }
  return { first, again };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-live-'));
  const pipeline = join(dir, 'pipeline.toml');
  writeFileSync(pipeline, MAIN_PIPELINE);
  const server = await startServer({ pipeline, label: 'bench-live', args: ['--workers', '4'], port: PORT });
  const browser = await launchBrowser();
  try {
    const base = server.url;
    console.log(`# Kiln live console benchmark (headless Chromium ${browser.version()}, server ${base})`);

    // 5 first: the store is small, so these builds are the newest.
    const big = await bigBuild(browser, base, 'wide/all', 1000);
    const small = await bigBuild(browser, base, 'small/all', 5);
    table('A build of 1,000 jobs: each answer → what it draws painted (baseline: the same for a build of 5 jobs)', [
      { name: '5 jobs: build report answered → graph painted (baseline)', times: small.graph },
      { name: '5 jobs: attempts answered → timeline painted', times: small.timeline, vs: 1 },
      { name: '5 jobs: later answer → both painted', times: small.both, vs: 2 },
      { name: '1,000 jobs: build report answered → graph painted', times: big.graph, vs: 0 },
      { name: '1,000 jobs: attempts answered → timeline painted', times: big.timeline, vs: 1 },
      { name: '1,000 jobs: later answer → both painted', times: big.both, vs: 2 },
    ]);
    console.log(`\nRequests made by the 1,000-job report: ${big.requests.length} (${big.requests.join(', ')})`);
    if (ONLY === 'bigbuild') return;

    await seedTo(base, 'p/4', 25);
    const sizes = await coldTransfer(browser, base);
    const wire = sizes.reduce((s, f) => s + f.wire, 0);
    const decoded = sizes.reduce((s, f) => s + f.decoded, 0);
    console.log('\n## Cold transfer of the builds page (25 builds)\n');
    console.log('| file | on the wire | decoded |');
    console.log('|---|---:|---:|');
    for (const f of sizes) console.log(`| ${f.name} | ${kb(f.wire)} | ${kb(f.decoded)} |`);
    console.log(`| **total** | **${kb(wire)}** | ${kb(decoded)} (baseline: the same bytes uncompressed) |`);

    const paint = await rowsAtFirstPaint(browser, base);
    console.log(`\n## Rows at first paint (25 builds)\n\nmounted ${paint.mounted}, in view ${paint.visible}, room for ${paint.fits} of ${paint.total}: ${paint.visible >= paint.fits ? 'no blank rows' : `${paint.fits - paint.visible} blank rows`}.`);

    const at25 = await firstRows(browser, base, LOAD_RUNS);
    table('First row at 25 builds (baseline: GET /config.json in a fresh context)', [
      { name: 'navigate to /config.json (baseline)', times: at25.config },
      { name: 'first row, cold (fresh context)', times: at25.cold },
      { name: 'first row, warm (same context, second load)', times: at25.warm },
    ]);

    const visits = await firstVisit(browser, base, LOAD_RUNS);
    table('From the cold list to a build report: click on a run → its title painted (baseline: the same click once the full console runs)', [
      { name: 'second visit, after Back (baseline)', times: visits.again },
      { name: 'first visit: the entry module fetches and starts the full console', times: visits.first },
    ]);

    for (const where of ['list', 'build', 'job']) {
      const { visible, arrived } = await stateChanges(browser, base, where);
      table(`State change → visible on the ${where === 'list' ? 'builds list' : `${where} report`} (ms from the engine's timestamp; baseline: a bare EventSource in the page)`, [
        { name: 'event reaches a bare EventSource (baseline)', times: arrived },
        { name: 'the page shows it', times: visible },
      ]);
    }

    const stops = await stopShowing(browser, base, Math.min(SAMPLES, 10));
    table('Stop from the build report: click on "Stop build #N" → CANCELED shown (baseline: click → the stop request answered)', [
      { name: 'the stop request answered (baseline)', times: stops.answered },
      { name: 'CANCELED shown on the report', times: stops.shown },
    ]);
    console.log(`\nFrom the engine's finish time to CANCELED shown: median ${ms(median(stops.fromEngine))}.`);

    const ticks = await clocks(browser, base);
    console.log('\n## Clocks of a running build (a 12 s job; baseline: seconds since the job started, by the machine clock)\n');
    console.log('| since start (baseline) | Duration | job Started | job Took | timeline axis, last tick |');
    console.log('|---:|---|---|---|---|');
    for (const r of ticks) console.log(`| ${r.at.toFixed(1)} s | ${r.duration} | ${r.started} | ${r.took} | ${r.axis} |`);

    const t = performance.now();
    await seedTo(base, 'p/4', BUILDS);
    console.log(`\nSeeded to ${await totalBuilds(base)} builds in ${((performance.now() - t) / 1000).toFixed(1)} s.`);
    const atN = await firstRows(browser, base, LOAD_RUNS);
    table(`First row at ${BUILDS} builds (baseline: GET /config.json in a fresh context)`, [
      { name: 'navigate to /config.json (baseline)', times: atN.config },
      { name: 'first row, cold (fresh context)', times: atN.cold },
      { name: 'first row, warm (same context, second load)', times: atN.warm },
    ]);
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
