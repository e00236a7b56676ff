// The live-console benchmark (issue 10) in real headless Chromium against a real kiln-server
// on loopback. Not a test (no *.test.mjs name, so `node --test tests/e2e/` skips it): it
// prints figures, each beside a baseline measured in the same run, and asserts nothing.
//
//   cargo xtask size                                  # release console in dist/, .br/.gz copies
//   cargo build --release -p kiln-server
//   KILN_SERVER_BIN=target/release/kiln-server node tests/e2e/bench_live.mjs
//   BENCH_BUILDS=2000 … for a quicker run (default 10,000); BENCH_SAMPLES (default 20)
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
//   4. Rows mounted against rows visible at the first paint of the list, 25 builds.
//   5. A build of 1,000 jobs: requests the report makes, and the time from its data
//      arriving (the last response's end) to graph and timeline painted; baseline: a
//      build of 5 jobs.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, newPage, startServer } from './helpers.mjs';

const BUILDS = Number(process.env.BENCH_BUILDS ?? 10_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 20);
const LOAD_RUNS = 7;
const WAIT = { timeout: 60_000 };

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => (xs.length ? sorted(xs)[Math.floor(xs.length / 2)] : NaN);
const p95 = (xs) => (xs.length ? sorted(xs)[Math.min(xs.length - 1, Math.floor((xs.length * 95) / 100))] : NaN);
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
const kb = (x) => `${(x / 1000).toFixed(1)} kB`;

function table(title, rows) {
  console.log(`\n## ${title}\n`);
  console.log('| measurement | runs | median | p95 | × baseline (median) |');
  console.log('|---|---:|---:|---:|---:|');
  rows.forEach((r, i) => {
    const base = rows[r.vs ?? 0];
    const ratio = i === (r.vs ?? 0) ? 'baseline' : `${(median(r.times) / median(base.times)).toFixed(2)}×`;
    console.log(`| ${r.name} | ${r.times.length} | ${ms(median(r.times))} | ${ms(p95(r.times))} | ${ratio} |`);
  });
}

async function json(res) {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text}`);
  return JSON.parse(text);
}

async function datasetRid(base, name) {
  const { datasets } = await json(await fetch(`${base}/api/v1/catalog/datasets?q=${encodeURIComponent(name)}&limit=50`));
  const found = datasets.find((d) => d.name === name);
  if (!found) throw new Error(`no dataset ${name}`);
  return found.rid;
}

async function submit(base, rid, force = false) {
  const body = {
    jobSpecSelections: [{ type: 'upstream', upstream: { datasetRids: [rid], datasetRidsToIgnore: [] } }],
    forceBuild: force,
  };
  const res = await fetch(`${base}/build2/api/manager/submitBuild`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await json(res)).buildRid;
}

const report = async (base, rid) => json(await fetch(`${base}/build2/api/info/builds2/${rid}`));

async function waitDone(base, rid) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const r = await report(base, rid);
    if (r.status !== 'RUNNING') return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`build ${rid} still running`);
}

async function totalBuilds(base) {
  const page = await json(await fetch(`${base}/api/v1/teams`));
  return page.teams.find((t) => t.name === 'default')?.totalBuilds ?? 0;
}

/** Submits no-op builds of `dataset` until the team has `n`, four in flight. */
async function seedTo(base, dataset, n) {
  const rid = await datasetRid(base, dataset);
  let have = await totalBuilds(base);
  if (have === 0) {
    await waitDone(base, await submit(base, rid));
    have = 1;
  }
  const worker = async () => {
    while (have < n) {
      have += 1;
      await submit(base, rid);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

// ---- pipelines ------------------------------------------------------------------------

const spec = (name, inputs, outputs, command) =>
  `[[job_specs]]\nname = "${name}"\ninputs = [${inputs.map((i) => `"${i}"`).join(', ')}]\noutputs = ["${outputs}"]\ncommand = "${command}"\n`;

/** `p0`…`p4`: a no-op chain for seeding; `tick`: a job that runs long enough to be watched. */
const MAIN_PIPELINE = [
  ...Array.from({ length: 5 }, (_, i) => spec(`p${i}`, i === 0 ? [] : [`p/${i - 1}`], `p/${i}`, 'true')),
  spec('tick', [], 'tick/out', 'sleep 1.5'),
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

async function freshPage(browser) {
  const page = await newPage(browser);
  await page.addInitScript(WATCH);
  return [page, () => page.context().close()];
}

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

async function timeConfigJson(browser, base) {
  const [page, close] = await freshPage(browser);
  const t = performance.now();
  await page.goto(`${base}/config.json`, { waitUntil: 'load' });
  const took = performance.now() - t;
  await close();
  return took;
}

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

async function bigBuild(browser, base, dataset, expectJobs) {
  const rid = await submit(base, await datasetRid(base, dataset), true);
  const done = await waitDone(base, rid);
  if (done.jobs.length !== expectJobs) throw new Error(`${dataset}: ${done.jobs.length} jobs, expected ${expectJobs}`);
  const runs = [];
  let requests = [];
  for (let i = 0; i <= 5; i += 1) {
    const [page, close] = await freshPage(browser);
    const asked = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/api/') || path.startsWith('/build2/')) asked.push(path);
    });
    await page.goto(`${base}/builds/${rid}`, { waitUntil: 'commit' });
    const painted = await page.evaluate(
      (n) =>
        window
          .__when(`document.querySelectorAll('g.graph-node').length === ${n} && document.querySelectorAll('.tl-bar.badge-ok').length === ${n}`)
          .then(() => new Promise((res) => requestAnimationFrame(() => res(performance.now())))),
      expectJobs,
    );
    const arrived = await page.evaluate(() =>
      Math.max(
        ...performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/info/builds2/') || e.name.endsWith('/attempts'))
          .map((e) => e.responseEnd),
      ),
    );
    runs.push(painted - arrived);
    requests = asked;
    await close();
  }
  return { times: runs.slice(1), requests };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-live-'));
  const pipeline = join(dir, 'pipeline.toml');
  writeFileSync(pipeline, MAIN_PIPELINE);
  const server = await startServer({ pipeline, label: 'bench-live', args: ['--workers', '4'] });
  const browser = await launchBrowser();
  try {
    const base = server.url;
    console.log(`# Kiln live console benchmark (headless Chromium ${browser.version()}, server ${base})`);

    // 5 first: the store is small, so these builds are the newest.
    const big = await bigBuild(browser, base, 'wide/all', 1000);
    const small = await bigBuild(browser, base, 'small/all', 5);
    table('A build of 1,000 jobs: data arrived (last response end) → graph and timeline painted (baseline: 5 jobs)', [
      { name: 'build of 5 jobs (baseline)', times: small.times },
      { name: 'build of 1,000 jobs', times: big.times },
    ]);
    console.log(`\nRequests made by the 1,000-job report: ${big.requests.length} (${big.requests.join(', ')})`);

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

    for (const where of ['list', 'build', 'job']) {
      const { visible, arrived } = await stateChanges(browser, base, where);
      table(`State change → visible on the ${where === 'list' ? 'builds list' : `${where} report`} (ms from the engine's timestamp; baseline: a bare EventSource in the page)`, [
        { name: 'event reaches a bare EventSource (baseline)', times: arrived },
        { name: 'the page shows it', times: visible },
      ]);
    }

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
