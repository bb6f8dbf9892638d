import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { builtinDetectors, createDetectorRegistry, isDetectError } from '../../src/detect/index.js';

const registry = createDetectorRegistry({ compileRegex: (source, flags) => new RE2(source, flags) });
const make = (config: Record<string, unknown>) => registry.custom!('claims', { use: 'custom', ...config });

describe('custom detector', () => {
  it('matches RE2 patterns with the configured type and score', () => {
    const d = make({ patterns: [{ type: 'CLAIM_ID', pattern: 'CLM-[0-9]{8}', score: 0.8 }] });
    const text = '😀 claim CLM-00000001 and CLM-12345678';
    expect(d.scan(text).map((f) => [f.type, text.slice(f.start, f.end), f.score])).toEqual([
      ['CLAIM_ID', 'CLM-00000001', 0.8],
      ['CLAIM_ID', 'CLM-12345678', 0.8],
    ]);
  });

  it('matches keyword lists case-insensitively on word boundaries by default', () => {
    const d = make({ keywords: [{ type: 'COMPETITOR', words: ['Globex', 'Initech Corp'] }] });
    const text = 'We beat GLOBEX and initech corp, not globexcorp.';
    expect(d.scan(text).map((f) => text.slice(f.start, f.end))).toEqual(['GLOBEX', 'initech corp']);
  });

  it('honours caseSensitive and wholeWord', () => {
    const d = make({ keywords: [{ type: 'T', words: ['API'], caseSensitive: true, wholeWord: false }] });
    expect(d.scan('api RAPID API').map((f) => f.start)).toEqual([5, 10]);
  });

  it('scores denied topics by the number of distinct terms', () => {
    const d = make({ topics: [{ name: 'weapons', words: ['rifle', 'ammunition', 'silencer'] }] });
    const one = d.scan('a rifle').map((f) => f.score);
    const two = d.scan('a rifle with a silencer and a rifle').map((f) => [f.type, f.score]);
    expect(one).toEqual([]);
    expect(two).toEqual([['DENIED_TOPIC', 0.7]]);
  });

  it.each([
    ['(?=x)abc', 'lookahead'],
    ['(?<!x)abc', 'lookbehind'],
    ['(a)\\1', 'backreference'],
    ['(?<n>a)\\k<n>', 'named backreference'],
  ])('rejects %s as unsafe', (pattern, what) => {
    try {
      make({ patterns: [{ type: 'X', pattern }] });
      expect.unreachable();
    } catch (error) {
      expect(isDetectError(error) && error.code).toBe('detect/unsafe-pattern');
      expect(String((error as Error).message)).toContain(what);
      expect(isDetectError(error) && error.location).toBe('detectors.claims.patterns[0].pattern');
    }
  });

  it('reports RE2 syntax errors clearly', () => {
    expect(() => make({ patterns: [{ type: 'X', pattern: '(unclosed' }] })).toThrow(
      expect.objectContaining({ code: 'detect/bad-pattern' }),
    );
  });

  it('allows a [(?=] character class, which is not lookahead', () => {
    expect(() => make({ patterns: [{ type: 'X', pattern: '[(?=]+' }] })).not.toThrow();
  });

  it('refuses patterns when no linear-time engine was injected', () => {
    expect(() =>
      builtinDetectors.custom!('c', { use: 'custom', patterns: [{ type: 'X', pattern: 'a' }] }),
    ).toThrow(expect.objectContaining({ code: 'detect/regex-engine-missing' }));
    expect(() =>
      builtinDetectors.custom!('c', { use: 'custom', keywords: [{ type: 'X', words: ['a'] }] }),
    ).not.toThrow();
  });

  it.each([
    [{}, 'detect/bad-config'],
    [{ patterns: 'x' }, 'detect/bad-config'],
    [{ patterns: [{ type: 'X', pattern: 'a', flags: 'y' }] }, 'detect/bad-pattern'],
    [{ patterns: [{ type: '1bad', pattern: 'a' }] }, 'detect/bad-config'],
    [{ keywords: [{ type: 'X', words: [] }] }, 'detect/bad-config'],
    [{ keywords: [{ type: 'X', words: ['a'], score: 3 }] }, 'detect/bad-config'],
    [{ topics: [{ words: ['a'] }] }, 'detect/bad-config'],
    [{ regex: 'a' }, 'detect/unknown-option'],
  ])('rejects bad config %j', (config, code) => {
    expect(() => make(config)).toThrow(expect.objectContaining({ code }));
  });

  it('skips empty matches without looping', () => {
    const d = make({ patterns: [{ type: 'X', pattern: 'a*' }] });
    expect(d.scan('bbb aa b').map((f) => [f.start, f.end])).toEqual([[4, 6]]);
  });
});
