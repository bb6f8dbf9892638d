import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/bundle/load-policy.js';
import { type CompiledPolicy, decide } from '../../src/engine/index.js';
import { POINTS } from '../../src/policy/types.js';

let policy: CompiledPolicy;
beforeAll(async () => {
  policy = await loadPolicy('examples/claims-assistant');
});

const adam = { id: 's-10', roles: ['adjuster'], tenant: 'acme', scopes: ['payments:write'] };

describe('decide', () => {
  it('never throws and denies anything it cannot read (property over arbitrary JSON)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...POINTS), fc.anything(), (point, request) => {
        const d = decide(policy, point, request as never);
        expect(['allow', 'deny', 'allow_with_conditions']).toContain(d.effect);
        if (d.rules.includes('rampart/invalid-request')) expect(d.effect).toBe('deny');
        expect(d.decisionId).toMatch(/^d-/);
      }),
      { numRuns: 1000 },
    );
  });

  it('never lets the internal reason, rule ids or scores into the user-visible message', () => {
    for (const rule of policy.rules) {
      if (rule.message === undefined) continue;
      expect(rule.message).not.toContain(rule.id);
      if (rule.reason) expect(rule.message).not.toContain(rule.reason);
    }
    const d = decide(policy, 'tool', {
      principal: adam,
      context: { route: 'customer-chat' },
      tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 5 } },
    });
    expect(d.effect).toBe('deny');
    expect(d.message).not.toMatch(/no-refunds|rampart\/|reason/);
    expect(d.reason).toContain('refunds are never issued from the customer chat');
  });

  it('records only the evidence fields the matched rules declare, never raw text', () => {
    const d = decide(policy, 'tool', {
      principal: adam,
      context: { route: 'staff-console' },
      tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 1200 } },
    });
    expect(d.evidence).toEqual({ 'tool.name': 'payments.refund', 'principal.roles': ['adjuster'] });
    const out = decide(policy, 'output', {
      principal: adam,
      context: { route: 'staff-console' },
      output: { text: 'SSN 536-22-8764' },
    });
    expect(JSON.stringify(out.evidence)).not.toContain('536-22-8764');
  });

  it('explains every rule at the point: matched, not matched with why, or skipped by the index', () => {
    const d = decide(
      policy,
      'tool',
      {
        principal: adam,
        context: { route: 'staff-console' },
        tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 1200 } },
      },
      { explain: true },
    );
    const byRule = new Map(d.explain?.map((e) => [e.rule, e]));
    expect(byRule.size).toBe(policy.rules.filter((r) => r.point === 'tool').length);
    expect(byRule.get('refund-over-limit-needs-supervisor')?.status).toBe('matched');
    expect(byRule.get('no-refunds-on-customer-chat')).toMatchObject({
      status: 'not-matched',
      detail: 'route is staff-console, rule needs customer-chat',
    });
    expect(byRule.get('supervisor-refunds-over-limit-step-up')?.detail).toBe(
      'principal lacks role supervisor',
    );
    expect(byRule.get('customers-read-own-claims')?.status).toBe('skipped');
    expect(byRule.get('refunds-within-limit')?.file).toBe('examples/claims-assistant/rules-tool.yaml');
    expect(
      decide(policy, 'tool', {
        principal: adam,
        tool: { name: 'claims.lookup', args: { claimId: 'CLM-00000001' } },
      }).explain,
    ).toBeUndefined();
  });

  it('uses the decision id it is given', () => {
    expect(
      decide(policy, 'route', { principal: adam, route: {} }, { decisionId: 'd-fixed' }).decisionId,
    ).toBe('d-fixed');
  });

  it('fails closed when a detector crashes', () => {
    const crashing = {
      ...policy,
      internal: {
        ...policy.internal,
        detectorInstances: new Map([
          [
            'secrets',
            {
              id: 'x',
              version: '1',
              scan: () => {
                throw new Error('boom');
              },
            },
          ],
        ]),
      },
    };
    const d = decide(crashing as CompiledPolicy, 'tool', {
      principal: adam,
      context: { route: 'staff-console' },
      tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 10 } },
    });
    expect(d.effect).toBe('deny');
    expect(d.rules).toContain('rampart/detector-unavailable');
    expect(d.errors[0]?.code).toBe('engine/detector-unavailable');
  });

  it('treats detectors the caller marks unavailable as failures, closed', () => {
    const d = decide(
      policy,
      'input',
      { principal: adam, context: { route: 'staff-console' }, input: { text: 'hello' } },
      { unavailableDetectors: ['injection'] },
    );
    expect(d.effect).toBe('deny');
    expect(d.rules).toContain('rampart/detector-unavailable');
  });
});
