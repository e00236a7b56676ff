// Signing in to a Foundry-shaped stack in Foundry mode, end to end in headless Chromium:
// config.json has only `"api": "foundry"`, `foundryUrl` and `oauth.clientId`, as README's
// "Console on a Foundry stack" says. The stack is one origin, as a Foundry stack is: its
// multipass sign-in (a real OpenID provider, npm oidc-provider, on multipass's fixed OAuth2
// paths, asked for Foundry's default scopes) and its public API (/api/v2, served by a
// kiln-server that checks the provider's tokens). The console is served from its own origin.
// Sign in at the stack's login page, come back, build, see the build in the list, and sign
// out, which revokes the grant.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, launchBrowser, screenshot, screenshotPhone, startServer } from './helpers.mjs';
import { FOUNDRY_SCOPES, MULTIPASS_ROUTES, generateKeys, startProvider } from '../oidc/provider.mjs';

const TIMEOUT = { timeout: 180_000 };
const WAIT = { timeout: 30_000 };

let op; // the stack's origin: multipass (oidc-provider) and, through it, /api on kiln-server
let kiln; // the stack's public API
let consoleServer; // the console's own origin
let browser;
let uiDir;

/** The stack's /api/* goes to kiln-server, as one origin; everything else is multipass. */
function forwardApi(req, res) {
  if (!req.url.startsWith('/api/') || !kiln) return false;
  const target = new URL(kiln.url);
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', (err) => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`the stack's API is not reachable: ${err.message}`);
  });
  req.pipe(upstream);
  return true;
}

before(async () => {
  const dist = resolve(ROOT, process.env.KILN_UI_DIR ?? 'dist');
  uiDir = mkdtempSync(join(tmpdir(), 'kiln-ui-foundry-signin-'));
  for (const name of readdirSync(dist)) {
    if (!name.startsWith('config.json')) symlinkSync(join(dist, name), join(uiDir, name));
  }
  writeFileSync(join(uiDir, 'config.json'), '{}');
  op = await startProvider({
    keys: await generateKeys(),
    routes: MULTIPASS_ROUTES,
    resourceScopes: [...FOUNDRY_SCOPES],
    intercept: forwardApi,
  });
  consoleServer = await startServer({ label: 'foundry-signin-console', uiDir });
  kiln = await startServer({
    label: 'foundry-signin-stack',
    args: ['--oidc-issuer', op.issuer, '--oidc-audience', op.audience, '--cors-origin', consoleServer.url],
  });
  // Exactly what README's "Console on a Foundry stack" gives.
  writeFileSync(join(uiDir, 'config.json'), JSON.stringify({ api: 'foundry', foundryUrl: op.issuer, oauth: { clientId: op.clientId } }));
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close().catch(() => {});
  await consoleServer?.stop();
  await kiln?.stop();
  await op?.stop();
  if (uiDir) rmSync(uiDir, { recursive: true, force: true });
});

test('sign in at the stack, build, see it listed, sign out (the grant is revoked)', TIMEOUT, async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const authorize = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.origin === op.issuer && url.pathname === MULTIPASS_ROUTES.authorization) authorize.push(url);
  });

  // Without a token the stack answers 401, and the console offers to sign in.
  await page.goto(`${consoleServer.url}/`);
  const signIn = page.locator('.auth-sign-in.button-primary');
  await signIn.waitFor(WAIT);
  await screenshot(page, 'foundry-sign-in-offered');
  await screenshotPhone(page, 'foundry-sign-in-offered');
  await signIn.click();
  await page.waitForURL((u) => u.toString().startsWith(op.issuer), WAIT);
  assert.equal(authorize.length, 1, 'one authorize request, at multipass');
  const params = authorize[0].searchParams;
  assert.equal(params.get('scope'), 'api:orchestration-read api:orchestration-write api:datasets-read offline_access');
  assert.equal(params.get('code_challenge_method'), 'S256');
  assert.equal(params.get('redirect_uri'), `${consoleServer.url}/auth/callback`);
  await page.locator('input[name="login"]').fill('alice');
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.toString().startsWith(consoleServer.url) && !u.pathname.startsWith('/auth/'), WAIT);
  await page.locator('.auth-sign-out').waitFor(WAIT);
  // From here on nothing should fail (before, the 401 and the login page's web font were expected).
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()} (${msg.location().url})`);
  });
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('kiln.token') ?? 'null'));
  assert.ok(token, 'the access token is the session token');

  // Build through the public API with the token, and see it in the list as alice's.
  const catalog = await fetch(`${kiln.url}/api/v1/catalog/datasets?q=clean%2Forders&limit=50`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(catalog.status, 200);
  const orders = (await catalog.json()).datasets.find((d) => d.name === 'clean/orders').rid;
  await page.goto(`${consoleServer.url}/submit`);
  await page.locator('.submit-form').waitFor(WAIT);
  await page.getByLabel('Datasets to build', { exact: true }).fill(`${orders} `);
  await page.locator('.chip', { hasText: orders }).waitFor(WAIT);
  await page.locator('.submit-button[aria-disabled="false"]').waitFor(WAIT);
  await page.getByRole('button', { name: 'Submit build' }).click();
  // A submission lands on the new build's report.
  await page.waitForURL((u) => u.pathname.startsWith('/builds/ri.'), WAIT);
  const rid = decodeURIComponent(new URL(page.url()).pathname.slice('/builds/'.length));
  await page.goto(`${consoleServer.url}/builds`);
  const row = page.locator(`.public-build-row[data-rid="${rid}"]`);
  await row.waitFor(WAIT);
  const build = await (await fetch(`${kiln.url}/api/v2/orchestration/builds/${rid}`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(await row.locator('.col-who').innerText(), build.createdBy, "the list shows the build's creator");
  await screenshot(page, 'foundry-signed-in-builds');
  await screenshotPhone(page, 'foundry-signed-in-builds');

  // Another user of the stack cannot see it.
  const bob = await op.mint({ sub: 'bob', groups: ['beta'] });
  assert.equal((await fetch(`${kiln.url}/api/v2/orchestration/builds/${rid}`, { headers: { authorization: `Bearer ${bob}` } })).status, 404);

  // Sign out revokes the grant at multipass: the refresh token no longer works.
  // The console's tokens in this tab (src/auth/store.rs), as gloo-storage keeps them.
  const tokens = await page.evaluate(() => JSON.parse(sessionStorage.getItem('kiln.oauth.tokens') ?? 'null'));
  const refreshToken = tokens?.refresh_token;
  assert.ok(refreshToken, 'the tab holds a refresh token');
  assert.equal(tokens.endpoints.token, `${op.issuer}${MULTIPASS_ROUTES.token}`);
  assert.deepEqual(errors, [], 'nothing failed while signed in');
  const revoked = page.waitForResponse((r) => new URL(r.url()).pathname === MULTIPASS_ROUTES.revocation);
  await page.locator('.auth-sign-out').click();
  assert.equal((await revoked).status(), 200);
  await page.locator('.auth-sign-in').waitFor(WAIT);
  // Signed out, the stack's API answers 401 again (expected); nothing else may fail, and the
  // sign-out shows no error (oidc-provider cannot revoke its JWT access tokens and says so).
  await page.locator('.auth-sign-in.button-primary').waitFor(WAIT);
  for (const banner of await page.locator('.error-banner').allInnerTexts()) {
    assert.doesNotMatch(banner, /unsupported_token_type|\b400\b/, 'the sign-out reported no failure');
  }
  const refresh = await fetch(`${op.issuer}${MULTIPASS_ROUTES.token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: op.clientId }),
  });
  assert.equal(refresh.status, 400, 'a revoked refresh token is refused');
  assert.equal((await refresh.json()).error, 'invalid_grant');
  const unexpected = errors.filter((e) => !(e.includes('status of 401') && e.includes('/api/v2/')) && !e.includes('unsupported_token_type') && !(e.includes('status of 400') && e.includes(MULTIPASS_ROUTES.revocation)));
  assert.deepEqual(unexpected, []);
  await context.close();
});
