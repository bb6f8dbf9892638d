import { describe, expect, it } from 'vitest';
import { formatDiagnostic, isTestingError } from '../../src/testing/errors.js';
import { parseSimulationFile } from '../../src/testing/simulation-loader.js';

const HEAD = `apiVersion: rampart.dev/v1
kind: Simulation
metadata: { name: s }
fixtures:
  principals: { adam: { id: s-10, roles: [adjuster] } }
  contexts: { console: { route: staff-console, session: x } }
simulations:
`;

function problems(body: string): string[] {
  try {
    parseSimulationFile('tests/sim.yaml', HEAD + body);
  } catch (error) {
    if (isTestingError(error)) return error.diagnostics.map(formatDiagnostic);
    throw error;
  }
  throw new Error('expected a TestingError');
}

describe('parseSimulationFile', () => {
  it('resolves fixtures and keeps steps and expectations', () => {
    const [sim] = parseSimulationFile(
      'tests/sim.yaml',
      `${HEAD}  - name: refund
    principal: adam
    context: console
    steps:
      - message: hi
      - { tool: payments.refund, args: { amount: 5 }, approve: true }
      - output: done
    expect: { blockedStep: none, approvals: [payments.refund], signals: [repeated_tool_calls] }
`,
    );
    expect(sim).toMatchObject({
      name: 'refund',
      file: 'tests/sim.yaml',
      line: 8,
      principal: { id: 's-10', roles: ['adjuster'] },
      context: { route: 'staff-console', session: 'x' },
      expect: { blockedStep: 'none', approvals: ['payments.refund'], signals: ['repeated_tool_calls'] },
    });
    expect(sim?.steps).toHaveLength(3);
  });

  it.each([
    [
      'a step with two kinds',
      `  - name: a\n    principal: adam\n    steps:\n      - { message: hi, output: there }\n`,
      "tests/sim.yaml:11:9 error testing/invalid-step: simulation 'a' step 1: a step has exactly one of message, tool or output",
    ],
    [
      'an unknown fixture',
      `  - name: a\n    principal: adan\n    steps: [{ message: hi }]\n`,
      "tests/sim.yaml:9:16 error testing/unknown-fixture: simulation 'a': no principal fixture named 'adan' (did you mean 'adam'?)",
    ],
    [
      'an unknown expectation',
      `  - name: a\n    principal: adam\n    steps: [{ message: hi }]\n    expect: { blocked: 1 }\n`,
      "tests/sim.yaml:11:15 error testing/unknown-key: unknown key 'blocked' in simulations[0].expect (did you mean 'blockedStep'?)",
    ],
  ])('reports %s at its location', (_label, body, expected) => {
    expect(problems(body)).toContain(expected);
  });
});
