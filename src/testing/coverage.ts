/** Coverage of a policy by its tests: rules matched, points and tools exercised, obligations produced. */
import { POINTS, type Point } from '../policy/types.js';
import type { PolicyUnderTest } from './policy-under-test.js';
import type { CaseResult } from './run-types.js';
import type { SimulationResult } from './simulation-types.js';

/** Covered and uncovered members of one dimension. */
export interface CoverageDimension {
  total: number;
  covered: number;
  uncovered: string[];
}

/** Rule coverage of one policy file. */
export interface FileCoverage extends CoverageDimension {
  file: string;
}

/** Per test file: how many cases (and variants, simulations) it holds and how many failed. */
export interface SuiteFileSummary {
  file: string;
  cases: number;
  failed: number;
  variants: number;
  variantsFailed: number;
  simulations: number;
  simulationsFailed: number;
}

/** The whole coverage report. */
export interface CoverageReport {
  /** Rules matched by at least one case or variant. */
  rules: CoverageDimension & { byFile: FileCoverage[] };
  /** Points with at least one case. */
  points: CoverageDimension;
  /** Declared tools with at least one tool case. */
  tools: CoverageDimension;
  /** Obligation types that rules declare and some decision carried. */
  obligations: CoverageDimension;
  /** Covered items over all items of the four dimensions, in percent with one decimal. */
  percent: number;
  byTestFile: SuiteFileSummary[];
}

function dimension(all: readonly string[], seen: ReadonlySet<string>): CoverageDimension {
  const unique = [...new Set(all)];
  const uncovered = unique.filter((x) => !seen.has(x)).sort();
  return { total: unique.length, covered: unique.length - uncovered.length, uncovered };
}

const STEP_POINT: Record<string, Point> = { message: 'input', tool: 'tool', output: 'output' };

/** Computes coverage from the results of a run (authored cases, incidents, variants and simulations all count). */
export function computeCoverage(
  policy: PolicyUnderTest,
  results: readonly CaseResult[],
  simulations: readonly SimulationResult[] = [],
): CoverageReport {
  const matched = new Set<string>();
  const points = new Set<Point>();
  const tools = new Set<string>();
  const obligations = new Set<string>();
  const testFiles = new Map<string, SuiteFileSummary>();
  const summaryOf = (file: string): SuiteFileSummary => {
    let summary = testFiles.get(file);
    if (!summary) {
      summary = {
        file,
        cases: 0,
        failed: 0,
        variants: 0,
        variantsFailed: 0,
        simulations: 0,
        simulationsFailed: 0,
      };
      testFiles.set(file, summary);
    }
    return summary;
  };
  for (const r of results) {
    for (const id of r.decision.rules) matched.add(id);
    for (const o of r.decision.obligations) obligations.add(o.type);
    points.add(r.point);
    if (r.tool) tools.add(r.tool);
    const summary = summaryOf(r.file);
    if (r.kind === 'variant') {
      summary.variants += 1;
      if (!r.passed) summary.variantsFailed += 1;
    } else {
      summary.cases += 1;
      if (!r.passed) summary.failed += 1;
    }
  }
  for (const sim of simulations) {
    const summary = summaryOf(sim.file);
    summary.simulations += 1;
    if (!sim.passed) summary.simulationsFailed += 1;
    for (const step of sim.steps) {
      for (const id of step.rules) matched.add(id);
      for (const o of step.obligations) obligations.add(o);
      const point = STEP_POINT[step.kind];
      if (point) points.add(point);
      if (step.tool) tools.add(step.tool);
    }
  }
  const rules = dimension(
    policy.rules.map((r) => r.id),
    matched,
  );
  const files = new Map<string, string[]>();
  for (const rule of policy.rules) {
    const file = rule.file ?? '(policy)';
    files.set(file, [...(files.get(file) ?? []), rule.id]);
  }
  const byFile = [...files.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, ids]) => ({ file, ...dimension(ids, matched) }));
  const declaredObligations = policy.rules.flatMap((r) => r.obligations);
  const report: CoverageReport = {
    rules: { ...rules, byFile },
    points: dimension(POINTS, points),
    tools: dimension(policy.tools, tools),
    obligations: dimension(declaredObligations, obligations),
    percent: 0,
    byTestFile: [...testFiles.values()].sort((a, b) => a.file.localeCompare(b.file)),
  };
  const dims = [report.rules, report.points, report.tools, report.obligations];
  const total = dims.reduce((n, d) => n + d.total, 0);
  const covered = dims.reduce((n, d) => n + d.covered, 0);
  report.percent = total === 0 ? 100 : Math.round((covered / total) * 1000) / 10;
  return report;
}
