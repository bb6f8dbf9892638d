/**
 * A decision plus its interaction id, copied as a literal of one fixed shape. The guard and the
 * decision server do this on every decision; an object spread of the 12-field decision measured
 * ~10 µs on Node 20 against ~0.2 µs for the literal.
 */
import type { Decision } from '../policy/types.js';

/** `d` with `interaction` added, without mutating `d` (a sink may still hold it). */
export function decisionWithInteraction(
  d: Decision,
  interaction: string,
): Decision & { interaction: string } {
  const out: Decision & { interaction: string } = {
    decisionId: d.decisionId,
    point: d.point,
    effect: d.effect,
    outcome: d.outcome,
    obligations: d.obligations,
    rules: d.rules,
    risk: d.risk,
    message: d.message,
    reason: d.reason,
    policy: d.policy,
    errors: d.errors,
    evidence: d.evidence,
    interaction,
  };
  if (d.exceptions !== undefined) out.exceptions = d.exceptions;
  return out;
}
