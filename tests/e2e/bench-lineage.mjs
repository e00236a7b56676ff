// Lineage page benchmark in real headless Chromium against a real kiln-server on loopback.
// Not a test (no *.test.mjs name): it prints figures, each beside a baseline measured in the
// same run, and asserts nothing about time.
//
//   trunk build --release && cargo build -p kiln-server
//   node tests/e2e/bench-lineage.mjs            # BENCH_NODES=300 (default)
//
// Measured, each in a fresh browser context, median of several loads:
//   - layout: the console's Graph::new (layering, ordering, index), as the page reports it
//     in data-layout-ms (performance.now() around the call);
//   - first paint: navigation start to every node in the DOM plus two animation frames;
//   - pan: 30 drag steps of the 300-node drawing, two animation frames each.
// Baseline: the same page on the demo pipeline (22 nodes) in the same run.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, newPage, startServer } from './helpers.mjs';

const NODES = Number(process.env.BENCH_NODES ?? 300);
const LOADS = 7;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * 95) / 100))];
};
const ms = (x) => `${x.toFixed(1)} ms`;

/**
 * A pipeline of about `nodes` nodes: 10 sources, then job specs that each read 1–3 of the
 * 24 datasets before them (a fixed pseudo-random choice) and write one dataset.
 */
function pipeline(dir, nodes) {
  const sources = 10;
  const specs = Math.floor((nodes - sources) / 2);
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  const names = [];
  const out = [];
  for (let i = 0; i < sources; i += 1) {
    mkdirSync(join(dir, `src/${i}`), { recursive: true });
    writeFileSync(join(dir, `src/${i}/data.txt`), `${i}\n`);
    out.push(`[[datasets]]\nname = "src/${i}"\nsource_dir = "src/${i}"\n`);
    names.push(`src/${i}`);
  }
  for (let i = 0; i < specs; i += 1) {
    const window = names.slice(-24);
    const count = 1 + (next() % 3);
    const inputs = [...new Set(Array.from({ length: count }, () => window[next() % window.length]))];
    out.push(`[[job_specs]]\nname = "s${i}"\ninputs = [${inputs.map((n) => `"${n}"`).join(', ')}]\noutputs = ["d/${i}"]\ncommand = "true"\n`);
    names.push(`d/${i}`);
  }
  const file = join(dir, 'pipeline.toml');
  writeFileSync(file, out.join('\n'));
  return { file, nodes: sources + specs * 2 };
}

async function loadOnce(browser, url, expected) {
  const page = await newPage(browser);
  await page.goto(`${url}/lineage`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-node]').length === n, expected, { timeout: 60_000 });
  const paint = await page.evaluate(
    () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now())))),
  );
  const layout = Number(await page.locator('.lin-viewport').getAttribute('data-layout-ms'));
  await page.context().close();
  return { paint, layout };
}

async function panSteps(browser, url, expected) {
  const page = await newPage(browser);
  await page.goto(`${url}/lineage`);
  await page.waitForFunction((n) => document.querySelectorAll('[data-node]').length === n, expected, { timeout: 60_000 });
  const box = await page.locator('.lin-viewport').boundingBox();
  await page.mouse.move(box.x + 40, box.y + 40);
  await page.mouse.down();
  const times = [];
  for (let i = 1; i <= 30; i += 1) {
    const t = await page.evaluate(() => performance.now());
    await page.mouse.move(box.x + 40 + i * 6, box.y + 40 + i * 3);
    const done = await page.evaluate(
      () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now())))),
    );
    times.push(done - t);
  }
  await page.mouse.up();
  await page.context().close();
  return times;
}

async function measure(browser, url, expected) {
  const loads = [];
  await loadOnce(browser, url, expected); // warm-up
  for (let i = 0; i < LOADS; i += 1) loads.push(await loadOnce(browser, url, expected));
  return { layout: loads.map((l) => l.layout), paint: loads.map((l) => l.paint), pan: await panSteps(browser, url, expected) };
}

const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-lineage-'));
const generated = pipeline(dir, NODES);
const demo = await startServer({ label: 'bench-lineage-demo' });
const big = await startServer({ pipeline: generated.file, label: 'bench-lineage-big' });
const browser = await launchBrowser();
try {
  const demoLineage = await (await fetch(`${demo.url}/api/v1/catalog/lineage`)).json();
  const demoNodes = demoLineage.datasets.length + demoLineage.jobSpecs.length;
  const base = await measure(browser, demo.url, demoNodes);
  const large = await measure(browser, big.url, generated.nodes);
  console.log(`\n## Lineage page: ${generated.nodes} nodes vs the demo's ${demoNodes}\n`);
  console.log('| measurement | runs | median | p95 | × baseline (median) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const [what, key] of [['layout (Graph::new)', 'layout'], ['first paint (navigation → all nodes + 2 frames)', 'paint'], ['one pan step (drag → 2 frames)', 'pan']]) {
    const b = base[key];
    const l = large[key];
    console.log(`| ${what}, demo (${demoNodes} nodes) | ${b.length} | ${ms(median(b))} | ${ms(p95(b))} | baseline |`);
    console.log(`| ${what}, generated (${generated.nodes} nodes) | ${l.length} | ${ms(median(l))} | ${ms(p95(l))} | ${(median(l) / Math.max(median(b), 0.01)).toFixed(1)}× |`);
  }
} finally {
  await browser.close();
  await demo.stop();
  await big.stop();
  rmSync(dir, { recursive: true, force: true });
}
