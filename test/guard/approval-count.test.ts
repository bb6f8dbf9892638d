import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/guard/index.js';
import { callbackApprovals } from '../../src/guard/index.js';
import { fulfilObligations } from '../../src/guard/obligations.js';
import { MemoryRateLimitStore } from '../../src/guard/rate-limit.js';
import type { Decision } from '../../src/policy/types.js';

const decision = (count: number): Decision => ({
  decisionId: 'd-1',
  point: 'tool',
  effect: 'allow_with_conditions',
  outcome: 'allowed_with_conditions',
  obligations: [{ type: 'require_approval', rule: 'r', role: 'supervisor', timeout: '2s', count }],
  rules: ['r'],
  risk: 'high',
  message: 'needs approval',
  reason: '',
  policy: { name: 'p', version: '1', digest: 'd' },
  errors: [],
  evidence: {},
});

const run = (count: number, approver: (r: ApprovalRequest) => string | undefined) =>
  fulfilObligations(
    decision(count),
    'tool',
    { principal: { id: 'u-req' }, tool: { name: 't', args: {} } },
    undefined,
    {},
    {
      approvals: callbackApprovals(async (r) => {
        const a = approver(r);
        return { approved: true, ...(a ? { approver: a } : {}) };
      }),
      limits: new MemoryRateLimitStore(),
      guardrails: [],
      now: 0,
      scrub: (t) => t,
    },
  );

describe('require_approval count', () => {
  it.each([
    ['two distinct approvers', 2, (r: ApprovalRequest) => `sup-${r.index}`, undefined],
    ['the same approver twice', 2, () => 'sup-1', 'guard/approvers-not-distinct'],
    ['an anonymous approval when two are needed', 2, () => undefined, 'guard/approvers-not-distinct'],
    ['one approval, no approver named', 1, () => undefined, undefined],
  ] as const)('%s → %s', async (_n, count, approver, failure) => {
    const o = await run(count, approver);
    expect(o.failure).toBe(failure);
    expect(o.decision.effect).toBe(failure ? 'deny' : 'allow_with_conditions');
  });
});
