/** The flagship example is itself tested like code: every case passes and every rule is exercised. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWithDefaults } from '../../src/bundle/load-policy.js';
import { readPolicyDir } from '../../src/bundle/policy-dir.js';
import { policyUnderTest, runTests } from '../../src/testing/index.js';
import { loadTestProject } from '../../src/testing/test-project.js';

const dir = path.join(import.meta.dirname, '..', '..', 'examples', 'claims-assistant');

describe('examples/claims-assistant', () => {
  it('passes its own suites, with every rule, point, tool and obligation covered', async () => {
    const compiled = compileWithDefaults(await readPolicyDir(dir));
    expect(compiled.rules.length).toBeGreaterThanOrEqual(25);
    expect(new Set(compiled.rules.map((r) => r.point))).toEqual(
      new Set(['input', 'route', 'tool', 'output', 'persist']),
    );
    const report = await runTests(policyUnderTest(compiled), await loadTestProject(dir));
    const failed = report.results.filter((r) => !r.passed).map((r) => r.name);
    expect(failed).toEqual([]);
    expect(report.coverage.rules.uncovered).toEqual([]);
    expect(report.coverage.rules.covered).toBe(compiled.rules.length);
    expect(report.coverage.tools.covered).toBe(Object.keys(compiled.tools).length);
    expect(report.coverage.points.covered).toBe(5);
  });
});
