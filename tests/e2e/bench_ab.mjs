// A/B benchmark: the first row of a cold and a warm load of the builds list at 25 builds, and
// the cold transfer, for two builds of the console (two dist folders), each served by its own
// release kiln-server and measured alternately, so both see the same machine load.
//
//   KILN_SERVER_BIN=target/release/kiln-server KILN_CHROMIUM=/usr/bin/chromium \
//     A_DIST=/path/to/before/dist B_DIST=$PWD/dist node tests/e2e/bench_ab.mjs    # N=12 samples
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startServer } from './helpers.mjs';
import { NOOP_CHAIN, freshPage, median, p95, seedTo, timeConfigJson } from './bench_helpers.mjs';

const dists = { before: process.env.A_DIST, after: process.env.B_DIST };
if (!dists.before || !dists.after) throw new Error('set A_DIST and B_DIST to two console dist folders');
const dir = mkdtempSync(join(tmpdir(), 'kiln-ab-'));
const pipeline = join(dir, 'pipeline.toml');
writeFileSync(pipeline, NOOP_CHAIN.join('\n'));
const servers = {};
for (const [k, ui] of Object.entries(dists)) servers[k] = await startServer({ pipeline, uiDir: ui, label: `ab-${k}`, args: ['--workers', '2'] });
for (const s of Object.values(servers)) await seedTo(s.url, 'p/4', 25);
const browser = await launchBrowser();
const res = { before: { cold: [], warm: [], cfg: [], bytes: [] }, after: { cold: [], warm: [], cfg: [], bytes: [] } };
const N = Number(process.env.N ?? 12);
for (let i = 0; i <= N; i += 1) {
  for (const k of i % 2 ? ['before', 'after'] : ['after', 'before']) {
    const base = servers[k].url;
    const cfg = await timeConfigJson(browser, base);
    const [page, close] = await freshPage(browser);
    let t = performance.now();
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    await page.locator('.build-row[data-run-id]').first().waitFor({ timeout: 60000 });
    const cold = performance.now() - t;
    await page.waitForLoadState('load');
    const bytes = await page.evaluate(() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].reduce((s, e) => s + e.transferSize, 0));
    t = performance.now();
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    await page.locator('.build-row[data-run-id]').first().waitFor({ timeout: 60000 });
    const warm = performance.now() - t;
    await close();
    if (i === 0) continue; // warm-up
    res[k].cold.push(cold); res[k].warm.push(warm); res[k].cfg.push(cfg); res[k].bytes.push(bytes);
  }
}
await browser.close();
for (const s of Object.values(servers)) await s.stop();
console.log('| console | config.json (baseline) | first row cold median / p95 | warm median / p95 | transfer |');
console.log('|---|---:|---:|---:|---:|');
for (const [k, r] of Object.entries(res)) console.log(`| ${k} | ${median(r.cfg).toFixed(1)} ms | ${median(r.cold).toFixed(1)} / ${p95(r.cold).toFixed(1)} ms | ${median(r.warm).toFixed(1)} / ${p95(r.warm).toFixed(1)} ms | ${(median(r.bytes) / 1000).toFixed(1)} kB |`);
