/** Loads suite and incident files: schema check, fixture resolution, point checks — all errors located. */
import { closest } from 'fastest-levenshtein';
import type { DecisionRequest, Effect, Point } from '../policy/types.js';
import { incidentSchema, suiteSchema } from './case-schema.js';
import { type TestingDiagnostic, TestingError } from './errors.js';
import type { MutationKind } from './mutations/index.js';
import { checkSchema } from './schema-check.js';
import type { CaseExpectation, IncidentFile, TestCase, TestSuite } from './suite-types.js';
import { type LocatedYaml, readYamlFast } from './yaml-source.js';

type Json = Record<string, unknown>;

interface RawFixtures {
  principals?: Record<string, Json>;
  contexts?: Record<string, Json>;
  resources?: Record<string, Json>;
}

interface RawCase {
  name: string;
  point: Point;
  request: Json;
  expect?: CaseExpectation & { outcome?: string };
  mutate?: MutationKind[];
}

const OUTCOME_TO_EFFECT: Record<string, Effect> = {
  allowed: 'allow',
  blocked: 'deny',
  allowed_with_conditions: 'allow_with_conditions',
};

/** The request member each point's cases must carry, and the text path for text points. */
const POINT_MEMBER: Record<Point, string> = {
  input: 'input',
  route: 'route',
  tool: 'tool',
  output: 'output',
  persist: 'record',
};

const FIXTURE_KINDS = [
  ['principal', 'principals'],
  ['context', 'contexts'],
  ['resource', 'resources'],
] as const;

function resolveCases(source: LocatedYaml, raw: { fixtures?: RawFixtures; cases: RawCase[] }): TestCase[] {
  const diagnostics: TestingDiagnostic[] = [];
  const fixtures = raw.fixtures ?? {};
  const cases: TestCase[] = [];
  const names = new Set<string>();
  raw.cases.forEach((c, index) => {
    const at = (path: Array<string | number>, key?: string) =>
      source.locate(['cases', index, ...path], key) ?? {};
    const fail = (code: string, message: string, path: Array<string | number>, key?: string) =>
      diagnostics.push({
        code,
        message: `case '${c.name}': ${message}`,
        file: source.file,
        ...at(path, key),
      });
    if (names.has(c.name))
      fail('testing/duplicate-case', 'another case in this file has the same name', ['name']);
    names.add(c.name);
    const request: Json = { ...c.request };
    for (const [member, plural] of FIXTURE_KINDS) {
      const ref = request[member];
      if (typeof ref !== 'string') continue;
      const table = fixtures[plural] ?? {};
      const found = table[ref];
      if (!found) {
        const known = Object.keys(table);
        const hint = known.length > 0 ? ` (did you mean '${closest(ref, known)}'?)` : '';
        fail('testing/unknown-fixture', `no ${member} fixture named '${ref}'${hint}`, ['request', member]);
        continue;
      }
      request[member] = structuredClone(found);
    }
    if (request.principal === undefined) fail('testing/missing-key', 'request has no principal', ['request']);
    const member = POINT_MEMBER[c.point];
    if (request[member] === undefined && c.point !== 'route') {
      fail('testing/missing-key', `a ${c.point} case needs request.${member}`, ['request']);
    }
    const expect: CaseExpectation = { ...(c.expect ?? {}) };
    const rawExpect = c.expect ?? {};
    if (rawExpect.outcome !== undefined) {
      const effect = OUTCOME_TO_EFFECT[rawExpect.outcome];
      if (expect.effect !== undefined && expect.effect !== effect) {
        fail('testing/conflicting-expectation', `expect.effect and expect.outcome disagree`, [
          'expect',
          'outcome',
        ]);
      }
      expect.effect = effect;
      delete (expect as { outcome?: string }).outcome;
    }
    const mutate = c.mutate ?? [];
    if (mutate.length > 0 && c.point !== 'input' && c.point !== 'output') {
      fail('testing/mutate-not-text', 'mutate applies only to input and output cases (text cases)', [
        'mutate',
      ]);
    }
    const pos = source.positionOf?.(c) ?? source.locate(['cases', index]);
    cases.push({
      name: c.name,
      point: c.point,
      request: request as unknown as DecisionRequest,
      expect,
      mutate,
      source: { file: source.file, ...(pos ?? {}) },
    });
  });
  if (diagnostics.length > 0) throw new TestingError(diagnostics);
  return cases;
}

function checked(source: LocatedYaml, schema: object): void {
  const diagnostics = checkSchema(source, schema);
  if (diagnostics.length > 0) throw new TestingError(diagnostics);
}

/** Parses a `kind: TestSuite` file. Throws TestingError with every located problem. */
export function parseTestSuite(file: string, text: string): TestSuite {
  const source = readYamlFast(file, text);
  checked(source, suiteSchema);
  const raw = source.value as {
    metadata: { name: string; description?: string };
    fixtures?: RawFixtures;
    cases: RawCase[];
  };
  const suite: TestSuite = { name: raw.metadata.name, file, cases: resolveCases(source, raw) };
  if (raw.metadata.description !== undefined) suite.description = raw.metadata.description;
  return suite;
}

/** Parses a `kind: Incident` file. Throws TestingError with every located problem. */
export function parseIncident(file: string, text: string): IncidentFile {
  const source = readYamlFast(file, text);
  checked(source, incidentSchema);
  const raw = source.value as {
    id: string;
    date: string;
    summary: string;
    fixtures?: RawFixtures;
    cases: RawCase[];
  };
  return { id: raw.id, date: raw.date, summary: raw.summary, file, cases: resolveCases(source, raw) };
}

/** The `kind` of a test file without validating the rest, or undefined when it has none. */
export function kindOf(text: string): string | undefined {
  const match = /^kind:\s*["']?([A-Za-z]+)/m.exec(text);
  return match?.[1];
}
