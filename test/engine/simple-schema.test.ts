/** The fast validator must accept and reject exactly what Ajv does, on every schema it takes on. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSimpleSchema } from '../../src/engine/simple-schema.js';

const ajv = new Ajv2020({ strict: true, strictTypes: false, allowUnionTypes: true, validateFormats: false });

const names = fc.constantFrom('a', 'b', 'amount', 'status', 'note', 'claimId');
const property = fc.oneof(
  fc.record(
    {
      type: fc.constant('string'),
      maxLength: fc.option(fc.nat(8), { nil: undefined }),
      minLength: fc.option(fc.nat(3), { nil: undefined }),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.constantFrom('number', 'integer'),
      minimum: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
      maximum: fc.option(
        fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -10, max: 100, noNaN: true })),
        {
          nil: undefined,
        },
      ),
      exclusiveMinimum: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constant('boolean') }),
  fc.record({ enum: fc.uniqueArray(fc.constantFrom('open', 'closed', 1, true, null), { minLength: 1 }) }),
  fc.record({
    type: fc.constant('string'),
    enum: fc.uniqueArray(fc.constantFrom('open', 'closed', 'x'), { minLength: 1 }),
  }),
  fc.record({ const: fc.constantFrom('x', 3, false) }),
);
const schema = fc.record(
  {
    type: fc.constant('object'),
    properties: fc.dictionary(names, property, { maxKeys: 4 }),
    required: fc.uniqueArray(names, { maxLength: 3 }),
    additionalProperties: fc.boolean(),
  },
  { requiredKeys: ['type'] },
);
const value = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom('open', 'closed', 'x', '😀😀', 'ab\ud800'),
  fc.double({ min: -20, max: 200 }),
  fc.integer({ min: -20, max: 200 }),
  fc.integer({ min: -6, max: 6 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 1.5, 0, -0),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);
const args = fc.oneof(
  fc.dictionary(fc.oneof(names, fc.constantFrom('extra', 'zzz')), value, { maxKeys: 5 }),
  value,
);

describe('compileSimpleSchema', () => {
  it('agrees with Ajv on validity for random schemas and arguments (property)', () => {
    fc.assert(
      fc.property(schema, fc.array(args, { minLength: 1, maxLength: 8 }), (generated, inputs) => {
        // Required names come from the declared properties (Ajv's strict mode refuses others, and so
        // does the fast path: see the next test).
        const props = (generated.properties ?? {}) as Record<string, unknown>;
        const s = { ...generated, required: (generated.required ?? []).filter((r) => r in props) };
        const fast = compileSimpleSchema(s as Record<string, unknown>);
        expect(fast, JSON.stringify(s)).toBeDefined();
        const slow = ajv.compile(s);
        for (const a of inputs) {
          expect(fast?.(a) === undefined, `${JSON.stringify(s)} on ${String(JSON.stringify(a))}`).toBe(
            slow(a),
          );
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('agrees with Ajv exactly at every bound (table)', () => {
    const numbers = [-1, 0, 2, 2.5, 3, 3.0000001, 4, Number.NaN, Number.POSITIVE_INFINITY, '3', null];
    const strings = ['', 'ab', 'abc', 'abcd', '😀😀😀', '😀😀😀😀', 'a\ud800b', 3];
    const cases: [Record<string, unknown>, unknown[]][] = [];
    for (const type of ['number', 'integer']) {
      for (const key of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum']) {
        cases.push([{ type, [key]: 3 }, numbers]);
      }
    }
    for (const key of ['minLength', 'maxLength']) cases.push([{ type: 'string', [key]: 3 }, strings]);
    cases.push(
      [{ enum: ['open', 1, null] }, ['open', 1, null, '1', 0, false]],
      [{ const: 0 }, [0, -0, '0', false]],
    );
    for (const [property, values] of cases) {
      const s = { type: 'object', properties: { a: property } };
      const fast = compileSimpleSchema(s);
      const slow = ajv.compile(s);
      for (const v of values)
        expect(fast?.({ a: v }) === undefined, `${JSON.stringify(property)} on ${String(v)}`).toBe(
          slow({ a: v }),
        );
    }
  });

  it('leaves everything outside its subset to Ajv', () => {
    for (const s of [
      { type: 'object', required: ['a'] },
      { type: 'object', properties: { id: { type: 'string', pattern: '^a' } } },
      { type: 'object', properties: { o: { type: 'object' } } },
      { type: 'object', properties: { l: { type: 'array' } } },
      { type: 'object', oneOf: [] },
      { type: 'object', properties: { n: { type: 'number', maxium: 3 } } },
      { type: 'object', properties: { s: { type: 'string', format: 'email' } } },
      { type: 'object', additionalProperties: { type: 'string' } },
      { type: 'array' },
    ]) {
      expect(compileSimpleSchema(s as Record<string, unknown>), JSON.stringify(s)).toBeUndefined();
    }
  });

  it('names the failing field', () => {
    const v = compileSimpleSchema({
      type: 'object',
      required: ['amount'],
      additionalProperties: false,
      properties: { amount: { type: 'number', maximum: 25000 } },
    });
    expect(v?.({ amount: 30000 })).toBe('`amount` must be <= 25000');
    expect(v?.({})).toBe('arguments is missing `amount`');
    expect(v?.({ amount: 1, x: 1 })).toBe('arguments has an unexpected field `x`');
    expect(v?.({ amount: 1 })).toBeUndefined();
  });
});
