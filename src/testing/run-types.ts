/** The results of a test run, as reporters and callers see them. */
import type { Point } from '../policy/types.js';
import type { CoverageReport } from './coverage.js';
import type { MutationKind } from './mutations/index.js';
import type { TestedDecision } from './policy-under-test.js';
import type { SimulationResult } from './simulation-types.js';

/** One check that did not hold. */
export interface CheckFailure {
  /** `effect`, `rules`, `obligations`, `risk`, `message`, `errors`, `refusal`, `mutation`, `refusal-stability`. */
  check: string;
  expected: string;
  actual: string;
}

/** Where a result came from: an authored suite case, an incident case, or a mutation variant of either. */
export type ResultKind = 'case' | 'incident' | 'variant';

/** The result of one evaluated case or variant. */
export interface CaseResult {
  kind: ResultKind;
  /** Suite name or incident id. */
  group: string;
  /** Case name; variants carry their base case's name. */
  name: string;
  file: string;
  line?: number;
  column?: number;
  point: Point;
  /** Tool name for tool cases. */
  tool?: string;
  passed: boolean;
  failures: CheckFailure[];
  decision: TestedDecision;
  variant?: {
    kind: MutationKind;
    label: string;
    /** The variant decided differently from its base case. */
    flipped: boolean;
    /** The variant's decision is less restrictive than its base's: an evasion, which fails the run. */
    loosened: boolean;
  };
}

/** Flip counts of one mutation kind. */
export interface MutationKindSummary {
  kind: MutationKind;
  variants: number;
  flipped: number;
  loosened: number;
  /** flipped / variants, 0 when there are none. */
  flipRate: number;
}

/** Everything `rampart test` found. */
export interface TestRunReport {
  policy: { name: string; version: string; digest: string };
  results: CaseResult[];
  mutations: MutationKindSummary[];
  coverage: CoverageReport;
  simulations: SimulationResult[];
  /** Problems that stop the run from counting as passed, besides failing cases (e.g. coverage under the minimum). */
  problems: string[];
  passed: boolean;
  counts: { cases: number; variants: number; incidents: number; simulations: number; failed: number };
}
