/**
 * Refusal stability and explainability, checked for every evaluated case: a deny always carries a
 * user-visible message, and no message leaks the internal reason, rule ids, scores or thresholds
 * (refusals must not be a probe for mapping the policy).
 */

import type { PolicyUnderTest, TestedDecision } from './policy-under-test.js';
import type { CheckFailure } from './run-types.js';

const SCORE_WORDS = /\b(?:score|threshold|confidence|probability)\b/i;
const FRACTION = /(?<![\d.])0?\.\d+(?![\d.])/;
const WORD_CHAR = /[a-z0-9_-]/;

/** Whether `token` (lower case) occurs in `lower` (the lower-cased message) as a whole token. */
function containsToken(lower: string, token: string): boolean {
  const index = lower.indexOf(token);
  if (index < 0) return false;
  const before = lower[index - 1];
  const after = lower[index + token.length];
  return !(before && WORD_CHAR.test(before)) && !(after && WORD_CHAR.test(after));
}

const idCache = new WeakMap<PolicyUnderTest, readonly string[]>();

/** Rule ids worth looking for: single-word ids (e.g. `pii`) are ordinary words, ids with a separator are distinctive. */
function distinctiveIds(policy: PolicyUnderTest): string[] {
  let ids = idCache.get(policy);
  if (!ids) {
    ids = policy.rules.map((r) => r.id).filter((id) => /[-_./]/.test(id));
    idCache.set(policy, ids);
  }
  return [...ids];
}

/** The refusal problems of one decision; empty when the message is safe to show. */
export function checkRefusal(decision: TestedDecision, policy: PolicyUnderTest): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const message = decision.message ?? '';
  const fail = (expected: string, actual: string) => failures.push({ check: 'refusal', expected, actual });
  if (decision.effect === 'deny' && message.trim() === '') {
    fail('a deny carries a user-visible message', 'empty message');
  }
  if (message === '') return failures;
  const reason = decision.reason?.trim() ?? '';
  if (reason.length >= 8 && message.toLowerCase().includes(reason.toLowerCase())) {
    fail('message does not contain the internal reason', 'message contains the internal reason');
  }
  const lower = message.toLowerCase();
  const ids = distinctiveIds(policy);
  for (const id of decision.rules) if (!ids.includes(id) && /[-_./]/.test(id)) ids.push(id);
  for (const id of ids) {
    if (containsToken(lower, id.toLowerCase()))
      fail('message does not name a rule id', `message names rule '${id}'`);
  }
  if (SCORE_WORDS.test(message) || FRACTION.test(message)) {
    fail('message does not mention scores or thresholds', 'message mentions a score or threshold');
  } else {
    for (const t of policy.thresholds) {
      if (containsToken(message, String(t)))
        fail('message does not mention thresholds', `message contains ${t}`);
    }
  }
  return failures;
}
