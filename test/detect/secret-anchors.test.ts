import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SECRET_PATTERNS } from '../../src/detect/secret-patterns.js';
import { patternReadings } from '../../src/detect/secrets.js';

/** The labeled secret values of the corpus: real formats to splice into keyword-dense text. */
const corpus = readFileSync(path.join(import.meta.dirname, '../fixtures/detect/corpus.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { text: string; detector: string; labels: { start: number; end: number }[] });
const values = corpus
  .filter((s) => s.detector === 'secrets')
  .flatMap((s) => s.labels.map((l) => s.text.slice(l.start, l.end)));
const keywords = [...new Set(SECRET_PATTERNS.flatMap((p) => p.keywords))];
/** One token per alternative of the provider regexes (the corpus does not cover every branch). */
const body = (n: number, alphabet = 'aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5zA2'): string =>
  alphabet.repeat(Math.ceil(n / alphabet.length)).slice(0, n);
const hex = (n: number): string => body(n, '0123456789abcdef');
const branches = [
  `A3TX${'ABCDEFGHIJKLMNOP'}`,
  `ASIA${'ABCDEFGHIJKLMNOP'}`,
  `gho_${body(36)}`,
  `ghr_${body(36)}`,
  `glrt-${body(24)}`,
  `xoxe-${body(20)}`,
  `xapp-1-ABCDEFGHI-1234567890-${hex(32)}`,
  `rk_test_${body(24)}`,
  `whsec_${body(32)}`,
  `sk-proj-${body(48)}`,
  `sk-${body(20)}T3BlbkFJ${body(20)}`,
  `sk-ant-admin01-${body(90)}`,
  `shpss_${hex(32)}`,
  `sq0csp-${body(30)}`,
  `EAAA${body(60)}`,
  `dor_v1_${hex(64)}`,
  `hvb.${body(30)}`,
  `dp.ct.${body(42)}`,
  `dp.sa.${body(42)}`,
  `ntn_${body(46)}`,
  `secret_${body(43)}`,
  `SK${hex(32)}`,
  `key-${hex(32)}`,
  `dapi${hex(32)}-1`,
];

function expectSameReadings(text: string): void {
  for (const [type, r] of Object.entries(patternReadings(text))) expect(r.anchored, type).toEqual(r.global);
}

describe('provider patterns tried at their keywords only', () => {
  it('declare every keyword in lower case, the form the keyword pass reports', () => {
    for (const k of keywords) expect(k).toBe(k.toLowerCase());
  });

  it('read a token of every regex branch as the global scan does, alone and among keywords', () => {
    for (const t of branches) {
      expectSameReadings(t);
      expectSameReadings(`dp.pt. sk ghp_ ${t} pat xox eyJ`);
    }
  });

  it('read each labeled corpus sample as the global scan does', () => {
    expect(values.length).toBeGreaterThan(100);
    for (const s of corpus.filter((x) => x.detector === 'secrets')) expectSameReadings(s.text);
  });

  it('agree with the global scan on keyword-dense text with real values spliced in', () => {
    const part = fc.oneof(
      fc.constantFrom(...keywords, ...keywords.map((k) => k.toUpperCase())),
      fc.constantFrom(...values, ...branches),
      fc.constantFrom(...values).map((v) => v.slice(0, Math.ceil(v.length / 2))),
      fc.constantFrom(...values).map((v) => v.slice(Math.floor(v.length / 2))),
      fc.constantFrom(
        'a',
        'Z',
        '0',
        '7',
        'f',
        '_',
        '-',
        '.',
        '/',
        '+',
        '=',
        '~',
        '$',
        ':',
        ' ',
        '"',
        '\n',
        'é',
      ),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 24 }), (parts) => expectSameReadings(parts.join(''))),
      { numRuns: 1500 },
    );
  });
});
