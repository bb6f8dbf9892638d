/** The decision records the evidence benchmarks write. */
import type { DecisionRecordInput } from '../../src/evidence/index.js';

/** A realistic tool-point decision; varied so hashing and indexes see distinct values. */
export function benchInput(n: number): DecisionRecordInput {
  const blocked = n % 3 === 0;
  return {
    decision: {
      decisionId: `d-${n.toString(36)}-${(n * 2654435761) % 4294967296}`,
      point: n % 5 === 0 ? 'input' : 'tool',
      effect: blocked ? 'deny' : n % 7 === 0 ? 'allow_with_conditions' : 'allow',
      outcome: blocked ? 'blocked' : n % 7 === 0 ? 'allowed_with_conditions' : 'allowed',
      obligations:
        n % 7 === 0
          ? [{ type: 'require_approval', role: 'supervisor', timeout: '15m', rule: 'refund-over-limit' }]
          : [],
      rules: blocked ? ['refund-over-limit', 'fin-3-scope'] : [],
      risk: blocked ? 'high' : 'low',
      message: 'This refund needs a supervisor approval.',
      reason: 'refunds above 1000 need a supervisor and MFA',
      policy: {
        name: 'claims-assistant',
        version: '2026.11.25-1',
        digest: 'sha256:9f2c1e0d5b7a4c3e8f6a2b1d0c9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e',
      },
      errors: [],
      evidence: { 'tool.name': 'payments.refund', 'principal.roles': ['adjuster'], 'resource.kind': 'claim' },
    },
    interaction: `int-${Math.floor(n / 4)}`,
    subjectId: `user-${n % 5000}`,
    tenant: 'acme',
    route: n % 2 === 0 ? 'staff-console' : 'customer-chat',
    latencyUs: 40 + (n % 200),
    retention: '90d',
  };
}
