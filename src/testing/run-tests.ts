/** Runs a loaded test project against a policy and assembles the report. */
import { runCase } from './case-runner.js';
import { computeCoverage } from './coverage.js';
import { MUTATION_KINDS } from './mutations/index.js';
import type { PolicyUnderTest } from './policy-under-test.js';
import type { CaseResult, MutationKindSummary, TestRunReport } from './run-types.js';
import type { Simulation, SimulationResult } from './simulation-types.js';
import type { TestProject } from './test-project.js';

/** Options of a run. */
export interface RunTestsOptions {
  /** Fail the run when coverage (percent) is below this. */
  minCoverage?: number;
  /** Runs one simulation (through the Guard); without it simulations are reported as not run. */
  simulate?: (simulation: Simulation) => Promise<SimulationResult>;
  /** Only cases whose name contains this text (incidents always run). */
  grep?: string;
}

/** Flip counts per mutation kind, in the canonical kind order. */
export function summarizeMutations(results: readonly CaseResult[]): MutationKindSummary[] {
  const byKind = new Map<string, MutationKindSummary>();
  for (const r of results) {
    if (!r.variant) continue;
    const s = byKind.get(r.variant.kind) ?? {
      kind: r.variant.kind,
      variants: 0,
      flipped: 0,
      loosened: 0,
      flipRate: 0,
    };
    s.variants += 1;
    if (r.variant.flipped) s.flipped += 1;
    if (r.variant.loosened) s.loosened += 1;
    byKind.set(r.variant.kind, s);
  }
  return MUTATION_KINDS.flatMap((k) => {
    const s = byKind.get(k);
    if (!s) return [];
    s.flipRate = s.variants === 0 ? 0 : Math.round((s.flipped / s.variants) * 1000) / 1000;
    return [s];
  });
}

/** Runs incident cases only; used by `rampart build` through `runIncidentCases`. */
export function runIncidentResults(
  policy: PolicyUnderTest,
  project: Pick<TestProject, 'incidents'>,
): CaseResult[] {
  return project.incidents.flatMap((incident) =>
    incident.cases.flatMap((c) => runCase(policy, c, 'incident', incident.id)),
  );
}

/** Runs every suite case, variant, incident case and simulation, then computes coverage. */
export async function runTests(
  policy: PolicyUnderTest,
  project: TestProject,
  opts: RunTestsOptions = {},
): Promise<TestRunReport> {
  const results: CaseResult[] = [];
  for (const suite of project.suites) {
    for (const c of suite.cases) {
      if (opts.grep !== undefined && !c.name.includes(opts.grep)) continue;
      results.push(...runCase(policy, c, 'case', suite.name));
    }
  }
  results.push(...runIncidentResults(policy, project));
  const simulations: SimulationResult[] = [];
  const problems: string[] = [];
  if (project.simulations.length > 0) {
    if (opts.simulate) {
      for (const sim of project.simulations) simulations.push(await opts.simulate(sim));
    } else {
      problems.push(`${project.simulations.length} simulations not run: no Guard available`);
    }
  }
  if (results.length === 0 && project.simulations.length === 0) {
    problems.push('no test cases found in tests/*.yaml or incidents/*.yaml');
  }
  const coverage = computeCoverage(policy, results, simulations);
  if (opts.minCoverage !== undefined && coverage.percent < opts.minCoverage) {
    problems.push(`coverage ${coverage.percent.toFixed(1)}% is below the minimum ${opts.minCoverage}%`);
  }
  const failed = results.filter((r) => !r.passed).length + simulations.filter((s) => !s.passed).length;
  return {
    policy: { name: policy.name, version: policy.version, digest: policy.digest },
    results,
    mutations: summarizeMutations(results),
    coverage,
    simulations,
    problems,
    passed: failed === 0 && problems.length === 0,
    counts: {
      cases: results.filter((r) => r.kind === 'case').length,
      variants: results.filter((r) => r.kind === 'variant').length,
      incidents: results.filter((r) => r.kind === 'incident').length,
      simulations: simulations.length,
      failed,
    },
  };
}
