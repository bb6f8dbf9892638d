import { describe, expect, it } from 'vitest';
import type { AsyncDetector, GuardOptions } from '../../src/guard/index.js';
import {
  callbackApprovals,
  callbackStepUp,
  createGuard,
  InMemoryApprovalQueue,
} from '../../src/guard/index.js';
import { adjuster, customer, fixturePolicy, RecordingSink, testDetectors } from './guard-fixtures.js';

const clean: Record<string, AsyncDetector> = { classifier: async () => [], optional: async () => [] };

async function makeGuard(extra: Partial<GuardOptions> = {}) {
  const sink = new RecordingSink();
  let now = Date.parse('2026-11-25T10:00:00Z');
  const guard = createGuard({
    policy: await fixturePolicy(),
    detectors: testDetectors,
    asyncDetectors: clean,
    evidence: sink,
    clock: () => now,
    ...extra,
  });
  return { guard, sink, advance: (ms: number) => (now += ms) };
}

describe('Guard points', () => {
  it('records one decision per call, all sharing the interaction id', async () => {
    const { guard, sink } = await makeGuard();
    const t = guard.interaction({ principal: adjuster, context: { route: 'chat', session: 's1' } });
    await t.input('Where is my claim?');
    await t.route({ model: 'large' });
    await t.tool('claims.lookup', { claimId: 'CLM-00000001' });
    await t.output('It is in review.');
    await t.persist({ kind: 'transcript' });
    expect(sink.records.map((r) => r.decision.point)).toEqual([
      'input',
      'route',
      'tool',
      'output',
      'persist',
    ]);
    expect(new Set(sink.records.map((r) => r.interaction))).toEqual(new Set([t.id]));
    expect(sink.records.every((r) => r.subjectId === 'u-adj' && r.route === 'chat' && r.latencyUs >= 0)).toBe(
      true,
    );
  });

  it('a request without an interaction id gets a fresh one per call', async () => {
    const { guard } = await makeGuard();
    const a = await guard.input({ principal: adjuster, input: { text: 'hi' } });
    const b = await guard.input({ principal: adjuster, input: { text: 'hi' } });
    expect(a.interaction).toMatch(/^int-/);
    expect(a.interaction).not.toBe(b.interaction);
  });

  it('never puts raw input text in the record', async () => {
    const { guard, sink } = await makeGuard();
    await guard.input({ principal: adjuster, input: { text: 'card 4111 1111 1111 1111' } });
    expect(JSON.stringify(sink.records)).not.toContain('4111 1111');
  });
});

describe('a bad request', () => {
  it('rejects the returned promise instead of throwing, on the synchronous path too', async () => {
    const { guard } = await makeGuard({ asyncDetectors: {} });
    await guard.ready();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    let p: Promise<unknown> | undefined;
    expect(() => {
      p = guard.tool({
        principal: adjuster,
        context: { session: 's' },
        tool: { name: 'claims.lookup', args: circular },
      });
    }).not.toThrow();
    await expect(p).rejects.toBeInstanceOf(Error);
  });
});

