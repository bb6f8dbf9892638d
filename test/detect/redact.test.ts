import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMemoryVault,
  createPiiDetector,
  isDetectError,
  redact,
  resolveOverlaps,
  restoreTokens,
} from '../../src/detect/index.js';
import type { Finding } from '../../src/policy/types.js';

const f = (type: string, start: number, end: number, score = 0.9): Finding => ({
  detector: 'pii',
  type,
  start,
  end,
  score,
});
const pii = createPiiDetector('pii', { use: 'builtin/pii' });

describe('redact modes', () => {
  const text = 'card 4111 1111 1111 1111 mail jane@example.org';
  const findings = pii.scan(text);

  it.each([
    ['mask', {}, 'card [CREDIT_CARD] mail [EMAIL]'],
    ['partial', { mode: 'partial' as const }, 'card •••• 1111 mail •••• .org'],
    ['drop', { mode: 'drop' as const }, 'card  mail '],
    [
      'hash',
      { mode: 'hash' as const, hash: (v: string) => `h${v.length}` },
      'card [CREDIT_CARD:h19] mail [EMAIL:h16]',
    ],
    ['per type', { modes: { EMAIL: 'drop' as const } }, 'card [CREDIT_CARD] mail '],
  ])('%s', (_label, options, expected) => {
    expect(redact(text, findings, options)).toBe(expected);
  });

  it('tokenizes reversibly through the vault, same value → same token', () => {
    const vault = createMemoryVault();
    const t = 'a@example.org then a@example.org and b@example.org';
    const out = redact(t, pii.scan(t), { mode: 'tokenize', vault });
    expect(out).toBe('[[EMAIL_1]] then [[EMAIL_1]] and [[EMAIL_2]]');
    expect(restoreTokens(out, vault)).toBe(t);
  });

  it('masks short values fully in partial mode', () => {
    expect(redact('pin 12345 ok', [f('PIN', 4, 9)], { mode: 'partial' })).toBe('pin •••• ok');
  });

  it.each([
    [{ mode: 'hash' as const }, 'hash function'],
    [{ modes: { EMAIL: 'tokenize' as const } }, 'token vault'],
    [{ mode: 'blur' as unknown as 'mask' }, 'unknown redaction mode'],
    [{ keep: -1 }, 'keep'],
  ])('rejects incomplete options %j', (options, message) => {
    try {
      redact('x', [], options);
      expect.unreachable();
    } catch (error) {
      expect(isDetectError(error) && error.code).toBe('detect/bad-redaction');
      expect((error as Error).message).toContain(message);
    }
  });
});

describe('overlap resolution', () => {
  it('merges overlapping findings into one span named by the strongest', () => {
    const spans = resolveOverlaps('0123456789', [f('A', 0, 4, 0.5), f('B', 2, 6, 0.9), f('C', 8, 10, 0.1)]);
    expect(spans.map((s) => [s.start, s.end, s.finding.type])).toEqual([
      [0, 6, 'B'],
      [8, 10, 'C'],
    ]);
  });

  it('breaks score ties by length, then type name', () => {
    expect(resolveOverlaps('0123456789', [f('Z', 0, 4), f('A', 1, 4)])[0]?.finding.type).toBe('Z');
    expect(resolveOverlaps('0123456789', [f('Z', 0, 4), f('A', 0, 4)])[0]?.finding.type).toBe('A');
  });

  it('clamps offsets and never cuts a surrogate pair', () => {
    const text = 'a😀b';
    expect(redact(text, [f('E', 2, 3)])).toBe('a[E]b');
    expect(redact(text, [f('E', 1, 2)])).toBe('a[E]b');
    expect(redact(text, [f('E', -5, 99)])).toBe('[E]');
    expect(redact(text, [f('E', 3, 3), f('E', Number.NaN, 2)])).toBe(text);
  });
});

/** Random text over an alphabet with emoji, CJK and combining marks, and findings inside it. */
const textAndFindings = fc
  .array(fc.constantFrom('a', 'b', ' ', '-', '😀', '中', '\u0301', 'é', '👩‍👩‍👧', '\uD800', '@'), {
    maxLength: 80,
  })
  .map((parts) => parts.join(''))
  .chain((text) =>
    fc.tuple(
      fc.constant(text),
      fc.array(
        fc.record({
          start: fc.integer({ min: -2, max: text.length + 2 }),
          len: fc.integer({ min: 0, max: 12 }),
          type: fc.constantFrom('EMAIL', 'PHONE', 'X'),
          score: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        { maxLength: 6 },
      ),
    ),
  )
  .map(([text, raw]) => ({ text, findings: raw.map((r) => f(r.type, r.start, r.start + r.len, r.score)) }));

describe('redaction properties', () => {
  it('spans are disjoint, cover every finding, never split a pair; everything else is kept verbatim', () => {
    const high = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
    const low = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
    fc.assert(
      fc.property(textAndFindings, ({ text, findings }) => {
        const spans = resolveOverlaps(text, findings);
        let expected = '';
        let at = 0;
        for (const s of spans) {
          expect(s.start >= at && s.start < s.end && s.end <= text.length).toBe(true);
          expect(low(text.charCodeAt(s.start)) && high(text.charCodeAt(s.start - 1))).toBe(false);
          expect(high(text.charCodeAt(s.end - 1)) && low(text.charCodeAt(s.end))).toBe(false);
          expected += `${text.slice(at, s.start)}[${s.finding.type}]`;
          at = s.end;
        }
        expected += text.slice(at);
        expect(redact(text, findings)).toBe(expected);
        for (const x of findings) {
          const lo = Math.max(0, x.start);
          const hi = Math.min(text.length, x.end);
          if (lo < hi) expect(spans.some((s) => s.start <= lo && hi <= s.end)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('redacted output never contains a detected value (real detector, unique values)', () => {
    const emailArb = fc
      .tuple(
        fc.stringMatching(/^[a-z]{3,8}$/),
        fc.stringMatching(/^[a-z]{3,8}$/),
        fc.integer({ min: 0, max: 1e6 }),
      )
      .map(([u, d, n]) => `${u}${n}@${d}.example`);
    const filler = fc.constantFrom(' ', ' 😀 ', ' 中文 ', '\n', ', ', ' 👩‍👩‍👧 ');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(filler, emailArb), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('mask', 'partial', 'drop', 'hash'),
        (parts, mode) => {
          const text = parts.map(([a, b]) => a + b).join('');
          const findings = pii.scan(text);
          const values = findings.map((x) => text.slice(x.start, x.end));
          const out = redact(text, findings, { mode: mode as 'mask', hash: (v) => String(v.length) });
          for (const v of values) expect(out.includes(v)).toBe(false);
          expect(values.length).toBe(parts.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is independent of the order of findings', () => {
    fc.assert(
      fc.property(textAndFindings, ({ text, findings }) => {
        expect(redact(text, [...findings].reverse())).toBe(redact(text, findings));
      }),
      { numRuns: 200 },
    );
  });
});
