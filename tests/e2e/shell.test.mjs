// The console shell, end to end: a real kiln-server serving the release build, headless
// Chromium, screenshots under target/e2e-screenshots/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, screenshotPhone, screenshotThemes, useKiln, watchErrors } from './helpers.mjs';

const kiln = useKiln({ label: 'shell' });
const TIMEOUT = { timeout: 120_000 };

test('the shell loads, names the product and shows the service as healthy', TIMEOUT, async () => {
  const page = await kiln.newPage();
  const errors = watchErrors(page);

  const response = await page.goto(kiln.url('/'));
  assert.equal(response?.status(), 200);

  const banner = page.getByRole('banner');
  await banner.waitFor({ timeout: 30_000 });
  assert.match(await banner.innerText(), /Kiln/);

  // The header marks the service healthy once /api/v1/health has answered.
  await banner.locator('[data-health="ok"]').waitFor({ timeout: 30_000 });

  await screenshot(page, 'shell');
  await screenshotPhone(page, 'shell');
  assert.deepEqual(errors, []);
});

test('a deep link (/settings) is served by the console, not a server 404', TIMEOUT, async () => {
  const page = await kiln.newPage();
  const errors = watchErrors(page);

  const response = await page.goto(kiln.url('/settings'));
  assert.equal(response?.status(), 200);
  assert.match(response?.headers()['content-type'] ?? '', /text\/html/);

  const banner = page.getByRole('banner');
  await banner.waitFor({ timeout: 30_000 });
  assert.match(await banner.innerText(), /Kiln/);
  // The router is at /settings, not redirected elsewhere.
  assert.equal(new URL(page.url()).pathname, '/settings');

  await screenshot(page, 'settings');
  assert.deepEqual(errors, []);
});

test('unknown API paths are not answered with the console page', TIMEOUT, async () => {
  const response = await fetch(kiln.url('/api/v1/no-such-endpoint'));
  assert.equal(response.status, 404);
  assert.doesNotMatch(response.headers.get('content-type') ?? '', /text\/html/);
});

/** The wasm modules the page has asked for so far, by file name, each once (a prefetched
 *  module is listed again when it is used, from the cache). */
const wasmLoaded = (page) =>
  page.evaluate(() => [
    ...new Set(
      performance
        .getEntriesByType('resource')
        .map((e) => new URL(e.name).pathname.slice(1))
        .filter((name) => name.endsWith('.wasm')),
    ),
  ]);

/** The stylesheets the page has asked for so far, by name without the hash, each once (a
 *  prefetched one is listed again when it is used). */
const cssLoaded = (page) =>
  page.evaluate(() =>
    [
      ...new Set(
        performance
          .getEntriesByType('resource')
          .map((e) => new URL(e.name).pathname.slice(1))
          .filter((name) => name.endsWith('.css'))
          .map((name) => name.replace(/-[0-9a-f]+\.css$/, '')),
      ),
    ].sort(),
  );

/** Keeps every EventSource the page makes, so a test can count the open ones. */
const STREAMS = () => {
  const Native = window.EventSource;
  window.__streams = [];
  window.EventSource = class extends Native {
    constructor(...args) {
      super(...args);
      window.__streams.push(this);
    }
  };
};
const openStreams = (page) => page.evaluate(() => window.__streams.filter((s) => s.readyState !== EventSource.CLOSED).length);

