/**
 * What a caller of the decision API sees. The internal `reason`, the declared evidence values and
 * the detail of evaluation errors stay inside unless the caller holds `admin:read`, so a plain
 * `decide` caller cannot probe refusals to map the policy.
 */
import type { ServerDecision } from './decider.js';

/** A decision as returned over HTTP. */
export type PublicDecision = Omit<ServerDecision, 'reason' | 'evidence'> & {
  reason?: string;
  evidence?: Record<string, unknown>;
};

/** Shapes a guard decision for a caller; `internal` keeps `reason`, `evidence` and error messages. */
export function publicDecision(d: ServerDecision, internal: boolean): PublicDecision {
  if (internal) return d;
  const out: PublicDecision = {
    decisionId: d.decisionId,
    point: d.point,
    effect: d.effect,
    outcome: d.outcome,
    obligations: d.obligations,
    rules: d.rules,
    risk: d.risk,
    message: d.message,
    policy: d.policy,
    errors: d.errors.map((e) => ({ code: e.code, message: e.code })),
    interaction: d.interaction,
  };
  if (d.exceptions) out.exceptions = d.exceptions;
  if (d.failure) out.failure = d.failure;
  return out;
}
