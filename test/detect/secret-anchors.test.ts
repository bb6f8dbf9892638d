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

function expectSameReadings(text: string): void {
  for (const [type, r] of Object.entries(patternReadings(text))) expect(r.anchored, type).toEqual(r.global);
}

describe('provider patterns tried at their keywords only', () => {
  it('declare every keyword in lower case, the form the keyword pass reports', () => {
    for (const k of keywords) expect(k).toBe(k.toLowerCase());
  });

  it('read each labeled corpus sample as the global scan does', () => {
    expect(values.length).toBeGreaterThan(100);
    for (const s of corpus.filter((x) => x.detector === 'secrets')) expectSameReadings(s.text);
  });

  it('agree with the global scan on keyword-dense text with real values spliced in', () => {
    const part = fc.oneof(
      fc.constantFrom(...keywords, ...keywords.map((k) => k.toUpperCase())),
      fc.constantFrom(...values),
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
