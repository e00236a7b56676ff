// Signing in to the console through a real OpenID provider (tests/oidc/provider.mjs, npm
// oidc-provider) in headless Chromium, against a kiln-server started with --oidc-issuer:
// the provider's own login page, back to the console, a build in the user's team list that
// the other user cannot see, bad tokens answered 401 with an offer to sign in, a cancelled
// sign-in, and a token refreshed while the page stays open past its lifetime.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, launchBrowser, newPage, screenshot, screenshotPhone, startServer } from './helpers.mjs';
import { KILN_SCOPE, generateKeys, startProvider } from '../oidc/provider.mjs';

/** Short, so the refresh test sees a token expire while its page stays open. */
const TOKEN_TTL_S = 20;
const TIMEOUT = { timeout: 180_000 };
/** kiln-server accepts a token this long past its `exp` (clock skew; src/oidc.rs). */
const SERVER_LEEWAY_S = 30;

let op;
let kiln;
let browser;
let uiDir;

/** The built console with a config.json of our own (the files themselves are links). */
function consoleWithConfig(config) {
  const dist = resolve(ROOT, process.env.KILN_UI_DIR ?? 'dist');
  const dir = mkdtempSync(join(tmpdir(), 'kiln-ui-oidc-'));
  for (const name of readdirSync(dist)) {
    if (!name.startsWith('config.json')) symlinkSync(join(dist, name), join(dir, name));
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

before(async () => {
  op = await startProvider({ keys: await generateKeys(), accessTokenTtl: TOKEN_TTL_S });
  uiDir = consoleWithConfig({
    build2Url: '/build2/api',
    teamsUrl: '/api/v1',
    defaultTeam: 'alpha',
    oauth: { issuer: op.issuer, clientId: op.clientId, scopes: ['openid', KILN_SCOPE] },
  });
  kiln = await startServer({
    label: 'oidc-signin',
    uiDir,
    args: ['--oidc-issuer', op.issuer, '--oidc-audience', op.audience],
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close().catch(() => {});
  await kiln?.stop();
  await op?.stop();
  if (uiDir) rmSync(uiDir, { recursive: true, force: true });
});

const url = (path) => `${kiln.url}${path}`;

/** The console's bearer token in this tab (gloo-storage keeps it as JSON). */
const tokenOf = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem('kiln.token') ?? 'null'));

/** A GET from the page with its own token; answers the status. */
const statusFromPage = (page, path) =>
  page.evaluate(async (p) => {
    const token = JSON.parse(sessionStorage.getItem('kiln.token') ?? 'null');
    const res = await fetch(p, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return res.status;
  }, path);

/** Opens the console, is asked to sign in, and signs in at the provider's login page. */
async function signIn(user, { shots } = {}) {
  const page = await newPage(browser);
  await page.goto(url('/'));
  const signInButton = page.locator('.auth-sign-in.button-primary');
  await signInButton.waitFor({ timeout: 30_000 });
  if (shots) {
    await screenshot(page, 'oidc-sign-in-offered');
    await screenshotPhone(page, 'oidc-sign-in-offered');
  }
  await signInButton.click();
  await page.waitForURL((u) => u.toString().startsWith(op.issuer), { timeout: 30_000 });
  await page.locator('input[name="login"]').fill(user);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.toString().startsWith(kiln.url) && !u.pathname.startsWith('/auth/'), { timeout: 30_000 });
  await page.locator('.auth-sign-out').waitFor({ timeout: 30_000 });
  // From here on the page should log no errors (before, the 401s and the provider's web
  // font, which a closed network cannot load, are expected).
  return { page, errors: watchErrorsButEvents(page) };
}

/**
 * Like helpers' watchErrors, but without the events stream's 401: EventSource cannot send
 * a bearer token, so against a token-protected service the console polls instead
 * (src/api/events.rs) and the browser logs the refused stream.
 */
function watchErrorsButEvents(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.location().url.includes('/api/v1/events')) {
      errors.push(`console.error: ${msg.text()} (${msg.location().url})`);
    }
  });
  return errors;
}

