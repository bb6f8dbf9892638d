/**
 * Conformance cases are data: `test/cases/<area>/*.yaml`, each with inputs and the wanted
 * diagnostics or decisions, read by this one runner.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compilePolicy, decide } from '../src/engine/index.js';
import { isPolicyError, type PolicyDiagnostic, parsePolicyFiles } from '../src/policy/index.js';
import type { DecisionRequest, ExceptionGrant, Finding, Point } from '../src/policy/types.js';
import { testRegex } from './support/re2-engine.js';

const root = path.join(import.meta.dirname, 'cases');
const load = (area: string) =>
  readdirSync(path.join(root, area))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ file: f, data: parse(readFileSync(path.join(root, area, f), 'utf8')) }));

interface ExpectedDiagnostic {
  code: string;
  line: number;
  column?: number;
  file?: string;
  suggestion?: string;
  severity?: string;
}

function diagnosticsOf(data: {
  files: Record<string, string>;
  baseline?: Record<string, string>;
  today?: string;
}): PolicyDiagnostic[] {
  const toFiles = (m: Record<string, string>, dir = '') =>
    Object.entries(m).map(([p, text]) => ({ path: dir + p, text }));
  try {
    const baseline = data.baseline ? parsePolicyFiles(toFiles(data.baseline, 'baseline/')) : undefined;
    const source = parsePolicyFiles(toFiles(data.files), {
      ...(baseline ? { baseline } : {}),
      ...(data.today ? { today: data.today } : {}),
    });
    const compiled = compilePolicy(source, { regex: testRegex });
    return [...compiled.warnings];
  } catch (error) {
    if (!isPolicyError(error)) throw error;
    return error.diagnostics;
  }
}

describe('policy error cases', () => {
  for (const { file, data } of load('policy-errors')) {
    it(`${file}: ${data.name}`, () => {
      const actual = diagnosticsOf(data);
      const expected = data.expect as ExpectedDiagnostic[];
      const summary = actual.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.suggestion ?? ''}`);
      expect(actual.length, summary.join('\n')).toBe(expected.length);
      for (const want of expected) {
        const hit = actual.find(
          (d) =>
            d.code === want.code &&
            d.line === want.line &&
            (want.column === undefined || d.column === want.column) &&
            (want.file === undefined || d.file.endsWith(want.file)) &&
            (want.suggestion === undefined || d.suggestion === want.suggestion) &&
            (want.severity === undefined || d.severity === want.severity),
        );
        expect(hit, `expected ${JSON.stringify(want)} among:\n${summary.join('\n')}`).toBeDefined();
        expect(hit?.message.length).toBeGreaterThan(10);
      }
    });
  }
});

interface DecisionCase {
  name?: string;
  point: Point;
  request: DecisionRequest;
  findings?: Record<string, Finding[]>;
  now?: string;
  expect: Record<string, unknown>;
}

describe('decision cases', () => {
  for (const { file, data } of load('decisions')) {
    describe(`${file}: ${data.name}`, () => {
      const policy = compilePolicy(parsePolicyFiles([{ path: file, text: data.policy }]), {
        regex: testRegex,
      });
      (data.cases as DecisionCase[]).forEach((c, i) => {
        it(c.name ?? `case ${i + 1}`, () => {
          const d = decide(policy, c.point, c.request, {
            ...(c.findings ? { findings: c.findings } : {}),
            ...(c.now ? { now: new Date(c.now) } : {}),
            ...(data.exceptions ? { exceptions: data.exceptions as ExceptionGrant[] } : {}),
          });
          const e = c.expect;
          if (e.effect !== undefined) expect(d.effect).toBe(e.effect);
          if (e.outcome !== undefined) expect(d.outcome).toBe(e.outcome);
          if (e.rules !== undefined) expect([...d.rules].sort()).toEqual([...(e.rules as string[])].sort());
          if (e.obligations !== undefined) {
            expect([...new Set(d.obligations.map((o) => o.type))].sort()).toEqual(
              [...(e.obligations as string[])].sort(),
            );
          }
          if (e.obligationCount !== undefined) expect(d.obligations.length).toBe(e.obligationCount);
          if (e.risk !== undefined) expect(d.risk).toBe(e.risk);
          if (e.message !== undefined) expect(d.message).toBe(e.message);
          if (e.reason !== undefined) expect(d.reason).toBe(e.reason);
          if (e.reasonContains !== undefined) expect(d.reason).toContain(e.reasonContains);
          if (e.errors !== undefined) expect(d.errors.length).toBe(e.errors);
          if (e.exceptions !== undefined) expect(d.exceptions ?? []).toEqual(e.exceptions);
          if (d.effect === 'deny') expect(d.message.length).toBeGreaterThan(0);
          expect(d.policy.name).toBe(policy.name);
        });
      });
    });
  }
});
