import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPiiDetector, createSecretsDetector, redact, redactStream } from '../../src/detect/index.js';

const pii = createPiiDetector('pii', { use: 'builtin/pii', entities: ['EMAIL', 'CREDIT_CARD', 'US_SSN'] });
const secrets = createSecretsDetector('secrets', { use: 'builtin/secrets' });

async function collect(chunks: string[], options: Parameters<typeof redactStream>[1]): Promise<string[]> {
  const out: string[] = [];
  async function* source(): AsyncGenerator<string> {
    for (const c of chunks) yield c;
  }
  for await (const piece of redactStream(source(), options)) out.push(piece);
  return out;
}

/** Splits `text` at the given cut points (sorted, deduplicated, inside the text). */
function split(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let at = 0;
  for (const p of points) {
    parts.push(text.slice(at, p));
    at = p;
  }
  parts.push(text.slice(at));
  return parts;
}

describe('redactStream', () => {
  it('catches an entity split across chunks', async () => {
    const out = await collect(['mail jane.d', 'oe@exam', 'ple.org and card 4111 1111 ', '1111 1111 done'], {
      detectors: [pii],
      lookbehind: 64,
      maxBuffer: 1024,
    });
    expect(out.join('')).toBe('mail [EMAIL] and card [CREDIT_CARD] done');
  });

  it('releases text with bounded delay: at most lookbehind characters held', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => `word${i} `);
    const held: number[] = [];
    let sent = 0;
    let got = 0;
    async function* source(): AsyncGenerator<string> {
      for (const c of chunks) {
        sent += c.length;
        yield c;
        held.push(sent - got);
      }
    }
    for await (const piece of redactStream(source(), { detectors: [pii], lookbehind: 32 }))
      got += piece.length;
    expect(Math.max(...held.slice(0, -1))).toBeLessThanOrEqual(32 + 8);
    expect(got).toBe(chunks.join('').length);
  });

  it('holds a span longer than the lookbehind until it is complete (within maxBuffer)', async () => {
    const key = `-----BEGIN RSA PRIVATE KEY-----\n${'A'.repeat(3000)}\n-----END RSA PRIVATE KEY-----`;
    const chunks = split(
      `pre ${key} post`,
      Array.from({ length: 40 }, (_, i) => i * 97),
    );
    const out = await collect(chunks, { detectors: [secrets], lookbehind: 64, maxBuffer: 8192 });
    expect(out.join('')).toBe('pre [PRIVATE_KEY] post');
  });

  it('releases a span crossing the limit redacted when maxBuffer is reached', async () => {
    const key = `-----BEGIN RSA PRIVATE KEY-----\n${'A'.repeat(3000)}`;
    const chunks = split(
      `pre ${key}`,
      Array.from({ length: 40 }, (_, i) => i * 97),
    );
    const out = (await collect(chunks, { detectors: [secrets], lookbehind: 64, maxBuffer: 512 })).join('');
    expect(out.startsWith('pre [PRIVATE_KEY]')).toBe(true);
    expect(out).not.toContain('BEGIN');
  });

  it('rejects missing detectors and a buffer smaller than twice the lookbehind', async () => {
    await expect(collect(['x'], {})).rejects.toMatchObject({ code: 'detect/bad-redaction' });
    await expect(collect(['x'], { detectors: [pii], lookbehind: 100, maxBuffer: 150 })).rejects.toMatchObject(
      {
        code: 'detect/bad-redaction',
      },
    );
  });

  it('gives the same result as whole-text redaction for any chunking (property)', async () => {
    const emailArb = fc
      .tuple(fc.stringMatching(/^[a-z]{2,10}$/), fc.stringMatching(/^[a-z]{2,8}$/))
      .map(([u, d]) => `${u}@${d}.example`);
    const filler = fc.constantFrom(
      ' ',
      ' 😀 ',
      ' 中文 ',
      ' card 4111 1111 1111 1111 ',
      '\n',
      ' 👩‍👩‍👧 ',
      ' ssn 536-90-4399 ',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(filler, emailArb), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (parts, cuts) => {
          const text = parts.map(([a, b]) => a + b).join('');
          const whole = redact(text, pii.scan(text));
          const streamed = (
            await collect(split(text, cuts), { detectors: [pii], lookbehind: 48, maxBuffer: 4096 })
          ).join('');
          expect(streamed).toBe(whole);
          for (const f of pii.scan(text)) expect(streamed.includes(text.slice(f.start, f.end))).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});
