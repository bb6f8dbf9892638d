/**
 * Turning a decision more conservative. Every failure path goes through `denyDecision`, so the
 * user sees a stable message and the internal cause goes to `reason`, `errors` and the record.
 */
import type { Decision } from '../policy/types.js';

/** User-visible messages for denials the guard itself causes; deliberately unspecific. */
export const GUARD_MESSAGES = {
  approval: 'This action needs an approval that was not granted.',
  stepUp: 'Please verify your identity with a stronger method to continue.',
  rateLimit: 'Too many requests right now. Please try again later.',
  unavailable: "This request can't be completed right now.",
  refused: "This request can't be completed.",
} as const;

/** A copy of `d` as a deny with `code` recorded; the original reason is kept for reviewers. */
export function denyDecision(d: Decision, code: string, message: string, reason: string): Decision {
  return {
    ...d,
    effect: 'deny',
    outcome: 'blocked',
    obligations: [],
    message,
    reason: d.reason ? `${reason}; ${d.reason}` : reason,
    errors: [...d.errors, { code, message: reason }],
  };
}
