/**
 * The safe baseline the guard falls back to while no policy is loaded (missing, failed to load or
 * compile): tools and persistence are denied, text passes only when the built-in detectors find
 * nothing in it, and a detector that cannot run denies.
 */
import type { DetectorRegistry } from '../policy/detector-contract.js';
import type { Decision, DecisionRequest, Point, PolicyRef } from '../policy/types.js';
import { GUARD_MESSAGES } from './deny.js';

/** The policy reference recorded for baseline decisions. */
export const SAFE_BASELINE_POLICY: PolicyRef = {
  name: 'rampart/safe-baseline',
  version: '1',
  digest: 'builtin',
};

const BASELINE_DETECTORS = ['builtin/pii', 'builtin/secrets', 'builtin/injection'];

function textOf(point: Point, req: DecisionRequest): string | undefined {
  if (point === 'input') return req.input?.text;
  if (point === 'output') return req.output?.text;
  return undefined;
}

/** Decides under the safe baseline. `cause` says why there is no policy (kept internal). */
export function safeBaselineDecision(
  point: Point,
  req: DecisionRequest,
  decisionId: string,
  registry: DetectorRegistry,
  cause: string,
): Decision {
  const base: Decision = {
    decisionId,
    point,
    effect: 'deny',
    outcome: 'blocked',
    obligations: [],
    rules: ['rampart/safe-baseline'],
    risk: 'high',
    message: GUARD_MESSAGES.unavailable,
    reason: `safe baseline (${cause})`,
    policy: SAFE_BASELINE_POLICY,
    errors: [{ code: 'guard/policy-unavailable', message: cause }],
    evidence: {},
  };
  if (point === 'tool' || point === 'persist') return base;
  if (point === 'route')
    return { ...base, effect: 'allow', outcome: 'allowed', rules: [], risk: null, message: '' };
  const text = textOf(point, req) ?? '';
  for (const use of BASELINE_DETECTORS) {
    const factory = registry[use];
    if (!factory) return { ...base, reason: `${base.reason}; detector ${use} not available` };
    try {
      if (factory(use, { use }).scan(text).length > 0) return base;
    } catch {
      return { ...base, reason: `${base.reason}; detector ${use} failed` };
    }
  }
  return { ...base, effect: 'allow', outcome: 'allowed', rules: [], risk: null, message: '' };
}
