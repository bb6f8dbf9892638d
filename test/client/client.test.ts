import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, isRampartHttpError, type RampartHttpError } from '../../src/client/index.js';
import type { DecisionRequest } from '../../src/policy/types.js';
import { hashApiKey } from '../../src/server/index.js';
import { REQUESTS, startTestServer, type TestServer } from '../server/test-server.js';

const KEY = 'rk_client_test_0123456789abcdef0123';

describe('rampart/client against a live server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      auth: { apiKeys: [{ id: 'app', sha256: hashApiKey(KEY), scopes: ['decide'] }] },
    });
  });
  afterAll(() => t.close());

  const client = () => createClient({ baseUrl: `${t.url}/`, apiKey: KEY });

  it('decides', async () => {
    const d = await client().decide('tool', REQUESTS.refundOverLimit as DecisionRequest);
    expect(d.effect).toBe('allow_with_conditions');
    expect(d.obligations.map((o) => o.type)).toContain('require_approval');
    expect(d.reason).toBeUndefined();
  });

  it('decides a batch', async () => {
    const results = await client().decideBatch([
      { point: 'input', request: REQUESTS.customerQuestion as DecisionRequest },
      { point: 'input', request: REQUESTS.injection as DecisionRequest },
    ]);
    const effects = results.map((r) => ('decision' in r ? r.decision.effect : r.error.code));
    expect(effects).toHaveLength(2);
    expect(effects[0]).not.toBe('deny');
    expect(effects[1]).toBe('deny');
  });

  it('scans and redacts', async () => {
    const findings = await client().scan('card 4111 1111 1111 1111');
    expect(findings.map((f) => f.type)).toContain('CREDIT_CARD');
    const r = await client().redact('card 4111 1111 1111 1111', { mode: 'partial' });
    expect(r.text).not.toContain('4111 1111 1111 1111');
    expect(r.text).toContain('1111');
  });

  it('reports readiness', async () => {
    expect(await client().ready()).toBe(true);
  });

  it('throws typed errors with the server code', async () => {
    const noKey = createClient({ baseUrl: t.url });
    const e1 = await noKey
      .decide('input', REQUESTS.customerQuestion as DecisionRequest)
      .catch((e: unknown) => e);
    expect(isRampartHttpError(e1)).toBe(true);
    expect((e1 as RampartHttpError).status).toBe(401);
    expect((e1 as RampartHttpError).code).toBe('server/unauthorized');
    const e2 = await client()
      .decide('tool', { principal: { id: 'u' } } as DecisionRequest)
      .catch((e: unknown) => e);
    expect((e2 as RampartHttpError).status).toBe(422);
    expect((e2 as RampartHttpError).code).toBe('server/invalid-request');
  });

  it('throws client/unreachable when nothing listens', async () => {
    const gone = createClient({ baseUrl: 'http://127.0.0.1:9', timeoutMs: 2000 });
    const e = await gone.scan('x').catch((err: unknown) => err);
    expect(isRampartHttpError(e)).toBe(true);
    expect((e as RampartHttpError).status).toBe(0);
    expect(['client/unreachable', 'client/timeout']).toContain((e as RampartHttpError).code);
  });
});
