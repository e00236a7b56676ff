// Where a cold load of the builds list spends its time (not a test): the milestones of one
// fresh context, from navigation start, in Resource Timing and in the page.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchBrowser, startServer } from './helpers.mjs';
import { NOOP_CHAIN, freshPage, median, seedTo } from './bench_helpers.mjs';

const dir = mkdtempSync(join(tmpdir(), 'kiln-cold-'));
const pipeline = join(dir, 'pipeline.toml');
writeFileSync(pipeline, NOOP_CHAIN.join('\n'));
const server = await startServer({ pipeline, label: 'cold', args: ['--workers', '4'] });
const browser = await launchBrowser();
try {
  const base = server.url;
  await seedTo(base, 'p/4', 25);
  const runs = [];
  for (let i = 0; i < 8; i += 1) {
    const [page, close] = await freshPage(browser);
    const t0 = Date.now();
    await page.goto(`${base}/`, { waitUntil: 'commit' });
    await page.locator('.build-row[data-run-id]').first().waitFor({ timeout: 60_000 });
    const total = Date.now() - t0;
    const marks = await page.evaluate(() => {
      const r = {};
      const nav = performance.getEntriesByType('navigation')[0];
      r.html = nav.responseEnd;
      r.domInteractive = nav.domInteractive;
      for (const e of performance.getEntriesByType('resource')) {
        const name = new URL(e.name).pathname.replace(/-[0-9a-f]{8,}/, '');
        r[name] = `${e.startTime.toFixed(0)}-${e.responseEnd.toFixed(0)}`;
      }
      r.now = performance.now();
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      if (fcp) r.fcp = fcp.startTime;
      return r;
    });
    runs.push({ total, ...marks });
    await close();
  }
  for (const r of runs.slice(1)) console.log(JSON.stringify(r));
  console.log('median total', median(runs.slice(1).map((r) => r.total)));
} finally {
  await browser.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
