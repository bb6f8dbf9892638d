/** Agent simulations: scripted steps run through the Guard against fake tools. */
import type { DecisionRequest } from '../policy/types.js';
import type { CheckFailure } from './run-types.js';

/** One scripted agent step. */
export type SimulationStep =
  | { message: string }
  | { tool: string; args?: Record<string, unknown>; result?: unknown; approve?: boolean }
  | { output: string };

/** What a simulation expects; every key is optional. */
export interface SimulationExpectation {
  /** 1-based index of the first blocked step, or `none` when nothing may be blocked. */
  blockedStep?: number | 'none';
  /** Exact set of tools for which an approval was requested. */
  approvals?: string[];
  /**
   * Signals that must have fired: a list (each reached at least 2 at some tool step, i.e. a repeat)
   * or a map of signal → minimum peak value.
   */
  signals?: string[] | Record<string, number>;
  /** Exact list of tools the fake tools executed, in order. */
  executed?: string[];
}

/** One loaded simulation. */
export interface Simulation {
  name: string;
  file: string;
  line?: number;
  principal: DecisionRequest['principal'];
  context: NonNullable<DecisionRequest['context']>;
  resource?: DecisionRequest['resource'];
  steps: SimulationStep[];
  expect: SimulationExpectation;
}

/** What happened at one step. */
export interface StepOutcome {
  index: number;
  kind: 'message' | 'tool' | 'output';
  /** `allowed`, `blocked` or `allowed_with_conditions`. */
  outcome: string;
  tool?: string;
  executed?: boolean;
  approvalRequested?: boolean;
  signals?: Record<string, number>;
  /** Rules matched by the step's decisions (the tool gate and the result's output check for tool steps). */
  rules: string[];
  /** Obligation types the step's decisions carried. */
  obligations: string[];
}

/** The result of one simulation. */
export interface SimulationResult {
  name: string;
  file: string;
  line?: number;
  passed: boolean;
  failures: CheckFailure[];
  steps: StepOutcome[];
}
