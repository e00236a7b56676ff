// Signs a user in at the test provider without a browser: the authorization code flow with
// PKCE (S256), driven through the provider's own login and consent forms with fetch, as a
// browser would (cookies kept, redirects followed by hand). For tests that need real
// provider tokens but no page; the browser E2E tests click through the same forms.

import { createHash, randomBytes } from 'node:crypto';
import { CLIENT_ID, KILN_SCOPE } from './provider.mjs';

const b64url = (buf) => buf.toString('base64url');

class Jar {
  #cookies = new Map();
  take(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
  }
  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The `action` of the page's form and its hidden inputs. */
function form(html) {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`no form on the provider's page:\n${html.slice(0, 2000)}`);
  const fields = {};
  for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) {
    fields[m[1]] = m[2];
  }
  return { action: action.replaceAll('&amp;', '&'), fields };
}

/**
 * Runs the code flow for `user` and answers the token endpoint's response
 * (`access_token`, `refresh_token`, `expires_in`, …).
 */
export async function signIn(op, user, { redirectUri = 'http://127.0.0.1:9/auth/callback', scope = `openid ${KILN_SCOPE}` } = {}) {
  const jar = new Jar();
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  const authorize = new URL(`${op.issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    resource: op.audience,
  }).toString();

  let url = authorize.toString();
  let body = null;
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: body ? new URLSearchParams(body).toString() : undefined,
    });
    jar.take(res);
    body = null;
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.toString().startsWith(redirectUri)) {
        if (next.searchParams.get('state') !== state) throw new Error('state mismatch');
        const error = next.searchParams.get('error');
        if (error) throw new Error(`sign-in failed: ${error}: ${next.searchParams.get('error_description')}`);
        return exchange(op, next.searchParams.get('code'), verifier, redirectUri);
      }
      url = next.toString();
      continue;
    }
    const html = await res.text();
    if (!res.ok) throw new Error(`provider answered ${res.status}: ${html.slice(0, 500)}`);
    const { action, fields } = form(html);
    body = fields.prompt === 'login' ? { ...fields, login: user, password: 'any' } : fields;
    url = new URL(action, url).toString();
  }
  throw new Error('too many hops in the sign-in flow');
}

async function exchange(op, code, verifier, redirectUri) {
  const res = await fetch(`${op.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: redirectUri,
      client_id: CLIENT_ID,
    }).toString(),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}
