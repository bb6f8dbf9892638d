/** Admin API authorization: every admin route refuses without credentials (401) and without its scope (403). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTE_TABLE } from '../../src/server/admin/index.js';
import { type AdminServer, API_KEYS, adminRecords, startAdminServer } from './admin-fixture.js';

let t: AdminServer;
beforeAll(async () => {
  t = await startAdminServer();
});
afterAll(async () => {
  await t.close();
});

const routes = Object.entries(ADMIN_ROUTE_TABLE) as [string, { method: 'GET' | 'POST'; scope: string }][];

describe('admin authorization', () => {
  it('lists every admin route with one of the five scopes', () => {
    expect(routes.length).toBe(16);
    for (const [, r] of routes)
      expect(['decide', 'admin:read', 'bundles:activate', 'exceptions:grant', 'killswitch']).toContain(
        r.scope,
      );
  });

  it.each(routes)('%s answers 401 server/unauthorized without credentials', async (path, r) => {
    const res = await t.call(undefined, r.method, path, r.method === 'POST' ? {} : undefined);
    expect([res.status, res.body.error.code]).toEqual([401, 'server/unauthorized']);
  });

  it.each(routes)('%s answers 401 for an unknown key', async (path, r) => {
    const res = await fetch(`${t.url}${path}`, {
      method: r.method,
      headers: { authorization: 'Bearer not-a-key', 'content-type': 'application/json' },
      ...(r.method === 'POST' ? { body: '{}' } : {}),
    });
    expect(res.status).toBe(401);
  });

  it.each(routes)('%s answers 403 server/forbidden to callers without its scope', async (path, r) => {
    const without = Object.entries(API_KEYS).filter(([, k]) => !k.scopes.includes(r.scope as never));
    expect(without.length).toBeGreaterThan(0);
    for (const [who] of without) {
      const res = await t.call(who, r.method, path, r.method === 'POST' ? {} : undefined);
      expect([who, res.status, res.body.error.code]).toEqual([who, 403, 'server/forbidden']);
    }
  });

  it('records refused state-changing attempts by known callers, never the key', async () => {
    const before = adminRecords(t.sink).length;
    await t.call('decider', 'POST', '/v1/admin/bundles/activate', { digest: 'x', reason: 'y' });
    await t.sink.flush();
    const recs = adminRecords(t.sink).slice(before);
    expect(recs).toHaveLength(1);
    expect(recs[0].context).toMatchObject({
      actor: 'decider',
      action: 'bundles.activate',
      outcome: 'refused',
      code: 'server/forbidden',
    });
    expect(recs[0].outcome).toBe('blocked');
    const text = JSON.stringify(t.sink.store.links_);
    for (const k of Object.values(API_KEYS)) expect(text).not.toContain(k.key);
  });

  it('answers 405 with Allow for the wrong method', async () => {
    const res = await fetch(`${t.url}/v1/admin/bundles/upload`, {
      headers: { authorization: `Bearer ${API_KEYS.operator!.key}` },
    });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
