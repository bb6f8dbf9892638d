import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRecord, ChainWriter, canonicalJson } from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';

/**
 * The canonicaliser as first written (null-prototype copies + JSON.stringify): the oracle the
 * faster one must match byte for byte, or stored hashes would stop verifying.
 */
function oracleCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : oracleCopy(v)));
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(obj).sort()) {
    const item = obj[key];
    if (item !== undefined) out[key] = oracleCopy(item);
  }
  return out;
}
const oracle = (v: unknown) => JSON.stringify(oracleCopy(v));

const key = fc.oneof(
  fc.string(),
  fc.constantFrom('__proto__', 'constructor', 'toString', '0', '1', '10', '-1', '01', 'a.b', ''),
);
const leaf = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));
const subjectKey = Buffer.alloc(32, 5);

describe('canonicalJson', () => {
  it('is byte-identical to the original canonicaliser on any JSON value (hostile keys included)', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (v) => {
        expect(canonicalJson(v)).toBe(oracle(v));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a __proto__ key as an ordinary member', () => {
    const parsed = JSON.parse('{"b":1,"__proto__":{"x":1}}');
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"x":1},"b":1}');
    expect(canonicalJson(parsed)).toBe(oracle(parsed));
  });

  it('chained records hash the same bytes the original canonical form gives', () => {
    fc.assert(
      fc.property(
        fc.dictionary(key, value, { maxKeys: 6 }),
        fc.option(fc.string(), { nil: undefined }),
        (context, cohort) => {
          const body = buildRecord(makeInput(2, { cohort }), { subjectKey });
          body.context = context as Record<string, unknown>;
          const rec = new ChainWriter('s').append(body);
          const { hash: _h, ...rest } = JSON.parse(JSON.stringify(rec));
          expect(createHash('sha256').update(oracle(rest)).digest('hex')).toBe(rec.hash);
        },
      ),
      { numRuns: 300 },
    );
  });
});
