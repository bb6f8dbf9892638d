import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJsonReport } from '../../src/testing/reporters/json-reporter.js';
import { formatJunitReport } from '../../src/testing/reporters/junit-reporter.js';
import {
  formatCoverage,
  formatMutations,
  formatTextReport,
} from '../../src/testing/reporters/text-reporter.js';
import { runTests } from '../../src/testing/run-tests.js';
import { loadTestProject } from '../../src/testing/test-project.js';
import { fakePolicy } from './fake-policy.js';
import { expectGolden } from './golden.js';

const PROJECT = join(import.meta.dirname, '..', 'fixtures', 'testing', 'project');

describe('reports over the fixture project', () => {
  it('passes against the policy the cases were written for', async () => {
    const report = await runTests(fakePolicy(), await loadTestProject(PROJECT));
    expect(report.passed).toBe(true);
    expect(report.counts).toEqual({ cases: 3, variants: 11, incidents: 1, simulations: 0, failed: 0 });
    expectGolden('coverage.txt', `${formatCoverage(report.coverage).join('\n')}\n`);
    expectGolden('mutations.txt', `${formatMutations(report).join('\n')}\n`);
  });

  it('fails with expected vs actual and the explain trace when a rule changes', async () => {
    const report = await runTests(fakePolicy({ refundLimit: 10_000 }), await loadTestProject(PROJECT));
    expect(report.passed).toBe(false);
    expect(report.counts.failed).toBe(2);
    expectGolden('failing-run.txt', formatTextReport(report));
    expectGolden('failing-run.junit.xml', formatJunitReport(report));
  });

  it('fails on coverage below the minimum', async () => {
    const report = await runTests(fakePolicy(), await loadTestProject(PROJECT), { minCoverage: 90 });
    expect(report.passed).toBe(false);
    expect(report.problems).toEqual(['coverage 60.0% is below the minimum 90%']);
  });

  it('reports mutation flips per kind when a detector is evaded', async () => {
    const project = await loadTestProject(PROJECT);
    const c = project.suites[0]!.cases[2]!;
    c.mutate = ['leetspeak', 'split', 'homoglyph'];
    const report = await runTests(fakePolicy(), project);
    expect(report.mutations).toEqual([
      { kind: 'homoglyph', variants: 2, flipped: 1, loosened: 1, flipRate: 0.5 },
      { kind: 'leetspeak', variants: 2, flipped: 2, loosened: 2, flipRate: 1 },
      // Halves keep the phrase in one message; thirds cut it apart.
      { kind: 'split', variants: 2, flipped: 1, loosened: 1, flipRate: 0.5 },
    ]);
    expect(report.passed).toBe(false);
  });
});

describe('machine reports', () => {
  it('escapes names and messages in JUnit XML', async () => {
    const project = await loadTestProject(PROJECT);
    const c = project.suites[0]!.cases[1]!;
    c.name = 'refund <5000> & "quotes"';
    const xml = formatJunitReport(await runTests(fakePolicy({ refundLimit: 10_000 }), project));
    expect(xml).toContain(
      '<testcase name="refund &lt;5000&gt; &amp; &quot;quotes&quot;" classname="basics">',
    );
    expect(xml).not.toContain('<5000>');
  });

  it('keeps the explain trace in JSON only for failures', async () => {
    const report = await runTests(fakePolicy({ refundLimit: 10_000 }), await loadTestProject(PROJECT));
    const json = JSON.parse(formatJsonReport(report)) as {
      results: Array<{ passed: boolean; decision: { explain?: unknown } }>;
    };
    expect(json.results.filter((r) => r.passed).every((r) => r.decision.explain === undefined)).toBe(true);
    expect(json.results.filter((r) => !r.passed).every((r) => Array.isArray(r.decision.explain))).toBe(true);
  });
});