test('sign in at the provider, build, see it in the team list; the other user cannot', TIMEOUT, async () => {
  const { page, errors } = await signIn('alice', { shots: true });
  assert.deepEqual(
    await page.evaluate(async () => {
      const token = JSON.parse(sessionStorage.getItem('kiln.token'));
      return (await fetch('/api/v1/whoami', { headers: { authorization: `Bearer ${token}` } })).json();
    }),
    { user: 'alice', teams: ['alpha'] },
  );
  assert.equal(
    await page.evaluate(() => Object.keys(sessionStorage).some((k) => k.includes('pending'))),
    false,
    'the pending sign-in (state and verifier) is used up',
  );

  // Submit through the console: the catalog's "Build this dataset" on clean/orders.
  await page.goto(url('/catalog'));
  const catalogRow = page.locator('.catalog-table tr', { hasText: 'clean/orders' }).first();
  await catalogRow.waitFor({ timeout: 30_000 });
  await catalogRow.getByRole('link', { name: /Build this dataset/ }).click();
  const submit = page.getByRole('button', { name: 'Submit build' });
  await page.locator('.submit-button[aria-disabled="false"]').waitFor({ timeout: 30_000 });
  await submit.click();
  // A submission lands on the new build's report.
  await page.waitForURL((u) => u.pathname.startsWith('/builds/ri.'), { timeout: 30_000 });

  await page.goto(url('/teams/alpha/builds'));
  const row = page.locator('.build-row[data-run-id="1"]');
  await row.waitFor({ timeout: 30_000 });
  assert.match(await row.innerText(), /alice/);
  await screenshot(page, 'oidc-signed-in-team-list');
  assert.deepEqual(errors, []);

  const bob = await signIn('bob');
  assert.equal(await statusFromPage(bob.page, '/api/v1/teams/alpha/builds/1'), 404, "bob cannot see alpha's build");
  assert.equal(await statusFromPage(bob.page, '/api/v1/teams/alpha/builds'), 404);
  await bob.page.context().close();
  await page.context().close();
});

test('expired, forged, wrong-audience and wrong-issuer tokens get 401 and an offer to sign in', TIMEOUT, async () => {
  const now = Math.floor(Date.now() / 1000);
  const alice = { sub: 'alice', groups: ['alpha'] };
  const bad = {
    expired: await op.mint({ ...alice, iat: now - 600, exp: now - 300 }),
    forged: await op.mint(alice, { key: 'forged' }),
    'wrong audience': await op.mint({ ...alice, aud: 'urn:someone:else' }),
    'wrong issuer': await op.mint({ ...alice, iss: 'http://127.0.0.1:1' }),
  };
  for (const [what, token] of Object.entries(bad)) {
    const page = await newPage(browser);
    await page.goto(url('/settings'));
    await page.getByLabel('Bearer token').fill(token);
    await page.getByRole('button', { name: 'Use token' }).click();
    assert.equal(await statusFromPage(page, '/api/v1/teams/alpha/builds'), 401, what);
    await page.goto(url('/'));
    await page.locator('.auth-sign-in.button-primary').waitFor({ timeout: 30_000 });
    if (what === 'expired') await screenshot(page, 'oidc-expired-token');
    await page.context().close();
  }
});

test('a cancelled sign-in says so and offers to try again', TIMEOUT, async () => {
  const page = await newPage(browser);
  await page.goto(url('/'));
  await page.locator('.auth-sign-in').click();
  await page.waitForURL((u) => u.toString().startsWith(op.issuer), { timeout: 30_000 });
  await page.getByRole('link', { name: '[ Cancel ]' }).click();
  await page.getByRole('heading', { name: 'Sign-in cancelled' }).waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Try again' }).waitFor();
  await screenshot(page, 'oidc-sign-in-cancelled');
  await screenshotPhone(page, 'oidc-sign-in-cancelled');
  // A replayed answer is not accepted: this tab's sign-in is used up.
  await page.goto(url('/auth/callback?code=replayed&state=whatever'));
  await page.getByRole('heading', { name: 'Sign-in failed' }).waitFor({ timeout: 30_000 });
  await page.context().close();
});

test('the token is refreshed while the page stays open past its lifetime', TIMEOUT, async () => {
  const { page, errors } = await signIn('alice');
  const first = await tokenOf(page);
  await page.evaluate(() => { window.__kilnNoReload = true; });
  // The provider's tokens live TOKEN_TTL_S; the console refreshes a quarter before the end.
  await page.waitForFunction(
    (t) => JSON.parse(sessionStorage.getItem('kiln.token') ?? 'null') !== t,
    first,
    { timeout: (TOKEN_TTL_S + 20) * 1000, polling: 500 },
  );
  // Past the first token's lifetime (and kiln-server's 30 s of clock skew), the page still
  // works with the new one.
  const { exp } = JSON.parse(Buffer.from(first.split('.')[1], 'base64url').toString());
  await page.waitForFunction((until) => Date.now() / 1000 > until, exp + SERVER_LEEWAY_S + 1, { timeout: 90_000, polling: 500 });
  assert.equal(await statusFromPage(page, '/api/v1/whoami'), 200);
  assert.deepEqual(errors, []);
  const old = await page.evaluate(async (t) => (await fetch('/api/v1/whoami', { headers: { authorization: `Bearer ${t}` } })).status, first);
  assert.equal(old, 401, 'the first token has expired by now');
  assert.equal(await page.evaluate(() => window.__kilnNoReload), true, 'no reload');
  assert.equal(await page.locator('.auth-sign-out').count(), 1, 'still signed in');
  await page.context().close();
});
