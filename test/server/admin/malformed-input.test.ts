/**
 * Every state-changing admin route — the admin table's and the spike guard's — against the same
 * malformed requests: not JSON, the wrong media type, the wrong shape, unknown fields, too deep, too
 * large, empty. Each answers a 4xx with a stable code and no stack trace, and the spike routes
 * refuse missing credentials (401) and missing scopes (403) like the table routes
 * (test/server/admin-auth.test.ts), recording a known caller's refused attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTE_TABLE } from '../../../src/server/admin/index.js';
import { SPIKE_ROUTES } from '../../../src/server/spike/admin-routes.js';
import { type AttachedSpikeGuard, attachSpikeGuard } from '../../../src/server/spike/attach.js';
import { MemoryNarrowings } from '../../../src/server/spike/narrowing-store.js';
import { type AdminServer, API_KEYS, adminRecords, startAdminServer } from '../admin-fixture.js';

let t: AdminServer;
let guard: AttachedSpikeGuard;

beforeAll(async () => {
  t = await startAdminServer();
  guard = attachSpikeGuard(t.server, { store: new MemoryNarrowings(), instance: 'test' });
});
afterAll(async () => {
  await guard?.stop();
  await t?.close();
});

/** The key with the route's scope. */
function keyFor(scope: string): string {
  const entry = Object.values(API_KEYS).find((k) => k.scopes.includes(scope as never));
  if (!entry) throw new Error(`no test key holds ${scope}`);
  return entry.key;
}

const routes: [string, string][] = [
  ...Object.entries(ADMIN_ROUTE_TABLE)
    .filter(([, r]) => r.method === 'POST')
    .map(([p, r]) => [p, r.scope] as [string, string]),
  ['/v1/admin/spikes/clear', 'killswitch'],
];
/** Routes whose body is a bundle's text rather than a JSON request object. */
const BUNDLE_BODY = new Set(['/v1/admin/bundles/upload', '/v1/admin/bundles/verify']);

const deep = `${'['.repeat(200)}${']'.repeat(200)}`;
const huge = `{"reason":"${'x'.repeat(1024 * 1024 + 10)}"}`;