describe('obligations', () => {
  it('redact returns the transformed text (partial mask at input)', async () => {
    const { guard } = await makeGuard();
    const d = await guard.input({
      principal: customer,
      input: { text: 'my card 4111 1111 1111 1234 please' },
    });
    expect(d.outcome).toBe('allowed_with_conditions');
    expect(d.text).toBe('my card •••• 1234 please');
  });

  it('route_to names the allowed model and tier', async () => {
    const { guard } = await makeGuard();
    const d = await guard.route({
      principal: { id: 'u', attributes: { region: 'eu' } },
      context: { route: 'web' },
      route: { model: 'us-large' },
    });
    expect(d.routeTo).toEqual({ model: 'eu-hosted', tier: 'standard' });
  });

  it('inject_guardrail returns the fragment text', async () => {
    const { guard } = await makeGuard();
    const d = await guard.route({ principal: customer, context: { route: 'chat' }, route: {} });
    expect(d.guardrails).toEqual(["Be kind and only discuss the customer's own claims."]);
  });

  it('rate_limit allows the limit then denies with a stable message, per principal, and recovers after the window', async () => {
    const { guard, advance } = await makeGuard({ signals: false });
    const refund = (p = adjuster) =>
      guard.tool({
        principal: p,
        tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 10 } },
      });
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push((await refund()).outcome);
    expect(outcomes).toEqual([
      'allowed_with_conditions',
      'allowed_with_conditions',
      'allowed_with_conditions',
      'blocked',
    ]);
    const denied = await refund();
    expect(denied.message).toBe('Too many requests right now. Please try again later.');
    expect(denied.failure).toBe('guard/rate-limited');
    expect((await refund({ ...adjuster, id: 'other' })).outcome).toBe('allowed_with_conditions');
    advance(120_000);
    expect((await refund()).outcome).toBe('allowed_with_conditions');
  });

  it('retain keeps only the named fields, on the record', async () => {
    const { guard, sink } = await makeGuard();
    await guard.persist({ principal: adjuster, context: { session: 's-9' }, record: { kind: 'transcript' } });
    expect(sink.records[0]?.retained).toEqual({
      fields: { 'record.kind': 'transcript', 'context.session': 's-9' },
      retention: '30d',
    });
  });

  describe('require_approval + step_up_auth (refund over 1000)', () => {
    const big = { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 5000 } };
    const mfaAdjuster = { ...adjuster, authLevel: 'mfa' };

    it.each([
      ['no approvals adapter', {}, mfaAdjuster, 'blocked', 'guard/no-approvals-adapter'],
      [
        'approver rejects',
        { approvals: callbackApprovals(async () => false) },
        mfaAdjuster,
        'blocked',
        'guard/approval-rejected',
      ],
      [
        'approver throws',
        {
          approvals: callbackApprovals(async () => {
            throw new Error('x');
          }),
        },
        mfaAdjuster,
        'blocked',
        'guard/approval-timeout',
      ],
      [
        'approved, already mfa',
        { approvals: callbackApprovals(async () => true) },
        mfaAdjuster,
        'allowed_with_conditions',
        undefined,
      ],
      [
        'approved, no step-up adapter',
        { approvals: callbackApprovals(async () => true) },
        adjuster,
        'blocked',
        'guard/no-step-up-adapter',
      ],
      [
        'approved, step-up fails',
        { approvals: callbackApprovals(async () => true), stepUp: callbackStepUp(async () => false) },
        adjuster,
        'blocked',
        'guard/step-up-failed',
      ],
      [
        'approved, step-up reaches a lower level',
        {
          approvals: callbackApprovals(async () => true),
          stepUp: callbackStepUp(async () => ({ ok: true, level: 'otp' })),
        },
        adjuster,
        'blocked',
        'guard/step-up-failed',
      ],
      [
        'approved, step-up succeeds',
        { approvals: callbackApprovals(async () => true), stepUp: callbackStepUp(async () => true) },
        adjuster,
        'allowed_with_conditions',
        undefined,
      ],
    ] as const)('%s → %s', async (_n, extra, principal, outcome, failure) => {
      const { guard, sink } = await makeGuard(extra as Partial<GuardOptions>);
      const d = await guard.tool({ principal, tool: big });
      expect(d.outcome).toBe(outcome);
      expect(d.failure).toBe(failure);
      expect(sink.records[0]?.decision.outcome).toBe(outcome);
      if (failure) expect(sink.records[0]?.failure).toBe(failure);
    });

    it('a human approving through the in-memory queue lets it through; the approver sees role and args', async () => {
      const queue = new InMemoryApprovalQueue();
      queue.onRequest((r) => {
        expect(r).toMatchObject({
          role: 'supervisor',
          tool: 'payments.refund',
          args: big.args,
          rule: 'refund-large',
        });
        setTimeout(() => queue.approve(r.id, 'sup-1'), 5);
      });
      const { guard } = await makeGuard({ approvals: queue });
      expect((await guard.tool({ principal: mfaAdjuster, tool: big })).outcome).toBe(
        'allowed_with_conditions',
      );
    });

    it('nobody answering within the timeout is a deny', async () => {
      const queue = new InMemoryApprovalQueue();
      const { guard } = await makeGuard({ approvals: queue });
      const d = await guard.tool({ principal: mfaAdjuster, tool: big }); // rule timeout is 2s
      expect(d.outcome).toBe('blocked');
      expect(d.failure).toBe('guard/approval-timeout');
      expect(queue.pending()).toEqual([]);
    });
  });

  it('sandbox and notify without adapters deny; with them the decision names the profile', async () => {
    const req = { principal: adjuster, tool: { name: 'sandboxed.run', args: {} } };
    const bare = await makeGuard();
    expect((await bare.guard.tool(req)).failure).toBe('guard/no-sandbox');
    const notified: string[] = [];
    const full = await makeGuard({
      sandbox: async (_p, run) => run(),
      notify: async (channel, e) => {
        notified.push(`${channel}:${e.rules.join(',')}`);
      },
    });
    const d = await full.guard.tool(req);
    expect(d.outcome).toBe('allowed_with_conditions');
    expect(d.sandbox).toBe('strict');
    expect(notified).toEqual(['ops:sandboxed']);
    const failing = await makeGuard({
      sandbox: async (_p, run) => run(),
      notify: async () => {
        throw new Error('pager down');
      },
    });
    expect((await failing.guard.tool(req)).failure).toBe('guard/notify-failed');
  });
});

describe('engine checks pass through', () => {
  it.each([
    ['unknown tool', { name: 'shell.exec', args: {} }, 'rampart/unknown-tool'],
    ['bad args', { name: 'claims.lookup', args: { claimId: 'nope' } }, 'rampart/invalid-tool-args'],
  ])('%s is denied', async (_n, tool, rule) => {
    const { guard } = await makeGuard();
    const d = await guard.tool({ principal: adjuster, tool });
    expect(d.outcome).toBe('blocked');
    expect(d.rules).toContain(rule);
  });

  it('a customer may not refund', async () => {
    const { guard } = await makeGuard();
    const d = await guard.tool({
      principal: { ...customer, scopes: ['payments:write'] },
      tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 5 } },
    });
    expect(d.message).toBe("I can't issue refunds. A claims specialist can help.");
  });
});

describe('anomaly signals', () => {
  it('the third identical call in a session is denied by the loop rule; a different call is not', async () => {
    const { guard } = await makeGuard();
    const t = guard.interaction({ principal: adjuster, context: { session: 'loop' } });
    const a = { claimId: 'CLM-00000001' };
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await t.tool('claims.lookup', a)).outcome);
    expect(outcomes).toEqual(['allowed', 'allowed', 'blocked']);
    expect((await t.tool('claims.lookup', { claimId: 'CLM-00000002' })).outcome).toBe('allowed');
  });
});

describe('require_approval: approvers', () => {
  const big = { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 5000 } };
  const mfaAdjuster = { ...adjuster, authLevel: 'mfa' };
  it('the requester cannot approve their own request', async () => {
    const { guard } = await makeGuard({
      approvals: callbackApprovals(async (r) => ({ approved: true, approver: r.principal.id })),
    });
    const d = await guard.tool({ principal: mfaAdjuster, tool: big });
    expect(d.failure).toBe('guard/self-approval');
  });
});
