/** The policy test harness: suites, incidents, mutations, simulations, coverage, reporters and replay. */
/** Parses a `kind: TestSuite` or `kind: Incident` file with located errors. */
export { parseIncident, parseTestSuite } from './case-file-loader.js';
/** Runs one case (and its mutation variants) against a policy; compares a decision with expectations. */
export { checkExpectation, runCase } from './case-runner.js';
export type { CoverageDimension, CoverageReport, FileCoverage, SuiteFileSummary } from './coverage.js';
/** Coverage of a policy by a run: rules, points, tools, obligations. */
export { computeCoverage } from './coverage.js';
/** Wraps a compiled policy for the harness, or loads one from a directory or bundle file. */
export { loadPolicyUnderTest, loadPolicyUnderTestFrom, policyUnderTest } from './engine-adapter.js';
export type { TestingDiagnostic } from './errors.js';
/** The testing ring's error, its type guard and diagnostic formatter. */
export { formatDiagnostic, isTestingError, TestingError } from './errors.js';
export type { IncidentRunResult } from './incidents.js';
/** Runs a policy directory's incident cases (used by `rampart build`). */
export { runIncidentCases } from './incidents.js';
export type { MutationKind, MutationVariant } from './mutations/index.js';
/** Deterministic adversarial variants of a text. */
export { MUTATION_KINDS, mutateText } from './mutations/index.js';
export type { PolicyUnderTest, RuleSummary, TestedDecision } from './policy-under-test.js';
/** Checks a decision's user-visible message for leaks and a deny without a message. */
export { checkRefusal } from './refusal-checks.js';
export type { ReplayExample, ReplayGroup, ReplayReport, ReplayRequest } from './replay.js';
/** Replays recorded requests through a candidate (and baseline) policy; `rampart diff` reuses it. */
export { formatReplayReport, parseReplayRequests, replayRequests } from './replay.js';
/** Renders a test run as JSON. */
export { formatJsonReport } from './reporters/json-reporter.js';
/** Renders a test run as JUnit XML. */
export { formatJunitReport } from './reporters/junit-reporter.js';
/** Renders a test run for people. */
export { formatTextReport } from './reporters/text-reporter.js';
export type { RunTestsOptions } from './run-tests.js';
/** Runs a loaded test project against a policy. */
export { runTests } from './run-tests.js';
export type { CaseResult, CheckFailure, MutationKindSummary, TestRunReport } from './run-types.js';
/** Parses a `kind: Simulation` file. */
export { parseSimulationFile } from './simulation-loader.js';
/** Runs one agent simulation through a Guard against fake tools. */
export { runSimulation } from './simulation-runner.js';
export type { Simulation, SimulationResult, StepOutcome } from './simulation-types.js';
export type { IncidentFile, TestCase, TestSuite } from './suite-types.js';
export type { TestProject } from './test-project.js';
/** Loads tests/ and incidents/ of a policy directory. */
export { loadIncidents, loadTestProject } from './test-project.js';
