/** Builds decision record inputs for evidence tests. */
import type { DecisionRecordInput } from '../../src/evidence/index.js';
import type { Point } from '../../src/policy/types.js';

/** A plausible input; `n` varies ids and time so records differ. */
export function makeInput(
  n: number,
  over: Partial<DecisionRecordInput> & { point?: Point; blocked?: boolean } = {},
): DecisionRecordInput {
  const blocked = over.blocked ?? n % 3 === 0;
  const { point, blocked: _b, ...rest } = over;
  return {
    decision: {
      decisionId: `d-${n}`,
      point: point ?? 'tool',
      effect: blocked ? 'deny' : 'allow',
      outcome: blocked ? 'blocked' : 'allowed',
      obligations: [],
      rules: blocked ? ['refund-over-limit'] : [],
      risk: blocked ? 'high' : 'low',
      message: 'This refund needs approval.',
      reason: 'internal reason',
      policy: { name: 'claims-assistant', version: '1', digest: 'sha256:abc' },
      errors: [],
      evidence: { 'tool.name': 'payments.refund' },
    },
    interaction: `int-${Math.floor(n / 4)}`,
    subjectId: `user-${n % 7}`,
    route: n % 2 === 0 ? 'staff-console' : 'customer-chat',
    latencyUs: 100 + (n % 50),
    time: new Date(Date.UTC(2026, 10, 25, 10, 0, 0) + n * 1000).toISOString(),
    ...rest,
  };
}
