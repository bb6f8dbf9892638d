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

  it('reads only inside the given ranges, and locates every occurrence of every keyword in one pass', () => {
    const alphabet = fc.constantFrom(...'skSK_liveLIVEyto:napw.dbgh_ é'.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }), fc.nat(60), fc.nat(60), (chars, a, b) => {
        const text = chars.join('');
        const [from, to] = [Math.min(a, b), Math.max(a, b)];
        const inside = naive(text.slice(from, to)).found;
        expect([...set.findIn(text, [from, to])].sort()).toEqual(inside);
        const located = set.locate(text);
        expect([...located.keys()].sort()).toEqual(naive(text).found);
        for (const w of WORDS) expect(located.get(w) ?? []).toEqual(naive(text, [w]).starts);
      }),
    );
  });

  it('treats every non-ASCII code unit as a break between keywords', () => {
    const text = 'to\u00e9ken tok\u{1F600}en TOKEN t\u0131ken \u212Aey';
    expect([...set.find(text)]).toEqual(['token']);
    expect(set.locate(text).get('token')).toEqual([text.indexOf('TOKEN')]);
  });

  it('rejects keywords that are empty or not ASCII', () => {
    expect(() => buildAsciiKeywordSet([''])).toThrow(/not printable ASCII/);
    expect(() => buildAsciiKeywordSet(['clé'])).toThrow(/not printable ASCII/);
  });
});
