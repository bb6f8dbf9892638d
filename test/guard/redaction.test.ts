import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactFindings } from '../../src/guard/redaction.js';
import type { Finding } from '../../src/policy/types.js';

const f = (type: string, start: number, end: number): Finding => ({
  detector: 'pii',
  type,
  start,
  end,
  score: 1,
});

describe('redactFindings', () => {
  it.each([
    [
      'masks one span',
      'ssn 123-45-6789 ok',
      [f('US_SSN', 4, 15)],
      undefined,
      'mask',
      'ssn [REDACTED:US_SSN] ok',
    ],
    ['removes', 'a SECRET b', [f('KEY', 2, 8)], undefined, 'remove', 'a  b'],
    [
      'only listed entities',
      'x a@b.co 4111',
      [f('EMAIL', 2, 8), f('CARD', 9, 13)],
      ['CARD'],
      'mask',
      'x a@b.co [REDACTED:CARD]',
    ],
    ['merges overlaps', 'abcdefghij', [f('A', 1, 5), f('B', 3, 8)], undefined, 'mask', 'a[REDACTED:A]ij'],
    ['nothing to do', 'plain', [], undefined, 'mask', 'plain'],
  ] as const)('%s', (_n, text, findings, entities, mode, want) => {
    expect(redactFindings(text, findings, entities, mode).text).toBe(want);
  });

  it('never leaves a character of a redacted span behind', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(60), fc.nat(20)), { maxLength: 5 }),
        (prefix, spans) => {
          const secret = 'Z'.repeat(7);
          const text = `${prefix.replaceAll('Z', '')}${secret}`;
          const start = text.length - secret.length;
          const findings = [f('S', start, text.length), ...spans.map(([s, l]) => f('T', s, s + l))];
          const out = redactFindings(text, findings, undefined, 'mask').text;
          expect(out).not.toContain('Z');
        },
      ),
    );
  });
});
