/** Admin API, logs: query and stats over the server's evidence store, with stable refusals for bad parameters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminServer, refund, startAdminServer, uploadAndActivate, v1 } from './admin-fixture.js';

let t: AdminServer;
beforeAll(async () => {
  t = await startAdminServer();
  await uploadAndActivate(t, v1);
  for (const amount of [100, 2000, 30000])
    await t.call('decider', 'POST', '/v1/decide/tool', {
      ...refund(amount),
      context: { route: 'staff-console', interaction: `int-${amount}` },
    });
});
afterAll(async () => {
  await t.close();
});

describe('log query', () => {
  it('filters by point, outcome, rule, interaction and stream, newest first, limited', async () => {
    const all = await t.call('reader', 'GET', '/v1/admin/logs?point=tool');
    expect(all.status).toBe(200);
    expect(all.body.records).toHaveLength(3);
    const times = all.body.records.map((r: { time: string }) => r.time);
    expect([...times].sort().reverse()).toEqual(times);
    const blocked = await t.call('reader', 'GET', '/v1/admin/logs?outcome=blocked&point=tool');
    expect(blocked.body.records.map((r: { interaction: string }) => r.interaction)).toEqual(['int-30000']);
    const rule = await t.call('reader', 'GET', '/v1/admin/logs?rule=refund-small');
    expect(rule.body.records.map((r: { interaction: string }) => r.interaction)).toEqual(['int-100']);
    const one = await t.call('reader', 'GET', '/v1/admin/logs?limit=1&order=asc&stream=default');
    expect(one.body.records).toHaveLength(1);
    expect(one.body.records[0].interaction).toBe('int-100');
    const admin = await t.call('reader', 'GET', '/v1/admin/logs?stream=admin&order=asc');
    expect(admin.body.records.map((r: { context: { action: string } }) => r.context.action)).toEqual([
      'bundles.upload',
      'bundles.activate',
    ]);
    const since = await t.call('reader', 'GET', '/v1/admin/logs?since=1h&point=tool');
    expect(since.body.records).toHaveLength(3);
    const future = await t.call(
      'reader',
      'GET',
      `/v1/admin/logs?since=${new Date(Date.now() + 3_600_000).toISOString()}`,
    );
    expect(future.body.records).toEqual([]);
  });

  it.each([
    ['limit=0', 422, 'server/invalid-request'],
    ['limit=5000', 422, 'server/invalid-request'],
    ['point=everywhere', 422, 'server/invalid-request'],
    ['outcome=maybe', 422, 'server/invalid-request'],
    ['order=sideways', 422, 'server/invalid-request'],
    ['colour=blue', 422, 'server/invalid-request'],
    ['since=yesterday', 400, 'evidence/bad-query'],
  ])('refuses %s', async (q, status, code) => {
    const res = await t.call('reader', 'GET', `/v1/admin/logs?${q}`);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
  });
});

describe('log stats', () => {
  it('summarises decisions of the window, leaving admin records out', async () => {
    const res = await t.call('reader', 'GET', '/v1/admin/logs/stats?window=1h');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.blocked).toBe(1);
    expect(res.body.approvalsRequired).toBe(1);
    expect(Object.keys(res.body.byRule).sort()).toEqual(
      ['refund-over-limit-needs-supervisor', 'refund-small', 'rampart/invalid-tool-args'].sort(),
    );
    expect(res.body.byRoute['staff-console'].total).toBe(3);
  });

  it.each([
    ['window=forever', 400, 'evidence/bad-query'],
    ['window=0m', 400, 'evidence/bad-query'],
    ['span=1h', 422, 'server/invalid-request'],
  ])('refuses %s', async (q, status, code) => {
    const res = await t.call('reader', 'GET', `/v1/admin/logs/stats?${q}`);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
  });
});