test('a cold load of the builds list downloads only the entry module; another page loads the full console once', TIMEOUT, async () => {
  const page = await kiln.newPage();
  const errors = watchErrors(page);
  await page.addInitScript(STREAMS);

  await page.goto(kiln.url('/'));
  await page.locator('.live-indicator[data-live="streaming"]').waitFor({ timeout: 30_000 });
  const entry = await wasmLoaded(page);
  assert.equal(entry.length, 1, `one module on a cold load of the list: ${entry}`);
  assert.match(entry[0], /^kiln-console-[0-9a-f]+_bg\.wasm$/, 'the entry module, not the full console');
  assert.deepEqual(await cssLoaded(page), ['base', 'builds'], 'the other pages\' styles come with them');

  // Through the header, as a person would: the entry module hands over to the full console.
  await page.getByRole('banner').getByRole('link', { name: 'Submit' }).click();
  await page.getByRole('heading', { name: 'Submit a build' }).waitFor({ timeout: 30_000 });
  assert.deepEqual((await wasmLoaded(page)).slice(1), ['kiln-console-full_bg.wasm']);
  assert.deepEqual(await cssLoaded(page), ['base', 'builds', 'pipeline', 'reports', 'submit']);
  // Drawn with them: submit.css lays the form out as a grid.
  assert.equal(await page.locator('.submit-form').evaluate((form) => getComputedStyle(form).display), 'grid');
  // The entry module has unmounted: one header, one main, one events stream.
  assert.equal(await page.getByRole('banner').count(), 1);
  assert.equal(await page.locator('main#main').count(), 1);
  await page.waitForFunction(() => window.__streams.length === 2, null, { timeout: 30_000 });
  assert.equal(await openStreams(page), 1, 'the entry module closed its stream');

  // Back to the list, now drawn by the full console: nothing more is downloaded.
  await page.goBack();
  await page.locator('.live-indicator[data-live="streaming"]').waitFor({ timeout: 30_000 });
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal((await wasmLoaded(page)).length, 2);
  // config.json was read once, by the loader, for both modules.
  const configReads = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/config.json')).length);
  assert.equal(configReads, 1);
  assert.deepEqual(errors, []);
});

test('a deep link to another page downloads only the full console', TIMEOUT, async () => {
  const page = await kiln.newPage();
  const errors = watchErrors(page);

  await page.goto(kiln.url('/submit'));
  await page.getByRole('heading', { name: 'Submit a build' }).waitFor({ timeout: 30_000 });
  assert.deepEqual(await wasmLoaded(page), ['kiln-console-full_bg.wasm']);
  assert.equal(await page.locator('.submit-form').evaluate((form) => getComputedStyle(form).display), 'grid');
  assert.deepEqual(errors, []);
});

test('pointing at a link to another page starts the full console download before the click', TIMEOUT, async () => {
  const page = await kiln.newPage();
  const errors = watchErrors(page);

  await page.goto(kiln.url('/'));
  await page.locator('.live-indicator[data-live="streaming"]').waitFor({ timeout: 30_000 });
  assert.equal((await wasmLoaded(page)).length, 1);
  // A link to the list itself is not a reason to fetch the rest.
  const prefetching = () => page.locator('link[rel="prefetch"][href$=".wasm"]').count();
  await page.getByRole('banner').getByRole('link', { name: 'Builds', exact: true }).hover();
  assert.equal(await prefetching(), 0);
  await page.getByRole('banner').getByRole('link', { name: 'Submit' }).hover();
  assert.equal(await prefetching(), 1);
  await page.waitForFunction(
    () => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/kiln-console-full_bg.wasm')),
    null,
    { timeout: 30_000 },
  );
  // Fetched, not started: the entry module still draws the list.
  assert.equal(new URL(page.url()).pathname, '/');
  await page.locator('.live-indicator[data-live="streaming"]').waitFor({ timeout: 5_000 });
  assert.deepEqual(errors, []);
});

test('when the full console cannot be downloaded the page says so, and Try again loads it', TIMEOUT, async () => {
  const page = await kiln.newPage();
  await page.goto(kiln.url('/'));
  await page.locator('.live-indicator[data-live="streaming"]').waitFor({ timeout: 30_000 });
  const unreachable = (route) => route.abort('connectionrefused');
  await page.route('**/kiln-console-full_bg.wasm', unreachable);

  await page.getByRole('banner').getByRole('link', { name: 'Submit' }).click();
  const problem = page.getByRole('heading', { name: 'This page could not load' });
  await problem.waitFor({ timeout: 30_000 });
  assert.match(await page.getByRole('alert').innerText(), /could not be downloaded/);
  // The entry module still runs: its header and events stream stay.
  assert.equal(await page.getByRole('banner').count(), 1);
  await screenshotThemes(page, 'full-console-unreachable');

  await page.unroute('**/kiln-console-full_bg.wasm', unreachable);
  await page.getByRole('button', { name: 'Try again' }).click();
  await page.getByRole('heading', { name: 'Submit a build' }).waitFor({ timeout: 30_000 });
  assert.equal(await problem.count(), 0);
});
