import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, validateApiKeys } from '../../src/server/index.js';
import { postJson, REQUESTS, startTestServer, type TestServer } from './test-server.js';

const DECIDE_KEY = 'rk_test_decide_only_0123456789abcdef';
const ADMIN_KEY = 'rk_test_admin_0123456789abcdef012345';
const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';

async function hsToken(
  claims: Record<string, unknown>,
  opts: { issuer?: string; audience?: string; secret?: string } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(opts.issuer ?? 'https://idp.test')
    .setAudience(opts.audience ?? 'rampart')
    .setSubject('svc-claims')
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

describe('API keys and HS256 JWTs', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      auth: {
        apiKeys: [
          { id: 'claims-backend', sha256: hashApiKey(DECIDE_KEY), scopes: ['decide'] },
          { id: 'ops', sha256: hashApiKey(ADMIN_KEY), scopes: ['decide', 'admin:read'] },
        ],
        jwt: { secret: SECRET, issuer: 'https://idp.test', audience: 'rampart' },
      },
    });
  });
  afterAll(() => t.close());

  const decide = (headers: Record<string, string>) =>
    postJson(`${t.url}/v1/decide/tool`, REQUESTS.refundOverLimit, headers);

  it('refuses a request without credentials with 401', async () => {
    const r = await decide({});
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('server/unauthorized');
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
  });

  it.each([
    ['an unknown key', 'Bearer rk_wrong'],
    ['a non-bearer scheme', `Basic ${DECIDE_KEY}`],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s with 401', async (_name, authorization) => {
    const r = await decide({ authorization });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('server/unauthorized');
  });

  it('lets a decide key decide but hides the internal reason', async () => {
    const r = await decide({ authorization: `Bearer ${DECIDE_KEY}` });
    expect(r.status).toBe(200);
    expect(r.body).not.toHaveProperty('reason');
  });

  it('shows the internal reason and evidence to admin:read', async () => {
    const r = await decide({ authorization: `Bearer ${ADMIN_KEY}` });
    expect(r.status).toBe(200);
    expect(r.body.reason).toEqual(expect.any(String));
    expect(r.body).toHaveProperty('evidence');
  });

  it('needs admin:read for /metrics once authentication is configured', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    const forbidden = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${DECIDE_KEY}` } });
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { error: { code: string } }).error.code).toBe('server/forbidden');
    expect(
      (await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status,
    ).toBe(200);
  });

  it('keeps health, readiness and the OpenAPI document public', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json'])
      expect((await fetch(`${t.url}${path}`)).status).toBe(200);
  });

  it('accepts a valid JWT with the decide scope', async () => {
    const r = await decide({ authorization: `Bearer ${await hsToken({ scope: 'decide' })}` });
    expect(r.status).toBe(200);
  });

  it('refuses a JWT without the decide scope with 403', async () => {
    const r = await decide({ authorization: `Bearer ${await hsToken({ scope: 'killswitch' })}` });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('server/forbidden');
  });

  it.each([
    ['wrong issuer', { issuer: 'https://evil.test' }],
    ['wrong audience', { audience: 'someone-else' }],
    ['wrong secret', { secret: 'another-secret-that-is-at-least-32-bytes-long' }],
  ])('refuses a JWT with the %s with 401', async (_name, opts) => {
    const r = await decide({ authorization: `Bearer ${await hsToken({ scope: 'decide' }, opts)}` });
    expect(r.status).toBe(401);
  });

  it('refuses an expired JWT', async () => {
    const token = await new SignJWT({ scope: 'decide' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp.test')
      .setAudience('rampart')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(SECRET));
    expect((await decide({ authorization: `Bearer ${token}` })).status).toBe(401);
  });
});

describe('EdDSA JWTs', () => {
  it('verifies with the configured public key and refuses another key', async () => {
    const good = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519');
    const t = await startTestServer({
      auth: {
        jwt: {
          publicKey: good.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          audience: 'rampart',
        },
      },
    });
    try {
      const sign = (key: typeof good.privateKey) =>
        new SignJWT({ scopes: ['decide'] })
          .setProtectedHeader({ alg: 'EdDSA' })
          .setAudience('rampart')
          .setExpirationTime('5m')
          .sign(key);
      const ok = await postJson(`${t.url}/v1/decide/input`, REQUESTS.customerQuestion, {
        authorization: `Bearer ${await sign(good.privateKey)}`,
      });
      expect(ok.status).toBe(200);
      const bad = await postJson(`${t.url}/v1/decide/input`, REQUESTS.customerQuestion, {
        authorization: `Bearer ${await sign(other.privateKey)}`,
      });
      expect(bad.status).toBe(401);
    } finally {
      await t.close();
    }
  });
});

describe('validateApiKeys', () => {
  it.each([
    [[{ id: 'a', sha256: 'abc', scopes: ['decide'] }], /sha256/],
    [[{ id: 'a', sha256: hashApiKey('k'), scopes: ['root'] }], /scopes/],
    [[{ sha256: hashApiKey('k'), scopes: [] }], /id/],
    ['keys', /list/],
  ])('refuses %j', (entries, message) => {
    expect(() => validateApiKeys(entries)).toThrow(message);
  });

  it('stores only the hash', () => {
    expect(hashApiKey('secret')).toBe(
      'sha256:2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b',
    );
  });
});
