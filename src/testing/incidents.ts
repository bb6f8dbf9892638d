/**
 * Incident regressions: the cases in `incidents/*.yaml` always run, and `rampart build` refuses a
 * bundle whose incident cases fail.
 */
import { loadPolicyUnderTest } from './engine-adapter.js';
import type { PolicyUnderTest } from './policy-under-test.js';
import { runIncidentResults } from './run-tests.js';
import type { CaseResult } from './run-types.js';
import { loadIncidents } from './test-project.js';

/** The outcome of running a policy directory's incident cases. */
export interface IncidentRunResult {
  /** True when every incident case (and its variants) passed; also true when there are none. */
  passed: boolean;
  incidents: number;
  cases: number;
  /** Failed results, each naming its incident id (`group`), case and file. */
  failures: CaseResult[];
  results: CaseResult[];
}

/**
 * Runs the incident cases of the policy directory `dir` against `opts.policy` (default: the policy
 * read from `dir`). Throws TestingError when an incident file is invalid.
 */
export async function runIncidentCases(
  dir: string,
  opts: { policy?: PolicyUnderTest } = {},
): Promise<IncidentRunResult> {
  const incidents = await loadIncidents(dir);
  const policy = opts.policy ?? (await loadPolicyUnderTest(dir));
  const results = runIncidentResults(policy, { incidents });
  const failures = results.filter((r) => !r.passed);
  return {
    passed: failures.length === 0,
    incidents: incidents.length,
    cases: results.filter((r) => r.kind === 'incident').length,
    failures,
    results,
  };
}
