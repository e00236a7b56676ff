// The console shell, end to end: a real kiln-server serving the release build, headless
// Chromium, screenshots under target/e2e-screenshots/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, screenshotPhone, useKiln, watchErrors } from './helpers.mjs';

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
