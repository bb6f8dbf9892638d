/**
 * Deciding for a remote caller. The server is a decision point, not an enforcer: obligations
 * (approval, step-up, redaction…) go back to the caller to carry out, so it decides with the engine
 * directly rather than through a Guard (which would try to fulfil them in-process and, without
 * adapters, deny). It keeps the Guard's record path: every decision — including safe-baseline ones —
 * is written to the evidence sink as a `DecisionRecordInput`, and a decision that cannot be recorded
 * does not stand (it becomes a deny, as in the Guard).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { builtinDetectors } from '../detect/index.js';
import { type CompiledPolicy, decide } from '../engine/index.js';
import type { DecisionRecordInput, EvidenceSink } from '../evidence/sink.js';
import {
  denyDecision,
  GUARD_MESSAGES,
  newInteractionId,
  SAFE_BASELINE_POLICY,
  safeBaselineDecision,
} from '../guard/index.js';
import type { Decision, DecisionRequest, Point, PolicyRef } from '../policy/types.js';
import type { KillSwitch, KillSwitchStore } from './kill-switches.js';

/** The rule id of decisions denied by a kill switch. */
export const KILL_SWITCH_RULE = 'rampart/kill-switch';

/** The user-visible message of a kill-switch denial. */
export const KILL_SWITCH_MESSAGE = 'This is temporarily unavailable. Please try again later.';

function killedDecision(point: Point, decisionId: string, sw: KillSwitch, policy: PolicyRef): Decision {
  return {
    decisionId,
    point,
    effect: 'deny',
    outcome: 'blocked',
    obligations: [],
    rules: [KILL_SWITCH_RULE],
    risk: 'high',
    message: KILL_SWITCH_MESSAGE,
    reason: `kill switch on ${sw.kind} ${sw.name} by ${sw.actor}: ${sw.reason}`,
    policy,
    errors: [],
    evidence: {},
  };
}

/** A decision as the server returns it. */
export interface ServerDecision extends Decision {
  /** Interaction id (from `context.interaction`, or a fresh one). */
  interaction: string;
  /** Set when a failure made the decision more conservative. */
  failure?: string;
}

/** Decides and records. */
export class Decider {
  private policy: CompiledPolicy | undefined;
  private baselineCause: string;

  constructor(
    private readonly sink: EvidenceSink,
    policy: CompiledPolicy | undefined,
    cause = 'no policy loaded',
    private readonly kills?: KillSwitchStore,
  ) {
    this.policy = policy;
    this.baselineCause = cause;
  }

  /** The active policy; `undefined` means the safe baseline decides. */
  active(): CompiledPolicy | undefined {
    return this.policy;
  }

  /** Swaps the policy in one assignment, so a decision sees one whole policy. */
  setPolicy(policy: CompiledPolicy | undefined, cause = 'no policy loaded'): void {
    this.policy = policy;
    this.baselineCause = cause;
  }

  private killSwitchFor(point: Point, req: DecisionRequest): KillSwitch | undefined {
    const kills = this.kills as KillSwitchStore;
    const route = req.context?.route;
    const byRoute = route === undefined ? undefined : kills.get('route', route);
    if (byRoute) return byRoute;
    return point === 'tool' && typeof req.tool?.name === 'string'
      ? kills.get('tool', req.tool.name)
      : undefined;
  }

  /** Decides `request` at `point` and writes its record; never throws. */
  async decide(point: Point, request: DecisionRequest): Promise<ServerDecision> {
    const t0 = performance.now();
    const interaction = request.context?.interaction ?? newInteractionId();
    const req: DecisionRequest =
      request.context?.interaction === undefined
        ? { ...request, context: { ...request.context, interaction } }
        : request;
    const decisionId = `d-${randomUUID()}`;
    const policy = this.policy;
    let failure: string | undefined;
    let decision: Decision;
    const killed = this.kills && this.killSwitchFor(point, req);
    if (killed) {
      const ref = policy
        ? { name: policy.name, version: policy.version, digest: policy.digest }
        : SAFE_BASELINE_POLICY;
      decision = killedDecision(point, decisionId, killed, ref);
    } else if (policy) {
      decision = decide(policy, point, req, { decisionId });
    } else {
      decision = safeBaselineDecision(point, req, decisionId, builtinDetectors, this.baselineCause);
      failure = 'guard/policy-unavailable';
    }
    // Built by assignment rather than spreads: this runs on every decision.
    const rec: DecisionRecordInput = {
      decision,
      interaction,
      subjectId: req.principal.id,
      latencyUs: Math.round((performance.now() - t0) * 1000),
    };
    if (req.principal.tenant) rec.tenant = req.principal.tenant;
    if (req.context?.route) rec.route = req.context.route;
    if (req.context?.cohort) rec.cohort = req.context.cohort;
    if (failure) rec.failure = failure;
    try {
      await this.sink.write(rec);
    } catch {
      // Without evidence the decision cannot stand: no record, no allow.
      decision = denyDecision(
        decision,
        'guard/evidence-unavailable',
        GUARD_MESSAGES.unavailable,
        'evidence sink unavailable',
      );
      failure = 'guard/evidence-unavailable';
    }
    // A copy: the sink may still hold `decision` in its queue.
    const out: ServerDecision = { ...decision, interaction };
    if (failure) out.failure = failure;
    return out;
  }
}
