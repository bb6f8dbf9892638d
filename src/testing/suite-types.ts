/** The shapes of test suites, cases and their expectations, after loading and fixture resolution. */
import type { DecisionRequest, Effect, Point } from '../policy/types.js';
import type { MutationKind } from './mutations/index.js';

/** What a case expects; every key is optional and every present key must hold. */
export interface CaseExpectation {
  effect?: Effect;
  /** Exact set of matched rule ids. */
  rules?: string[];
  /** Exact set of obligation types. */
  obligations?: string[];
  risk?: string | null;
  /** Exact user-visible message. */
  message?: string;
  /** Number of decision errors. */
  errors?: number;
}

/** Where a case came from, for reports and located errors. */
export interface CaseSource {
  file: string;
  line?: number;
  column?: number;
}

/** One authored case, with fixtures resolved into a full request. */
export interface TestCase {
  name: string;
  point: Point;
  request: DecisionRequest;
  expect: CaseExpectation;
  mutate: MutationKind[];
  source: CaseSource;
}

/** A loaded `kind: TestSuite` file. */
export interface TestSuite {
  name: string;
  description?: string;
  file: string;
  cases: TestCase[];
}

/** A loaded `kind: Incident` file: the cases that reproduce a past incident. */
export interface IncidentFile {
  id: string;
  date: string;
  summary: string;
  file: string;
  cases: TestCase[];
}
