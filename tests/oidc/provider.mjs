// A real OpenID provider for Kiln's tests: npm `oidc-provider` (a certified implementation)
// on loopback, with its own login page (devInteractions), one public PKCE client for the
// console, and two users in different teams. Access tokens for kiln-server are JWTs
// (`features.resourceIndicators` with `accessTokenFormat: 'jwt'`), signed with keys the test
// generates, so a test can also mint expired, wrong-audience and wrong-issuer tokens with the
// real key, and forged ones with another key.
//
//   import { generateKeys, startProvider } from '../oidc/provider.mjs';
//   const keys = await generateKeys();
//   const op = await startProvider({ keys, accessTokenTtl: 20 });
//   // op.issuer, op.audience, op.clientId; op.mint({...claims}, {key: 'forged'}); await op.stop();
//
// Run by hand (a sign-in provider for `cargo run -p kiln-server -- --oidc-issuer …`):
//   node tests/oidc/provider.mjs [--port 4400] [--redirect http://127.0.0.1:8080/auth/callback]
// Log in as `alice` (team alpha) or `bob` (team beta); any password.
//
// Node 20 prints "Unsupported runtime. Use Node.js v22.x"; the provider works there.

import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import Provider, { errors } from 'oidc-provider';
import * as jose from 'jose';

/** The two users the login page knows, and their teams (the `groups` claim). */
export const USERS = Object.freeze({
  alice: Object.freeze({ groups: ['alpha'] }),
  bob: Object.freeze({ groups: ['beta'] }),
});

/** The console's client id, and the audience of kiln-server's access tokens. */
export const CLIENT_ID = 'kiln-console';
export const AUDIENCE = 'urn:kiln:server';
/** The resource server's one scope; a client asks for it to get kiln-server tokens. */
export const KILN_SCOPE = 'kiln';

/**
 * A Foundry stack's sign-in: multipass's fixed OAuth2 paths (the console builds them from
 * `foundryUrl`, with no discovery) and the scopes a Foundry app asks for by default. Give
 * both to startProvider to play a stack's multipass.
 */
export const MULTIPASS_ROUTES = Object.freeze({
  authorization: '/multipass/api/oauth2/authorize',
  token: '/multipass/api/oauth2/token',
  revocation: '/multipass/api/oauth2/revoke_token',
});
export const FOUNDRY_SCOPES = Object.freeze(['api:orchestration-read', 'api:orchestration-write', 'api:datasets-read']);

/**
 * Signing keys for a provider: `signing` (in its JWKS) and `forged` (same `kid`, other key;
 * never published).
 */
export async function generateKeys() {
  const make = async (kid) => {
    const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
    return { kid, jwk, privateKey };
  };
  return { signing: await make('kiln-test-1'), forged: await make('kiln-test-1') };
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

/**
 * Starts the provider on a loopback port.
 *
 * @param {object} options
 * @param {{signing: object, forged: object}} options.keys   from generateKeys()
 * @param {number} [options.port]            0 (default) picks a free one
 * @param {number} [options.accessTokenTtl]  seconds (default 300); short to test refresh
 * @param {string[]} [options.redirectUris]  the console's callback(s); the client is a
 *   native one, so any port of a loopback URI given here is allowed (RFC 8252 §7.3)
 * @param {object} [options.routes]          oidc-provider's `routes` (e.g. MULTIPASS_ROUTES)
 * @param {string[]} [options.resourceScopes] kiln-server's scopes (default [KILN_SCOPE])
 * @param {(req, res) => boolean} [options.intercept]  sees every request first and answers
 *   true when it has handled it (a stack's other services on the provider's origin)
 * @returns {Promise<{issuer: string, audience: string, clientId: string, provider: Provider,
 *   mint: (claims: object, opts?: {key?: 'signing'|'forged', ttl?: number}) => Promise<string>,
 *   stop: () => Promise<void>}>}
 */
export async function startProvider({
  keys,
  port = 0,
  accessTokenTtl = 300,
  redirectUris = ['http://127.0.0.1/auth/callback'],
  routes,
  resourceScopes = [KILN_SCOPE],
  intercept,
} = {}) {
  // The issuer includes the port, so bind first, then build the provider on that port.
  const server = createServer();
  const bound = await listen(server, port);
  const issuer = `http://127.0.0.1:${bound}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    }],
    jwks: { keys: [keys.signing.jwk] },
    cookies: { keys: ['kiln-test-cookies-only'] },
    pkce: { required: () => true },
    ...(routes ? { routes } : {}),
    scopes: ['openid', 'offline_access', ...resourceScopes],
    claims: { openid: ['sub'], profile: ['preferred_username', 'groups'] },
    async findAccount(_ctx, id) {
      const user = USERS[id];
      if (!user) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, preferred_username: id, groups: user.groups }) };
    },
    // The console's origin, on whatever loopback port the test gave kiln-server.
    clientBasedCORS(_ctx, origin) {
      return /^http:\/\/127\.0\.0\.1:\d+$/.test(origin);
    },
    // Refresh tokens without `offline_access` (which oidc-provider grants only with
    // prompt=consent): the console refreshes whatever it asked for.
    async issueRefreshToken(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    ttl: {
      AccessToken: accessTokenTtl,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
      Interaction: 3600,
      AuthorizationCode: 60,
    },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        async getResourceServerInfo(_ctx, indicator) {
          if (indicator !== AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: resourceScopes.join(' '),
            audience: AUDIENCE,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    async extraTokenClaims(_ctx, token) {
      const user = USERS[token.accountId];
      return user ? { groups: user.groups } : undefined;
    },
  });
  // Quiet: the provider reports every refused request (the tests make many on purpose).
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  const callback = provider.callback();
  server.on('request', (req, res) => {
    if (!intercept?.(req, res)) callback(req, res);
  });

  /** Signs `claims` as a kiln-server access token would look, with the real or a forged key. */
  const mint = async (claims, { key = 'signing', ttl = accessTokenTtl } = {}) => {
    const k = keys[key];
    const now = Math.floor(Date.now() / 1000);
    return new jose.SignJWT({ iss: issuer, aud: AUDIENCE, iat: now, exp: now + ttl, ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: k.kid, typ: 'at+jwt' })
      .sign(k.privateKey);
  };

  const stop = () => new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
  return { issuer, audience: AUDIENCE, clientId: CLIENT_ID, provider, mint, stop };
}

// `node tests/oidc/provider.mjs`: a provider to sign in with by hand.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const op = await startProvider({
    keys: await generateKeys(),
    port: Number(arg('--port', '4400')),
    redirectUris: [arg('--redirect', 'http://127.0.0.1/auth/callback')],
    accessTokenTtl: Number(arg('--ttl', '300')),
  });
  console.log(`oidc-provider listening on ${op.issuer}`);
  console.log(`kiln-server flags: --oidc-issuer ${op.issuer} --oidc-audience ${op.audience}`);
  console.log('users: alice (team alpha), bob (team beta); any password');
}
