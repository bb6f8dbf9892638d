import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAsciiKeywordSet } from '../../src/detect/ascii-keyword-set.js';

const WORDS = ['sk', 'sk_live', 'key', 'token', 'passw', ':aa', 'd.o.b', 'github_pat_'];
const set = buildAsciiKeywordSet(WORDS);

/** Reference: every keyword found by a case-insensitive substring search. */
function naive(text: string, words: readonly string[] = WORDS): { found: string[]; starts: number[] } {
  const lower = text.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const starts = new Set<number>();
  const found = new Set<string>();
  for (const w of words)
    for (let at = lower.indexOf(w); at !== -1; at = lower.indexOf(w, at + 1)) {
      found.add(w);
      starts.add(at);
    }
  return { found: [...found].sort(), starts: [...starts].sort((a, b) => a - b) };
}

describe('buildAsciiKeywordSet', () => {
  it.each([
    ['', [], []],
    ['nothing here', [], []],
    ['SK_LIVE_abc', ['sk', 'sk_live'], [0]],
    ['a Token and a KEY', ['key', 'token'], [2, 14]],
    ['D.O.B: 1990', ['d.o.b'], [0]],
    ['ſk and K\u212Aey', [], []],
    ['xx:AAkey', [':aa', 'key'], [2, 5]],
  ])('finds the keywords in %j', (text, found, starts) => {
    expect([...set.find(text)].sort()).toEqual(found);
    expect(set.starts(text)).toEqual(starts);
  });

  it('agrees with a case-insensitive substring search', () => {
    const alphabet = fc.constantFrom(...'skSK_liveLIVEyto:napw.dbgh_ é'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), (chars) => {
        const text = chars.join('');
        const want = naive(text);
        expect([...set.find(text)].sort()).toEqual(want.found);
        expect(set.starts(text)).toEqual(want.starts);
      }),
    );
  });

  it('reads only inside the given ranges, and reports starts of the positional keywords from one pass', () => {
    const positional = ['token', 'passw', 'sk'];
    const listed = ['sk', 'sk_live', 'key', 'token', 'passw'];
    const withStarts = buildAsciiKeywordSet(['sk', 'sk_live', 'key'], positional);
    const alphabet = fc.constantFrom(...'skSK_liveLIVEyto:napw.dbgh_ é'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), fc.nat(60), fc.nat(60), (chars, a, b) => {
        const text = chars.join('');
        const [from, to] = [Math.min(a, b), Math.max(a, b)];
        const inside = naive(text.slice(from, to)).found;
        expect([...set.findIn(text, [from, to])].sort()).toEqual(inside);
        const { found, starts } = withStarts.findWithStarts(text);
        expect([...found].sort()).toEqual(naive(text, listed).found);
        expect(starts).toEqual(naive(text, positional).starts);
      }),
    );
  });

  it('rejects keywords that are empty or not ASCII', () => {
    expect(() => buildAsciiKeywordSet([''])).toThrow(/not printable ASCII/);
    expect(() => buildAsciiKeywordSet(['clé'])).toThrow(/not printable ASCII/);
  });
});
