/**
 * Refusal stability and explainability, checked for every evaluated case: a deny always carries a
 * user-visible message, and no message leaks the internal reason, rule ids, scores or thresholds
 * (refusals must not be a probe for mapping the policy).
 */

import type { PolicyUnderTest, TestedDecision } from './policy-under-test.js';
import type { CheckFailure } from './run-types.js';

const SCORE_WORDS = /\b(?:score|threshold|confidence|probability)\b/i;
const FRACTION = /(?<![\d.])0?\.\d+(?![\d.])/;

function containsToken(message: string, token: string): boolean {
  const index = message.toLowerCase().indexOf(token.toLowerCase());
  if (index < 0) return false;
  const before = message[index - 1];
  const after = message[index + token.length];
  const wordChar = /[A-Za-z0-9_-]/;
  return !(before && wordChar.test(before)) && !(after && wordChar.test(after));
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
  // Single-word ids (e.g. `pii`) are ordinary words; only ids with a separator are distinctive.
  const ruleIds = new Set([...decision.rules, ...policy.rules.map((r) => r.id)]);
  for (const id of ruleIds) {
    if (/[-_./]/.test(id) && containsToken(message, id)) {
      fail('message does not name a rule id', `message names rule '${id}'`);
    }
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
