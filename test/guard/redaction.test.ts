import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryVault, redact } from '../../src/detect/index.js';
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
    ['masks one span', 'ssn 123-45-6789 ok', [f('US_SSN', 4, 15)], undefined, 'mask', 'ssn [US_SSN] ok'],
    ['removes', 'a SECRET b', [f('KEY', 2, 8)], undefined, 'remove', 'a  b'],
    [
      'only listed entities',
      'x a@b.co 4111',
      [f('EMAIL', 2, 8), f('CARD', 9, 13)],
      ['CARD'],
      'mask',
      'x a@b.co [CARD]',
    ],
    // Merged spans are named by the strongest finding (same score: the longer one), as in detect.
    ['merges overlaps', 'abcdefghij', [f('A', 1, 5), f('B', 3, 8)], undefined, 'mask', 'a[B]ij'],
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
    ['partial', 'card •••• 1111 end'],
    ['drop', 'card  end'],
    ['mask', 'card [CREDIT_CARD] end'],
  ] as const)('%s', (mode, want) => {
    expect(redactFindings(card, fc1, undefined, mode).text).toBe(want);
  });
  it('hash and tokenize are stable for the same value', () => {
    const t = 'a x b x c y';
    const fs = [f('T', 2, 3), f('T', 6, 7), f('T', 10, 11)];
    expect(redactFindings(t, fs, undefined, 'tokenize').text).toBe('a [[T_1]] b [[T_1]] c [[T_2]]');
    const h = redactFindings(t, fs, undefined, 'hash').text;
    expect(h).toMatch(/^a \[T:[0-9a-f]{16}\] b \[T:[0-9a-f]{16}\] c \[T:[0-9a-f]{16}\]$/);
    const parts = h.split(' ');
    expect(parts[1]).toBe(parts[3]);
    expect(parts[1]).not.toBe(parts[5]);
  });

  it('hash is keyed: another key gives other hashes, the same key the same ones', () => {
    const fs = [f('US_SSN', 0, 11)];
    const a = redactFindings('536-22-1234', fs, undefined, 'hash', { hashKey: 'k1' }).text;
    expect(redactFindings('536-22-1234', fs, undefined, 'hash', { hashKey: 'k1' }).text).toBe(a);
    expect(redactFindings('536-22-1234', fs, undefined, 'hash', { hashKey: 'k2' }).text).not.toBe(a);
    expect(a).not.toContain('536');
  });

  it('tokenize uses the given vault, so an authorized service can restore the value', () => {
    const vault = createMemoryVault();
    const out = redactFindings('mail a@b.co', [f('EMAIL', 5, 11)], undefined, 'tokenize', { vault }).text;
    expect(out).toBe('mail [[EMAIL_1]]');
    expect(vault.detokenize('[[EMAIL_1]]')).toBe('a@b.co');
  });
});

describe('same redaction as the detect ring', () => {
  it('reads exactly like detect `redact` for any findings and mode', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.array(
          fc.record({
            type: fc.constantFrom('A', 'B', 'CREDIT_CARD'),
            start: fc.integer({ min: -2, max: 45 }),
            len: fc.integer({ min: 0, max: 12 }),
            score: fc.constantFrom(0.5, 0.9, 1),
          }),
          { maxLength: 6 },
        ),
        fc.constantFrom('mask', 'partial', 'drop', 'hash') as fc.Arbitrary<
          'mask' | 'partial' | 'drop' | 'hash'
        >,
        (text, raw, mode) => {
          const findings: Finding[] = raw.map((r) => ({
            detector: 'd',
            type: r.type,
            start: r.start,
            end: r.start + r.len,
            score: r.score,
          }));
          const hash = (v: string) => `h${v.length}`;
          const want = redact(text, findings, { mode, hash });
          // The guard's keyed hash differs from this stand-in; compare hash mode by shape only.
          const got = redactFindings(text, findings, undefined, mode).text;
          if (mode === 'hash')
            expect(got.replace(/:[0-9a-f]{16}\]/g, ']')).toBe(want.replace(/:h\d+\]/g, ']'));
          else expect(got).toBe(want);
        },
      ),
    );
  });
});
