/**
 * The sink's hot path writes the record text directly (record-encoder.ts). For any input it must
 * give the same bytes as building the record object and serialising it canonically, the same
 * hash `recordHash` (and so verify) computes, and the same row values as the record object.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildRecord,
  ChainWriter,
  canonicalJson,
  type DecisionRecord,
  type DecisionRecordInput,
  MemoryStore,
  recordHash,
  verifyStore,
} from '../../src/evidence/index.js';
import { COL, ROW_WIDTH, recordRows } from '../../src/evidence/record-row.js';
import { makeInput } from './make-input.js';

const key = fc.oneof(
  fc.string(),
  fc.constantFrom('__proto__', 'constructor', '0', '10', '-1', 'a.b', '', 'hash', '"'),
);
// Strings JSON must escape: quotes, backslashes, control characters, lone surrogates.
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', '"', '\\', '\u0000\n\t', '\ud800', 'é😀', '</script>'),
);
const leaf = fc.oneof(
  text,
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
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const time = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const input: fc.Arbitrary<DecisionRecordInput> = fc
  .record({
    n: fc.nat(1000),
    id: text,
    point: fc.oneof(fc.constantFrom('input', 'route', 'tool', 'output', 'persist'), text),
    effect: opt(fc.constantFrom('allow', 'deny', 'allow_with_conditions')),
    outcome: opt(fc.constantFrom('allowed', 'blocked', 'allowed_with_conditions')),
    rules: opt(fc.array(text, { maxLength: 3 })),
    risk: opt(fc.oneof(text, fc.constant(null))),
    obligations: opt(fc.array(fc.dictionary(key, value, { maxKeys: 3 }), { maxLength: 2 })),
    exceptions: opt(fc.array(text, { maxLength: 2 })),
    errors: opt(fc.array(fc.record({ code: text, rule: opt(text) }), { maxLength: 2 })),
    evidence: opt(fc.dictionary(key, value, { maxKeys: 4 })),
    policy: opt(fc.record({ name: text, version: text, digest: text })),
    interaction: opt(text),
    subjectId: opt(text),
    tenant: opt(text),
    route: opt(text),
    cohort: opt(text),
    failure: opt(text),
    retention: opt(fc.oneof(fc.constantFrom('90d', '1h', 'bogus'), text)),
    latencyUs: fc.oneof(fc.double({ min: -5, max: 1e7, noNaN: true }), fc.nat()),
    time,
    shadow: opt(
      fc.record({ digest: text, version: opt(text), outcome: text, rules: fc.array(text, { maxLength: 2 }) }),
    ),
    retained: opt(fc.record({ fields: fc.dictionary(key, value, { maxKeys: 3 }), retention: text })),
  })
  .map((g) => {
    const base = makeInput(g.n);
    const decision = {
      ...base.decision,
      decisionId: g.id,
      point: g.point,
      effect: g.effect,
      outcome: g.outcome,
      rules: g.rules,
      risk: g.risk,
      obligations: g.obligations,
      exceptions: g.exceptions,
      errors: g.errors,
      evidence: g.evidence,
      policy: g.policy,
    } as unknown as DecisionRecordInput['decision'];
    const out: DecisionRecordInput = { decision, latencyUs: g.latencyUs, time: g.time };
    for (const k of [
      'interaction',
      'subjectId',
      'tenant',
      'route',
      'cohort',
      'failure',
      'retention',
      'shadow',
      'retained',
    ] as const)
      if (g[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = g[k];
    return out;
  });

const subjectKey = Buffer.alloc(32, 9);
const redact = (s: string) => s.replace(/\d/g, '#');

describe('record encoder (the sink hot path)', () => {
  it('writes the canonical text of the record buildRecord + ChainWriter.append build, with the same hash and row', () => {
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 4 }), fc.boolean(), (inputs, redacting) => {
        const opts = {
          subjectKey,
          subjectCache: new Map<string, string>(),
          ...(redacting ? { redact } : {}),
        };
        const fast = new ChainWriter('s\t"1"');
        const slow = new ChainWriter('s\t"1"');
        const rows: unknown[] = [];
        for (const inp of inputs) {
          const hash = fast.encode(inp, opts, rows);
          const rec: DecisionRecord = slow.append(buildRecord(inp, opts));
          const at = rows.length - ROW_WIDTH;
          const body = rows[at + COL.body] as string;
          const { hash: _h, ...rest } = rec;
          // The hashed bytes are the canonical form of the record without `hash`...
          expect(body).toBe(`${canonicalJson(rest).slice(0, -1)},"hash":"${hash}"}`);
          // ...and verify's recompute agrees.
          expect(hash).toBe(rec.hash);
          expect(recordHash(JSON.parse(body))).toBe(hash);
          // The row carries the same column values as one made from the record object.
          expect(rows.slice(at)).toEqual(recordRows([rec]));
        }
        expect(fast.tail()).toEqual(slow.tail());
      }),
      { numRuns: 400 },
    );
  });

  it('rejects what buildRecord rejects, leaving the chain and the rows unchanged', () => {
    const chain = new ChainWriter('default');
    const rows: unknown[] = [];
    const opts = { subjectKey };
    const bad = [
      { ...makeInput(1), decision: { ...makeInput(1).decision, decisionId: 7 } },
      { ...makeInput(1), decision: undefined },
      { ...makeInput(1), time: 'not a time' },
    ] as unknown as DecisionRecordInput[];
    for (const b of bad) {
      expect(() => chain.encode(b, opts, rows)).toThrow(
        expect.objectContaining({ code: 'evidence/invalid-record' }),
      );
      expect(() => buildRecord(b, opts)).toThrow(
        expect.objectContaining({ code: 'evidence/invalid-record' }),
      );
    }
    expect(rows).toEqual([]);
    expect(chain.tail().seq).toBe(0);
  });

  it('stamps records without a time with the current RFC 3339 time', () => {
    const rows: unknown[] = [];
    const before = Date.now();
    const { time: _t, ...untimed } = makeInput(1);
    new ChainWriter('default').encode(untimed, { subjectKey }, rows);
    const t = rows[COL.time] as string;
    expect(t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(t)).toBeGreaterThanOrEqual(before);
    expect(JSON.parse(rows[COL.body] as string).time).toBe(t);
  });

  it('chains records that verify in a store', async () => {
    const chain = new ChainWriter('default');
    const rows: unknown[] = [];
    for (let i = 0; i < 20; i++) chain.encode(makeInput(i), { subjectKey }, rows);
    const store = new MemoryStore();
    await store.append(
      Array.from({ length: 20 }, (_, i) => JSON.parse(rows[i * ROW_WIDTH + COL.body] as string)),
      [],
    );
    expect((await verifyStore(store)).ok).toBe(true);
  });
});
