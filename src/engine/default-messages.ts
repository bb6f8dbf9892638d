/**
 * User-visible default messages, so no deny is ever silent. They name no rule, score or threshold:
 * a refusal must not help anyone map the policy.
 */
import type { MessageDefaults } from '../policy/policy-document.js';
import type { Point } from '../policy/types.js';

const DENY: Record<Point, string> = {
  input: "I can't help with that request.",
  route: "That option isn't available for this request.",
  tool: "I can't do that action for you.",
  output: "I can't share that response.",
  persist: "That can't be saved.",
};

const CONDITIONS = 'This needs an extra step before it can go ahead.';

/** The message shown for a deny at a point when no matched rule supplies one. */
export function defaultDenyMessage(messages: MessageDefaults, point: Point): string {
  return messages.points[point]?.deny ?? messages.deny ?? DENY[point];
}

/** The message shown for an allow with conditions when no matched rule supplies one. */
export function defaultConditionsMessage(messages: MessageDefaults, point: Point): string {
  return messages.points[point]?.allow_with_conditions ?? messages.allow_with_conditions ?? CONDITIONS;
}
