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

describe('redaction modes', () => {
  const card = 'card 4111 1111 1111 1111 end';
  const fc1 = [f('CREDIT_CARD', 5, 24)];
  it.each([
    ['partial', 'card **** **** **** 1111 end'],
    ['drop', 'card  end'],
    ['mask', 'card [REDACTED:CREDIT_CARD] end'],
  ] as const)('%s', (mode, want) => {
    expect(redactFindings(card, fc1, undefined, mode).text).toBe(want);
  });
  it('hash and tokenize are stable for the same value', () => {
    const t = 'a x b x c y';
    const fs = [f('T', 2, 3), f('T', 6, 7), f('T', 10, 11)];
    expect(redactFindings(t, fs, undefined, 'tokenize').text).toBe('a [T_1] b [T_1] c [T_2]');
    const h = redactFindings(t, fs, undefined, 'hash').text;
    expect(h).toMatch(/^a \[T:[0-9a-f]{8}\] b \[T:[0-9a-f]{8}\] c \[T:[0-9a-f]{8}\]$/);
    const parts = h.split(' ');
    expect(parts[1]).toBe(parts[3]);
    expect(parts[1]).not.toBe(parts[5]);
  });
});
