import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, KILL_SWITCH_RULE, RedisKillSwitches } from '../../src/server/index.js';
import { redisAvailable } from '../support/redis-probe.js';
import { type Json, postJson, REQUESTS, startTestServer, type TestServer } from './test-server.js';

const OPERATOR = 'rk_operator_0123456789abcdef01234567';
const APP = 'rk_app_0123456789abcdef0123456789ab';

describe('kill switches over the admin API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      auth: {
        apiKeys: [
          { id: 'oncall', sha256: hashApiKey(OPERATOR), scopes: ['decide', 'admin:read', 'killswitch'] },
          { id: 'app', sha256: hashApiKey(APP), scopes: ['decide'] },
        ],
      },
    });
  });
  afterAll(() => t.close());

  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const flip = (body: unknown, key = OPERATOR) => postJson(`${t.url}/v1/admin/killswitch`, body, as(key));
  const refund = () => postJson(`${t.url}/v1/decide/tool`, REQUESTS.refundOverLimit, as(APP));

  it('denies a killed tool with rampart/kill-switch, records it, and allows it again once cleared', async () => {
    expect((await refund()).body.effect).toBe('allow_with_conditions');
    const on = await flip({ kind: 'tool', name: 'payments.refund', reason: 'payouts incident' });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ kind: 'tool', name: 'payments.refund', enabled: true, actor: 'oncall' });
    const denied = await refund();
    expect(denied.body.effect).toBe('deny');
    expect(denied.body.rules).toEqual([KILL_SWITCH_RULE]);
    expect(denied.body).not.toHaveProperty('reason');
    await t.sink.flush();
    expect(t.sink.records.at(-1)?.rules).toEqual([KILL_SWITCH_RULE]);
    const list = await fetch(`${t.url}/v1/admin/killswitches`, { headers: as(OPERATOR) });
    expect(((await list.json()) as Json).killSwitches.map((k: Json) => k.name)).toEqual(['payments.refund']);
    const off = await flip({ kind: 'tool', name: 'payments.refund', enabled: false });
    expect(off.body).toMatchObject({ enabled: false, changed: true });
    expect((await refund()).body.effect).toBe('allow_with_conditions');
  });

  it('denies every point on a killed route', async () => {
    await flip({ kind: 'route', name: 'customer-chat', reason: 'abuse wave' });
    try {
      const r = await postJson(`${t.url}/v1/decide/input`, REQUESTS.customerQuestion, as(APP));
      expect(r.body.effect).toBe('deny');
      expect(r.body.rules).toEqual([KILL_SWITCH_RULE]);
      // Another route is unaffected.
      expect((await refund()).body.rules).not.toContain(KILL_SWITCH_RULE);
    } finally {
      await flip({ kind: 'route', name: 'customer-chat', enabled: false });
    }
  });

  it('needs the killswitch scope to flip and admin:read to list', async () => {
    const r = await flip({ kind: 'tool', name: 'payments.refund' }, APP);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('server/forbidden');
    expect((await fetch(`${t.url}/v1/admin/killswitches`, { headers: as(APP) })).status).toBe(403);
    expect((await fetch(`${t.url}/v1/admin/killswitches`)).status).toBe(401);
  });

  it.each([
    [{ kind: 'feature', name: 'x' }, /kind/],
    [{ kind: 'tool', name: '' }, /name/],
    [{ kind: 'tool', name: 'a b' }, /name/],
    [{ kind: 'tool', name: 'x', enabled: 'yes' }, /enabled/],
    [[], /body/],
  ])('refuses %j with 422', async (body, message) => {
    const r = await flip(body);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('server/invalid-request');
    expect(r.body.error.message).toMatch(message);
  });
});

const hasRedis = await redisAvailable();
const inCi = Boolean(process.env.CI);

describe('Redis availability in CI', () => {
  it.runIf(inCi)('Redis at 127.0.0.1:6379 must be reachable when CI=true', () => {
    expect(hasRedis).toBe(true);
  });
});

describe.skipIf(!hasRedis && !inCi)('RedisKillSwitches (real Redis at 127.0.0.1:6379)', () => {
  const prefix = `rampart:test:${process.pid}:${Date.now()}:`;
  const clients: Redis[] = [];
  const stores: RedisKillSwitches[] = [];
  const open = async () => {
    const c = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
    clients.push(c);
    const s = await RedisKillSwitches.open(c, { prefix });
    stores.push(s);
    return s;
  };
  afterAll(async () => {
    await clients[0]?.del(`${prefix}killswitches`);
    for (const s of stores) await s.close();
    for (const c of clients) c.disconnect();
  });

  const eventually = async (check: () => boolean, ms = 1000) => {
    const until = Date.now() + ms;
    while (!check()) {
      if (Date.now() > until) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  };

  it('a switch set on one instance applies on another within a second, and clears the same way', async () => {
    const a = await open();
    const b = await open();
    await a.set({
      kind: 'tool',
      name: 'payments.refund',
      reason: 'incident',
      actor: 'oncall',
      at: new Date().toISOString(),
    });
    expect(a.get('tool', 'payments.refund')).toBeDefined();
    expect(await eventually(() => b.get('tool', 'payments.refund') !== undefined)).toBe(true);
    expect(b.get('tool', 'payments.refund')?.reason).toBe('incident');
    expect(await b.clear('tool', 'payments.refund')).toBe(true);
    expect(await eventually(() => a.get('tool', 'payments.refund') === undefined)).toBe(true);
  });

  it('a new instance starts with the switches already set', async () => {
    const a = await open();
    await a.set({
      kind: 'route',
      name: 'customer-chat',
      reason: 'abuse',
      actor: 'oncall',
      at: new Date().toISOString(),
    });
    const late = await open();
    expect(late.get('route', 'customer-chat')?.actor).toBe('oncall');
    await a.clear('route', 'customer-chat');
  });
});
