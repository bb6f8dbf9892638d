import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shannonEntropy } from '../../src/detect/validators.js';

/** The Map form shannonEntropy keeps for non-ASCII text, applied to everything. */
function reference(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / value.length;
    h -= p * Math.log2(p);
  }
  return h;
}

describe('shannonEntropy', () => {
  it.each([
    ['', 0],
    ['aaaa', 0],
    ['ab', 1],
    ['abcd', 2],
  ])('of %j is %d bits per character', (value, bits) => {
    expect(shannonEntropy(value)).toBe(bits);
  });

  it('is bit-for-bit the Map computation on ASCII and non-ASCII text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 })),
        (value) => {
          expect(shannonEntropy(value)).toBe(reference(value));
          expect(shannonEntropy(value)).toBe(reference(value));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
