/** Evaluates cases against a policy: expectations, refusal checks, and mutation variants. */
import type { DecisionRequest } from '../policy/types.js';
import { type MutationVariant, mutateText } from './mutations/index.js';
import { type PolicyUnderTest, strictness, type TestedDecision } from './policy-under-test.js';
import { checkRefusal } from './refusal-checks.js';
import type { CaseResult, CheckFailure, ResultKind } from './run-types.js';
import type { CaseExpectation, TestCase } from './suite-types.js';

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function list(values: readonly string[]): string {
  return `[${[...new Set(values)].sort().join(', ')}]`;
}

/** Compares a decision with what the case expects; one failure per key that does not hold. */
export function checkExpectation(expect: CaseExpectation, decision: TestedDecision): CheckFailure[] {
  const failures: CheckFailure[] = [];
  if (expect.effect !== undefined && expect.effect !== decision.effect) {
    failures.push({ check: 'effect', expected: expect.effect, actual: decision.effect });
  }
  if (expect.rules !== undefined && !sameSet(expect.rules, decision.rules)) {
    failures.push({ check: 'rules', expected: list(expect.rules), actual: list(decision.rules) });
  }
  if (expect.obligations !== undefined) {
    const types = decision.obligations.map((o) => o.type);
    if (!sameSet(expect.obligations, types)) {
      failures.push({ check: 'obligations', expected: list(expect.obligations), actual: list(types) });
    }
  }
  if (expect.risk !== undefined && expect.risk !== decision.risk) {
    failures.push({ check: 'risk', expected: String(expect.risk), actual: String(decision.risk) });
  }
  if (expect.message !== undefined && expect.message !== decision.message) {
    failures.push({
      check: 'message',
      expected: JSON.stringify(expect.message),
      actual: JSON.stringify(decision.message),
    });
  }
  if (expect.errors !== undefined && expect.errors !== decision.errors.length) {
    const codes = decision.errors.map((e) => e.code).join(', ');
    failures.push({
      check: 'errors',
      expected: String(expect.errors),
      actual: `${decision.errors.length}${codes ? ` (${codes})` : ''}`,
    });
  }
  return failures;
}

function withText(request: DecisionRequest, point: 'input' | 'output', text: string): DecisionRequest {
  const copy = { ...request };
  if (point === 'input') copy.input = { ...(request.input ?? { text: '' }), text };
  else copy.output = { ...(request.output ?? { text: '' }), text };
  return copy;
}

/**
 * Decides a variant. A split variant is judged as a guard scanning a conversation would: each message
 * alone and the messages joined by newlines; the strictest decision counts.
 */
function decideVariant(
  policy: PolicyUnderTest,
  testCase: TestCase,
  variant: MutationVariant,
): TestedDecision {
  const point = testCase.point as 'input' | 'output';
  const texts =
    variant.messages.length === 1 ? variant.messages : [variant.messages.join('\n'), ...variant.messages];
  let strictest: TestedDecision | undefined;
  for (const text of texts) {
    const decision = policy.decide(point, withText(testCase.request, point, text));
    if (!strictest || strictness(decision.effect) > strictness(strictest.effect)) strictest = decision;
  }
  return strictest as TestedDecision;
}

function baseResult(
  kind: ResultKind,
  group: string,
  testCase: TestCase,
  decision: TestedDecision,
): CaseResult {
  const result: CaseResult = {
    kind,
    group,
    name: testCase.name,
    file: testCase.source.file,
    point: testCase.point,
    passed: true,
    failures: [],
    decision,
  };
  if (testCase.source.line !== undefined) result.line = testCase.source.line;
  if (testCase.source.column !== undefined) result.column = testCase.source.column;
  if (testCase.request.tool?.name) result.tool = testCase.request.tool.name;
  return result;
}

/** Runs one case and its variants; the first result is the case itself. */
export function runCase(
  policy: PolicyUnderTest,
  testCase: TestCase,
  kind: Exclude<ResultKind, 'variant'>,
  group: string,
): CaseResult[] {
  const decision = policy.decide(testCase.point, testCase.request);
  const main = baseResult(kind, group, testCase, decision);
  main.failures = [...checkExpectation(testCase.expect, decision), ...checkRefusal(decision, policy)];
  main.passed = main.failures.length === 0;
  const results = [main];
  if (testCase.mutate.length === 0) return results;
  const text = testCase.point === 'input' ? testCase.request.input?.text : testCase.request.output?.text;
  if (text === undefined) return results;
  for (const variant of mutateText(text, testCase.mutate)) {
    const vd = decideVariant(policy, testCase, variant);
    const flipped = vd.effect !== decision.effect;
    const loosened = strictness(vd.effect) < strictness(decision.effect);
    const r = baseResult('variant', group, testCase, vd);
    r.variant = { kind: variant.kind, label: variant.label, flipped, loosened };
    const failures = checkRefusal(vd, policy);
    if (loosened) {
      failures.unshift({
        check: 'mutation',
        expected: `${decision.effect} (as the original)`,
        actual: vd.effect,
      });
    }
    if (
      !variant.framed &&
      decision.effect === 'deny' &&
      vd.effect === 'deny' &&
      vd.message !== decision.message
    ) {
      failures.push({
        check: 'refusal-stability',
        expected: JSON.stringify(decision.message),
        actual: JSON.stringify(vd.message),
      });
    }
    r.failures = failures;
    r.passed = failures.length === 0;
    results.push(r);
  }
  return results;
}
