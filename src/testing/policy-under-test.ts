/**
 * What the harness needs from a policy: its rules, tools and detector thresholds for coverage and
 * refusal checks, and a decide function that runs detectors and returns the explain trace.
 * `engine-adapter.ts` builds one from a compiled policy; tests may build their own.
 */
import type { Decision, DecisionRequest, Effect, Point } from '../policy/types.js';

/** The parts of a rule the harness reports on. */
export interface RuleSummary {
  id: string;
  point: Point;
  effect: Effect;
  /** Obligation types the rule attaches. */
  obligations: string[];
  file?: string;
  line?: number;
}

/** A decision plus the engine's explain trace (every rule considered and why it did or did not match). */
export type TestedDecision = Decision & { explain?: unknown };

/** A policy ready to be tested. */
export interface PolicyUnderTest {
  name: string;
  version: string;
  digest: string;
  rules: RuleSummary[];
  /** Declared tool names. */
  tools: string[];
  /** Detector thresholds, so refusal checks can spot them leaking into messages. */
  thresholds: number[];
  /** Decides one request at one point, running detectors on text points, with the explain trace. */
  decide(point: Point, request: DecisionRequest): TestedDecision;
}

/** How restrictive an effect is: a variant that lowers this has evaded the policy. */
export function strictness(effect: Effect): number {
  return effect === 'deny' ? 2 : effect === 'allow_with_conditions' ? 1 : 0;
}
