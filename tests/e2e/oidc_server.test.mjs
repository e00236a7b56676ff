// kiln-server with `--oidc-issuer` against the real OpenID provider (tests/oidc/provider.mjs):
// tokens that the provider issued through its own login and consent pages (no browser here;
// tests/oidc/signin.mjs drives the forms), and tokens minted with its real key but bad
// claims, or with another key. The browser sign-in is in oidc_signin.test.mjs.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers.mjs';
import { generateKeys, startProvider } from '../oidc/provider.mjs';
import { signIn } from '../oidc/signin.mjs';

let op;
let kiln;
before(async () => {
  op = await startProvider({ keys: await generateKeys() });
  kiln = await startServer({
    label: 'oidc-server',
    args: ['--oidc-issuer', op.issuer, '--oidc-audience', op.audience],
  });
});
after(async () => {
  await kiln?.stop();
  await op?.stop();
});

const get = (path, token) =>
  fetch(`${kiln.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

async function datasetRid(name, token) {
  const res = await get(`/api/v1/catalog/datasets?q=${encodeURIComponent(name)}&limit=50`, token);
  assert.equal(res.status, 200);
  return (await res.json()).datasets.find((d) => d.name === name).rid;
}

test('a signed-in user builds in their team; the other user gets 404', async () => {
  const alice = (await signIn(op, 'alice')).access_token;
  const bob = (await signIn(op, 'bob')).access_token;
  assert.deepEqual(await (await get('/api/v1/whoami', alice)).json(), { user: 'alice', teams: ['alpha'] });
  assert.deepEqual(await (await get('/api/v1/whoami', bob)).json(), { user: 'bob', teams: ['beta'] });

  const rid = await datasetRid('clean/orders', alice);
  const res = await fetch(`${kiln.url}/build2/api/manager/submitBuild`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      jobSpecSelections: [{ type: 'datasets', datasets: { datasetRids: [rid], isRequired: true } }],
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { buildRid } = await res.json();

  const mine = await get('/api/v1/teams/alpha/builds', alice);
  assert.equal(mine.status, 200);
  const build = (await mine.json()).builds.find((b) => b.buildRid === buildRid);
  assert.ok(build, "the build is in alice's team list");
  assert.equal(build.createdBy, 'alice');
  assert.equal((await get(`/api/v1/teams/alpha/builds/${build.runId}`, alice)).status, 200);
  assert.equal((await get(`/api/v1/teams/alpha/builds/${build.runId}`, bob)).status, 404);
  assert.equal((await get('/api/v1/teams/alpha/builds', bob)).status, 404);
});

test('a refreshed token works too', async () => {
  const first = await signIn(op, 'alice');
  assert.ok(first.refresh_token, 'the provider issues a refresh token');
  const res = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: op.clientId,
    }).toString(),
  });
  const next = await res.json();
  assert.equal(res.status, 200, JSON.stringify(next));
  assert.notEqual(next.access_token, first.access_token);
  assert.equal((await get('/api/v1/whoami', next.access_token)).status, 200);
});

test('expired, forged, wrong-audience and wrong-issuer tokens get 401', async () => {
  const now = Math.floor(Date.now() / 1000);
  const alice = { sub: 'alice', groups: ['alpha'] };
  const good = await op.mint(alice);
  assert.equal((await get('/api/v1/whoami', good)).status, 200, 'the minted control token is accepted');
  const bad = {
    expired: await op.mint({ ...alice, iat: now - 600, exp: now - 300 }),
    forged: await op.mint(alice, { key: 'forged' }),
    'wrong audience': await op.mint({ ...alice, aud: 'urn:someone:else' }),
    'wrong issuer': await op.mint({ ...alice, iss: 'http://127.0.0.1:1' }),
    'not yet valid': await op.mint({ ...alice, nbf: now + 600 }),
  };
  for (const [what, token] of Object.entries(bad)) {
    const res = await get('/api/v1/teams/alpha/builds', token);
    assert.equal(res.status, 401, what);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer', what);
    assert.equal((await res.json()).errorCode, 'PERMISSION_DENIED', what);
  }
  assert.equal((await get('/api/v1/teams/alpha/builds')).status, 401, 'no token');
});