async function send(path: string, scope: string, body: string, contentType = 'application/json') {
  const res = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keyFor(scope)}`, 'content-type': contentType },
    body,
  });
  const text = await res.text();
  return { status: res.status, text, code: (JSON.parse(text) as { error?: { code?: string } }).error?.code };
}

describe('malformed requests to every state-changing admin route', () => {
  it('covers the admin table and the spike routes', () => {
    expect(routes.map(([p]) => p)).toContain('/v1/admin/spikes/clear');
    expect(routes).toHaveLength(11);
  });

  const cases: [string, string, string | undefined, (path: string) => [number, string]][] = [
    [
      'not JSON',
      '{"reason": ',
      undefined,
      (p) => (BUNDLE_BODY.has(p) ? [422, 'bundle/malformed'] : [400, 'server/bad-json']),
    ],
    ['an empty body', '', undefined, () => [400, 'server/bad-json']],
    ['text/plain', '{}', 'text/plain', () => [415, 'server/unsupported-media-type']],
    [
      'a JSON array',
      '[]',
      undefined,
      (p) => (BUNDLE_BODY.has(p) ? [422, 'bundle/malformed'] : [422, 'server/invalid-request']),
    ],
    [
      'a JSON string',
      '"activate"',
      undefined,
      (p) => (BUNDLE_BODY.has(p) ? [422, 'bundle/malformed'] : [422, 'server/invalid-request']),
    ],
    [
      'an unknown field',
      '{"bogus":1}',
      undefined,
      (p) => (BUNDLE_BODY.has(p) ? [422, 'bundle/malformed'] : [422, 'server/invalid-request']),
    ],
    ['200 levels deep', deep, undefined, () => [400, 'server/too-deep']],
  ];

  for (const [name, body, type, want] of cases)
    it.each(routes)(`%s refuses ${name} with a stable code`, async (path, scope) => {
      const r = await send(path, scope, body, type);
      expect([path, r.status, r.code]).toEqual([path, ...want(path)]);
      expect(r.text).not.toMatch(/\n\s+at |node:internal|\.ts:\d+/);
    });

  it.each(routes.filter(([p]) => !BUNDLE_BODY.has(p)))(
    '%s refuses a body over the request limit with 413 server/body-too-large',
    async (path, scope) => {
      const r = await send(path, scope, huge);
      expect([r.status, r.code]).toEqual([413, 'server/body-too-large']);
    },
  );

  it.each(
    Object.entries(ADMIN_ROUTE_TABLE).filter(([, r]) => r.method === 'GET') as [string, { scope: string }][],
  )('GET %s refuses an unknown query parameter with 422 server/invalid-request', async (path, r) => {
    const res = await fetch(`${t.url}${path}?colour=blue`, {
      headers: { authorization: `Bearer ${keyFor(r.scope)}` },
    });
    const body = (await res.json()) as { error?: { code: string } };
    expect([path, res.status, body.error?.code]).toEqual([path, 422, 'server/invalid-request']);
  });

  it.each(routes)(
    'POST %s refuses a query parameter with 422 server/invalid-request',
    async (path, scope) => {
      const res = await fetch(`${t.url}${path}?dryRun=1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keyFor(scope)}`, 'content-type': 'application/json' },
        body: '{}',
      });
      const body = (await res.json()) as { error?: { code: string; message: string } };
      expect([path, res.status, body.error?.code]).toEqual([path, 422, 'server/invalid-request']);
      expect(body.error?.message).toBe('unknown query parameter `dryRun`');
    },
  );

  it('GET /v1/admin/spikes (an extension route) refuses a query parameter', async () => {
    const res = await fetch(`${t.url}/v1/admin/spikes?route=claims`, {
      headers: { authorization: `Bearer ${keyFor('admin:read')}` },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'unknown query parameter `route`',
    );
  });

  it('GET /v1/admin/bundles/history names the parameters it knows', async () => {
    const res = await fetch(`${t.url}/v1/admin/bundles/history?limt=5`, {
      headers: { authorization: `Bearer ${keyFor('admin:read')}` },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      'unknown query parameter `limt` (known: limit)',
    );
    const ok = await fetch(`${t.url}/v1/admin/bundles/history?limit=5`, {
      headers: { authorization: `Bearer ${keyFor('admin:read')}` },
    });
    expect(ok.status).toBe(200);
  });

  it('changed nothing: no bundle active, no switch, no narrowing, no grant', async () => {
    expect(t.runtime.current().kind).toBe('safe-baseline');
    expect(t.server.killSwitches.list()).toEqual([]);
    expect(guard.spike.store.list()).toEqual([]);
  });
});

describe('spike routes: authentication and authorization', () => {
  it.each(Object.entries(SPIKE_ROUTES))(
    '%s answers 401 server/unauthorized without credentials',
    async (path, method) => {
      const res = await fetch(`${t.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{"all":true}' } : {}),
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('server/unauthorized');
    },
  );

  it.each([
    ['/v1/admin/spikes', 'GET', 'admin:read'],
    ['/v1/admin/spikes/clear', 'POST', 'killswitch'],
  ])('%s answers 403 server/forbidden to every caller without %s', async (path, method, scope) => {
    const without = Object.entries(API_KEYS).filter(([, k]) => !k.scopes.includes(scope as never));
    expect(without.length).toBeGreaterThan(0);
    for (const [who, k] of without) {
      const res = await fetch(`${t.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{"all":true}' } : {}),
      });
      expect([who, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([
        who,
        403,
        'server/forbidden',
      ]);
    }
  });

  it('a clear by a caller with the scope is audited, a malformed one as refused', async () => {
    const before = adminRecords(t.sink).length;
    await send('/v1/admin/spikes/clear', 'killswitch', '{"all":true}');
    await send('/v1/admin/spikes/clear', 'killswitch', '{"trigger":"a b"}');
    await send('/v1/admin/spikes/clear?dryRun=1', 'killswitch', '{"all":true}');
    await t.sink.flush();
    const recs = adminRecords(t.sink)
      .slice(before)
      .map((r) => (r as { context: Record<string, unknown> }).context);
    expect(recs).toEqual([
      expect.objectContaining({ action: 'route:/v1/admin/spikes/clear', outcome: 'ok' }),
      expect.objectContaining({
        action: 'route:/v1/admin/spikes/clear',
        outcome: 'refused',
        code: 'server/invalid-request',
      }),
      expect.objectContaining({
        action: 'route:/v1/admin/spikes/clear',
        outcome: 'refused',
        code: 'server/invalid-request',
      }),
    ]);
  });
});
