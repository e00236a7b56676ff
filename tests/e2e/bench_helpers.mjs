// What the console benchmarks (bench.mjs, bench_live.mjs) share: sampling and Markdown
// tables, the few API calls they seed and watch builds with, and fresh browser pages.
// Not a test file; the E2E tests use helpers.mjs, which this builds on.

import { newPage } from './helpers.mjs';

/** Bounds every wait on the page. */
export const WAIT = { timeout: 60_000 };

// ---- measuring ------------------------------------------------------------------------

const sorted = (xs) => [...xs].sort((a, b) => a - b);
export const median = (xs) => (xs.length ? sorted(xs)[Math.floor(xs.length / 2)] : NaN);
export const p95 = (xs) => (xs.length ? sorted(xs)[Math.min(xs.length - 1, Math.floor((xs.length * 95) / 100))] : NaN);
export const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
export const kb = (x) => `${(x / 1000).toFixed(1)} kB`;

/** Runs `f` up to `runs` times (bounded by `budgetMs`), after one warm-up; returns what each run returned. */
export async function sample(runs, f, budgetMs = 60_000) {
  await f();
  const times = [];
  const start = performance.now();
  while (times.length < runs && (times.length === 0 || performance.now() - start < budgetMs)) {
    times.push(await f());
  }
  return times;
}

/** Prints a Markdown table; each row `{name, times, vs}` is compared with row `vs` (default 0). */
export function table(title, rows) {
  console.log(`\n## ${title}\n`);
  console.log('| measurement | runs | median | p95 | × baseline (median) |');
  console.log('|---|---:|---:|---:|---:|');
  rows.forEach((r, i) => {
    const base = rows[r.vs ?? 0];
    const ratio = i === (r.vs ?? 0) ? 'baseline' : `${(median(r.times) / median(base.times)).toFixed(2)}×`;
    console.log(`| ${r.name} | ${r.times.length} | ${ms(median(r.times))} | ${ms(p95(r.times))} | ${ratio} |`);
  });
}

// ---- the server's API -----------------------------------------------------------------

export async function json(res) {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text}`);
  return JSON.parse(text);
}

export async function datasetRid(base, name) {
  const { datasets } = await json(await fetch(`${base}/api/v1/catalog/datasets?q=${encodeURIComponent(name)}&limit=50`));
  const found = datasets.find((d) => d.name === name);
  if (!found) throw new Error(`no dataset ${name}`);
  return found.rid;
}

/** Submits the upstream of a dataset through build2; returns the build's RID. */
export async function submit(base, rid, force = false) {
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

/** The build2 build report. */
export const report = async (base, rid) => json(await fetch(`${base}/build2/api/info/builds2/${rid}`));

/** Polls the build report until the build is no longer RUNNING; returns the report. */
export async function waitDone(base, rid, deadlineMs = 120_000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const r = await report(base, rid);
    if (r.status !== 'RUNNING') return r;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`build ${rid} still running after ${deadlineMs / 1000} s`);
}

export async function totalBuilds(base) {
  const page = await json(await fetch(`${base}/api/v1/teams`));
  return page.teams.find((t) => t.name === 'default')?.totalBuilds ?? 0;
}

/**
 * Submits no-op builds of `dataset` until the default team has `n` builds, four requests in
 * flight. The first build runs its jobs; every later one finds them up to date. Returns the
 * seconds the seeding took and the builds stored.
 */
export async function seedTo(base, dataset, n, budgetMs = 600_000) {
  const rid = await datasetRid(base, dataset);
  let have = await totalBuilds(base);
  if (have === 0) {
    const first = await waitDone(base, await submit(base, rid));
    if (first.status !== 'SUCCEEDED') throw new Error(`the first build of ${dataset} ended ${first.status}`);
    have = 1;
  }
  const start = performance.now();
  const worker = async () => {
    while (have < n && performance.now() - start < budgetMs) {
      have += 1;
      await submit(base, rid);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { seconds: (performance.now() - start) / 1000, total: await totalBuilds(base) };
}

// ---- pipelines ------------------------------------------------------------------------

/** One `[[job_specs]]` entry of a pipeline file. */
export const spec = (name, inputs, output, command) =>
  `[[job_specs]]\nname = "${name}"\ninputs = [${inputs.map((i) => `"${i}"`).join(', ')}]\noutputs = ["${output}"]\ncommand = "${command}"\n`;

/** `p0 → … → p4`, five no-op job specs in a chain, for seeding builds. */
export const NOOP_CHAIN = Array.from({ length: 5 }, (_, i) => spec(`p${i}`, i === 0 ? [] : [`p/${i - 1}`], `p/${i}`, 'true'));

// ---- the browser ----------------------------------------------------------------------

/** A page in a fresh context (empty cache), with `initScript` installed if given; returns [page, close]. */
export async function freshPage(browser, initScript) {
  const page = await newPage(browser);
  if (initScript) await page.addInitScript(initScript);
  return [page, () => page.context().close()];
}

/** The baseline of the load benchmarks: navigating a fresh context to /config.json, in ms. */
export async function timeConfigJson(browser, base) {
  const [page, close] = await freshPage(browser);
  const t = performance.now();
  const res = await page.goto(`${base}/config.json`, { waitUntil: 'load' });
  const took = performance.now() - t;
  if (!res?.ok()) throw new Error(`/config.json answered ${res?.status()}`);
  await close();
  return took;
}
