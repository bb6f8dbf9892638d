import { describe, expect, it } from 'vitest';
import { parseIncident, parseTestSuite } from '../../src/testing/case-file-loader.js';
import { formatDiagnostic, isTestingError, type TestingError } from '../../src/testing/errors.js';

const HEAD = `apiVersion: rampart.dev/v1
kind: TestSuite
metadata: { name: s }
`;

function errorsOf(text: string): string[] {
  try {
    parseTestSuite('tests/s.yaml', text);
  } catch (error) {
    expect(isTestingError(error)).toBe(true);
    return (error as TestingError).diagnostics.map(formatDiagnostic);
  }
  throw new Error('expected a TestingError');
}

describe('parseTestSuite', () => {
  it('resolves fixtures into full requests and outcome into effect', () => {
    const suite = parseTestSuite(
      'tests/s.yaml',
      `${HEAD}fixtures:
  principals: { alice: { id: c-1, roles: [customer] } }
  contexts: { chat: { route: customer-chat } }
  resources: { claim: { kind: claim, id: CLM-1, ownerId: c-1 } }
cases:
  - name: one
    point: tool
    request:
      principal: alice
      context: chat
      resource: claim
      tool: { name: claims.lookup, args: { claimId: CLM-1 } }
    expect: { outcome: blocked, rules: [r1] }
`,
    );
    expect(suite.cases).toHaveLength(1);
    const c = suite.cases[0]!;
    expect(c.request).toEqual({
      principal: { id: 'c-1', roles: ['customer'] },
      context: { route: 'customer-chat' },
      resource: { kind: 'claim', id: 'CLM-1', ownerId: 'c-1' },
      tool: { name: 'claims.lookup', args: { claimId: 'CLM-1' } },
    });
    expect(c.expect).toEqual({ effect: 'deny', rules: ['r1'] });
    expect(c.source).toEqual({ file: 'tests/s.yaml', line: 9, column: 5 });
  });

  it.each([
    [
      'unknown key with a suggestion',
      `cases:\n  - name: a\n    point: tool\n    request: { principal: { id: x }, tool: { name: t } }\n    expct: { effect: allow }\n`,
      "tests/s.yaml:8:5 error testing/unknown-key: unknown key 'expct' in cases[0] (did you mean 'expect'?)",
    ],
    [
      'bad effect value',
      `cases:\n  - name: a\n    point: tool\n    request: { principal: { id: x }, tool: { name: t } }\n    expect: { effect: permit }\n`,
      'tests/s.yaml:8:23 error testing/invalid-value: cases[0].expect.effect must be one of: allow, deny, allow_with_conditions',
    ],
    [
      'unknown point',
      `cases:\n  - name: a\n    point: tools\n    request: { principal: { id: x } }\n`,
      'tests/s.yaml:6:12 error testing/invalid-value: cases[0].point must be one of: input, route, tool, output, persist',
    ],
    [
      'unknown fixture with a suggestion',
      `fixtures: { principals: { alice: { id: c-1 } } }\ncases:\n  - name: a\n    point: tool\n    request: { principal: alise, tool: { name: t } }\n`,
      "tests/s.yaml:8:27 error testing/unknown-fixture: case 'a': no principal fixture named 'alise' (did you mean 'alice'?)",
    ],
    [
      'missing point member',
      `cases:\n  - name: a\n    point: input\n    request: { principal: { id: x } }\n`,
      "tests/s.yaml:7:14 error testing/missing-key: case 'a': a input case needs request.input",
    ],
    [
      'mutate on a tool case',
      `cases:\n  - name: a\n    point: tool\n    request: { principal: { id: x }, tool: { name: t } }\n    mutate: [case]\n`,
      "tests/s.yaml:8:13 error testing/mutate-not-text: case 'a': mutate applies only to input and output cases (text cases)",
    ],
    [
      'unknown mutation kind',
      `cases:\n  - name: a\n    point: input\n    request: { principal: { id: x }, input: { text: hi } }\n    mutate: [cases]\n`,
      expect.stringContaining(
        'tests/s.yaml:8:14 error testing/invalid-value: cases[0].mutate[0] must be one of: case, whitespace',
      ),
    ],
    [
      'duplicate case names',
      `cases:\n  - { name: a, point: route, request: { principal: { id: x } } }\n  - { name: a, point: route, request: { principal: { id: x } } }\n`,
      "tests/s.yaml:6:13 error testing/duplicate-case: case 'a': another case in this file has the same name",
    ],
    [
      'effect and outcome disagree',
      `cases:\n  - { name: a, point: route, request: { principal: { id: x } }, expect: { effect: allow, outcome: blocked } }\n`,
      "tests/s.yaml:5:99 error testing/conflicting-expectation: case 'a': expect.effect and expect.outcome disagree",
    ],
    ['YAML syntax error', `cases: [\n`, expect.stringContaining('error testing/yaml-syntax')],
  ])('reports %s at its location', (_label, body, expected) => {
    expect(errorsOf(`${HEAD}${body}`)).toContainEqual(expected);
  });

  it('reports a wrong kind and a missing cases list', () => {
    expect(errorsOf('apiVersion: rampart.dev/v1\nkind: Policy\nmetadata: { name: s }\n')).toEqual([
      "tests/s.yaml:1:1 error testing/missing-key: the file is missing required key 'cases'",
      "tests/s.yaml:2:7 error testing/invalid-value: kind must be 'TestSuite'",
    ]);
  });
});

describe('parseIncident', () => {
  it('loads id, date, summary and cases', () => {
    const incident = parseIncident(
      'incidents/i.yaml',
      `apiVersion: rampart.dev/v1
kind: Incident
id: INC-1
date: 2026-10-02
summary: refund without approval
cases:
  - { name: a, point: route, request: { principal: { id: x } }, expect: { effect: allow } }
`,
    );
    expect(incident).toMatchObject({ id: 'INC-1', date: '2026-10-02', summary: 'refund without approval' });
    expect(incident.cases[0]?.name).toBe('a');
  });

  it('requires a summary', () => {
    expect(() =>
      parseIncident(
        'incidents/i.yaml',
        'apiVersion: rampart.dev/v1\nkind: Incident\nid: INC-1\ndate: 2026-10-02\ncases: []\n',
      ),
    ).toThrow(/missing required key 'summary'/);
  });
});
