import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecisionRecordInput, EvidenceSink } from '../../src/evidence/sink.js';
import { postJson, REQUESTS, startTestServer, type TestServer } from './test-server.js';

describe('decision API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('decides a tool call with the obligations for the caller, without the internal reason', async () => {
    const r = await postJson(`${t.url}/v1/decide/tool`, REQUESTS.refundOverLimit);
    expect(r.status).toBe(200);
    expect(r.body.effect).toBe('allow_with_conditions');
    expect(r.body.outcome).toBe('allowed_with_conditions');
    expect(r.body.rules).toContain('refund-over-limit-needs-supervisor');
    expect(r.body.obligations.map((o: { type: string }) => o.type)).toContain('require_approval');
    expect(r.body.policy.name).toBe('claims-assistant');
    expect(r.body.interaction).toBe('int-9f2');
    expect(r.body).not.toHaveProperty('reason');
    expect(r.body).not.toHaveProperty('evidence');
  });

  it('denies a prompt injection at the input point with the user-visible message only', async () => {
    const r = await postJson(`${t.url}/v1/decide/input`, REQUESTS.injection);
    expect(r.status).toBe(200);
    expect(r.body.effect).toBe('deny');
    expect(r.body.rules).toContain('input-block-prompt-injection');
    expect(r.body.message).toMatch(/can't follow instructions/);
    expect(JSON.stringify(r.body)).not.toMatch(/jailbreak attempt detected/);
  });

  it('writes one decision record per decision', async () => {
    await t.sink.flush();
    const before = t.sink.records.length;
    await postJson(`${t.url}/v1/decide/input`, REQUESTS.customerQuestion);
    await postJson(`${t.url}/v1/decide/tool`, REQUESTS.refundOverLimit);
    await t.sink.flush();
    const added = t.sink.records.slice(before);
    expect(added.map((r) => r.point)).toEqual(['input', 'tool']);
    expect(added[1]?.route).toBe('staff-console');
  });

  it('decides a batch, with per-entry errors for bad entries', async () => {
    const r = await postJson(`${t.url}/v1/decide`, {
      requests: [
        { point: 'input', request: REQUESTS.customerQuestion },
        { point: 'nowhere', request: REQUESTS.customerQuestion },
        { point: 'tool', request: { principal: { id: 'x' } } },
        { point: 'tool', request: REQUESTS.refundOverLimit },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.results).toHaveLength(4);
    expect(r.body.results[0].decision.point).toBe('input');
    expect(r.body.results[1].error.code).toBe('server/invalid-request');
    expect(r.body.results[2].error).toEqual({
      code: 'server/invalid-request',
      message: '`tool.name` must be a string at the tool point',
    });
    expect(r.body.results[3].decision.effect).toBe('allow_with_conditions');
  });

  it('refuses a batch over the bound', async () => {
    const requests = Array.from({ length: 101 }, () => ({
      point: 'input',
      request: REQUESTS.customerQuestion,
    }));
    const r = await postJson(`${t.url}/v1/decide`, { requests });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('server/batch-too-large');
  });

  it('scans and redacts text with the policy detectors', async () => {
    const text = 'card 4111 1111 1111 1111, mail a.b@example.com';
    const s = await postJson(`${t.url}/v1/scan`, { text });
    expect(s.status).toBe(200);
    const types = s.body.findings.map((f: { type: string }) => f.type);
    expect(types).toEqual(expect.arrayContaining(['CREDIT_CARD', 'EMAIL']));
    const r = await postJson(`${t.url}/v1/redact`, { text });
    expect(r.status).toBe(200);
    expect(r.body.text).not.toContain('4111 1111 1111 1111');
    expect(r.body.text).not.toContain('a.b@example.com');
    const only = await postJson(`${t.url}/v1/scan`, { text, detectors: ['nope'] });
    expect(only.status).toBe(422);
    const mode = await postJson(`${t.url}/v1/redact`, { text, mode: 'tokenize' });
    expect(mode.status).toBe(422);
    expect(mode.body.error.code).toBe('server/invalid-request');
  });

  it('serves health, readiness and metrics', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { policy: { name: string } }).policy.name).toBe('claims-assistant');
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(
      /rampart_decisions_total\{point="tool",outcome="allowed_with_conditions",rule="refund-over-limit-needs-supervisor",route="staff-console"\} \d+/,
    );
    expect(metrics).toMatch(/rampart_decision_duration_seconds_bucket\{le="[^"]+",point="input"\}/);
    expect(metrics).toMatch(/rampart_active_policy_info\{name="claims-assistant",[^}]*kind="directory"\} 1/);
    expect(metrics).toMatch(/rampart_evidence_queue_depth \d+/);
    expect(metrics).toMatch(/rampart_evidence_spilled_records \d+/);
  });
});

describe('without a verified policy', () => {
  it('is not ready and decides on the safe baseline, still recording', async () => {
    const t = await startTestServer({ policy: null });
    try {
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(503);
      const r = await postJson(`${t.url}/v1/decide/tool`, REQUESTS.refundOverLimit);
      expect(r.body.effect).toBe('deny');
      expect(r.body.rules).toEqual(['rampart/safe-baseline']);
      await t.sink.flush();
      expect(t.sink.records).toHaveLength(1);
      // A policy arriving later makes it ready.
      const { flagshipPolicy } = await import('./test-server.js');
      t.server.setPolicy(await flagshipPolicy());
      expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('when evidence cannot be written', () => {
  it('denies instead of allowing without a record', async () => {
    const broken: EvidenceSink = {
      open: async () => {},
      write: async (_r: DecisionRecordInput) => {
        throw new Error('disk full');
      },
      flush: async () => {},
      close: async () => {},
      health: async () => ({ ok: false, queued: 0, spilled: 0 }),
    };
    const t = await startTestServer({ evidence: broken });
    try {
      const r = await postJson(`${t.url}/v1/decide/input`, REQUESTS.customerQuestion);
      expect(r.status).toBe(200);
      expect(r.body.effect).toBe('deny');
      expect(r.body.failure).toBe('guard/evidence-unavailable');
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toMatch(/rampart_evidence_healthy 0/);
    } finally {
      await t.close();
    }
  });
});
