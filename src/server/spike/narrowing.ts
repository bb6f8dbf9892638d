/**
 * What a fired spike trigger does to decisions on its route until an operator clears it. Pure: the
 * decision in, a narrower decision out. Narrowing only ever tightens: a deny stays a deny, an allow
 * may gain an approval obligation or become a deny, never the reverse.
 */
import type { CompiledPolicy } from '../../engine/index.js';
import type { SpikeNarrowing } from '../../policy/policy-document.js';
import type { Decision, DecisionRequest, Point } from '../../policy/types.js';
import type { SpikeEvidence } from './triggers.js';

/** The rule id on decisions a spike narrowing changed. */
export const SPIKE_GUARD_RULE = 'rampart/spike-guard';
/** The user-visible message of a spike-guard denial. */
export const SPIKE_GUARD_MESSAGE = 'This is temporarily restricted. Please try again later.';
/** The user-visible message when a narrowing adds an approval to a plain allow. */
export const SPIKE_APPROVAL_MESSAGE = 'This needs an approval before it can go ahead. I have asked for one.';

/** An active narrowing, as stored and shared between instances. */
export interface ActiveNarrowing {
  /** The trigger that fired. */
  trigger: string;
  /** The route it narrows. */
  route: string;
  mode: SpikeNarrowing;
  /** Lowest risk class affected (`deny_high_risk`, `require_approval`). */
  minRisk: string;
  /** Approver role for `require_approval`. */
  approver: string;
  /** Which rule's matches were counted, when the trigger names one. */
  rule?: string;
  evidence: SpikeEvidence;
  /** When it fired, and on which instance. */
  at: string;
  instance: string;
  /** Digest of the policy that declared the trigger. */
  policy: string;
}

/** The key of a narrowing: one per trigger and route. */
export function narrowingKey(trigger: string, route: string): string {
  return `${trigger}|${route}`;
}

function rank(policy: CompiledPolicy | undefined, risk: string | null | undefined): number {
  if (risk === undefined || risk === null) return -1;
  const classes = policy?.riskClasses ?? ['low', 'medium', 'high', 'critical'];
  return classes.indexOf(risk);
}

/** The risk of what is being asked: the tool's declared risk at the tool point, else the decision's. */
function askedRisk(
  policy: CompiledPolicy | undefined,
  point: Point,
  req: DecisionRequest,
  d: Decision,
): number {
  const byDecision = rank(policy, d.risk);
  if (point !== 'tool' || typeof req.tool?.name !== 'string') return byDecision;
  const tool = policy?.tools[req.tool.name];
  return Math.max(byDecision, tool ? rank(policy, tool.risk) : -1);
}

function denied(d: Decision, n: ActiveNarrowing): Decision {
  return {
    ...d,
    effect: 'deny',
    outcome: 'blocked',
    obligations: [],
    rules: [...d.rules, SPIKE_GUARD_RULE],
    message: SPIKE_GUARD_MESSAGE,
    reason: `spike guard ${n.trigger} on route ${n.route} (${n.mode}): ${d.reason}`,
  };
}

/**
 * Applies the narrowings of the request's route to a decision. `narrowings` are those of the
 * route only; the first that changes the decision wins, in the order given.
 */
export function applyNarrowings(
  narrowings: readonly ActiveNarrowing[],
  policy: CompiledPolicy | undefined,
  point: Point,
  req: DecisionRequest,
  d: Decision,
): Decision {
  if (d.effect === 'deny') return d;
  let out = d;
  for (const n of narrowings) {
    if (n.mode === 'disable_route') return denied(out, n);
    const affected = askedRisk(policy, point, req, out) >= rank(policy, n.minRisk);
    if (!affected) continue;
    if (n.mode === 'deny_high_risk') return denied(out, n);
    // require_approval: only tool calls can wait for an approver.
    if (point !== 'tool') continue;
    if (out.obligations.some((o) => o.type === 'require_approval' && o.role === n.approver)) continue;
    out = {
      ...out,
      effect: 'allow_with_conditions',
      outcome: 'allowed_with_conditions',
      obligations: [
        ...out.obligations,
        { type: 'require_approval', role: n.approver, rule: SPIKE_GUARD_RULE },
      ],
      rules: out.rules.includes(SPIKE_GUARD_RULE) ? out.rules : [...out.rules, SPIKE_GUARD_RULE],
      message: out.effect === 'allow' ? SPIKE_APPROVAL_MESSAGE : out.message,
      reason: `spike guard ${n.trigger} on route ${n.route} needs approval by ${n.approver}: ${out.reason}`,
    };
  }
  return out;
}
