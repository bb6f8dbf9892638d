import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPolicyError, POLICY_LIMITS, parsePolicyFiles } from '../../src/policy/index.js';

const codesOf = (text: string): string[] => {
  try {
    parsePolicyFiles([{ path: 'p.yaml', text }]);
    return [];
  } catch (error) {
    if (!isPolicyError(error)) throw error;
    return error.diagnostics.map((d) => d.code);
  }
};

describe('hostile policy files are refused with a clear error in bounded time and memory', () => {
  it('refuses an alias bomb ("billion laughs")', () => {
    const lines = [
      'apiVersion: rampart.dev/v1',
      'kind: Policy',
      'metadata: {name: p}',
      'a0: &a0 [x, x, x, x, x, x, x, x, x, x]',
    ];
    for (let i = 1; i < 12; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    expect(codesOf(lines.join('\n'))).toContain('policy/alias-limit');
  });

  it('refuses a huge file before parsing it', () => {
    const text = `apiVersion: rampart.dev/v1\nkind: Policy\n# ${'x'.repeat(POLICY_LIMITS.maxFileChars)}`;
    expect(codesOf(text)).toEqual(['policy/file-too-large']);
  });

  it('refuses deep flow nesting before the recursive parser sees it', () => {
    const depth = 100_000;
    expect(codesOf(`x: ${'['.repeat(depth)}${']'.repeat(depth)}`)).toEqual(['policy/too-deep']);
  });

  it('refuses deep block nesting', () => {
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(`${'  '.repeat(i)}k${i}:`);
    expect(codesOf(lines.join('\n'))).toEqual(['policy/too-deep']);
  });

  it('refuses too many files', () => {
    const files = Array.from({ length: POLICY_LIMITS.maxFiles + 1 }, (_, i) => ({
      path: `f${i}.yaml`,
      text: '',
    }));
    try {
      parsePolicyFiles(files);
      expect.unreachable();
    } catch (error) {
      expect(isPolicyError(error) && error.diagnostics[0]?.code).toBe('policy/too-many-files');
    }
  });

  it('never throws anything but a PolicyLoadError, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        try {
          parsePolicyFiles([{ path: 'p.yaml', text: `apiVersion: rampart.dev/v1\nkind: Policy\n${text}` }]);
        } catch (error) {
          expect(isPolicyError(error)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('locates every diagnostic inside the file (property over random YAML-ish input)', () => {
    const token = fc.constantFrom(
      'rules:',
      '- id: x',
      '  point: tool',
      '  efect: allow',
      'metadata: {name: p}',
      'tools: {a: {risk: low}}',
      '[',
      '{',
      ':',
      '  when: "x ==',
      '&a',
      '*a',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (lines) => {
        const text = `apiVersion: rampart.dev/v1\nkind: Policy\n${lines.join('\n')}`;
        const lineCount = text.split('\n').length;
        try {
          parsePolicyFiles([{ path: 'p.yaml', text }]);
        } catch (error) {
          if (!isPolicyError(error)) throw error;
          for (const d of error.diagnostics) {
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.line).toBeLessThanOrEqual(lineCount + 1);
            expect(d.column).toBeGreaterThanOrEqual(1);
            expect(d.code).toMatch(/^[a-z]+\/[a-z-]+$/);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
