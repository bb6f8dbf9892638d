import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/engine/index.js';
import { isPolicyError, parsePolicyFiles } from '../../src/policy/index.js';
import { testRegex } from '../support/re2-engine.js';

const policyWith = (params: string) =>
  parsePolicyFiles([
    {
      path: 'p.yaml',
      text: `apiVersion: rampart.dev/v1\nkind: Policy\nmetadata: {name: p}\ntools:\n  t.one:\n    risk: low\n    params: ${params}\n`,
    },
  ]);

describe('compilePolicy: tool parameter schemas', () => {
  it('needs no regex engine for schemas without patterns', () => {
    expect(() => compilePolicy(policyWith('{type: object, properties: {n: {type: number}}}'))).not.toThrow();
  });

  it('refuses a pattern without a linear-time engine, and compiles it with RE2', () => {
    const source = policyWith('{type: object, properties: {id: {type: string, pattern: "^a+$"}}}');
    try {
      compilePolicy(source);
      expect.unreachable();
    } catch (error) {
      expect(isPolicyError(error) && error.diagnostics.map((d) => [d.code, d.line])).toEqual([
        ['policy/regex-engine-required', 7],
      ]);
    }
    expect(() => compilePolicy(source, { regex: testRegex })).not.toThrow();
  });

  it('refuses a pattern RE2 cannot run (backreference) as an invalid schema', () => {
    try {
      compilePolicy(policyWith('{type: object, properties: {id: {type: string, pattern: "(a)\\\\1"}}}'), {
        regex: testRegex,
      });
      expect.unreachable();
    } catch (error) {
      expect(isPolicyError(error) && error.diagnostics[0]?.code).toBe('policy/invalid-param-schema');
    }
  });

  it('reports an unknown JSON Schema keyword (typo) instead of ignoring it', () => {
    try {
      compilePolicy(policyWith('{type: object, properties: {n: {type: number, maxium: 3}}}'));
      expect.unreachable();
    } catch (error) {
      expect(isPolicyError(error) && error.diagnostics[0]?.message).toContain('maxium');
    }
  });
});
