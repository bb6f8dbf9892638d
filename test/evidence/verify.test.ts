import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildRecord,
  ChainWriter,
  canonicalJson,
  generateSigner,
  recordHash,
  type StoredLink,
  signCheckpoint,
  verifyLinks,
} from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';

const key = Buffer.alloc(32, 3);

function chainOf(n: number, stream = 's') {
  const w = new ChainWriter(stream);
  const links: StoredLink[] = [];
  for (let i = 0; i < n; i++) {
    const r = w.append(buildRecord(makeInput(i), { subjectKey: key }));
    links.push({ stream, seq: r.seq, prev: r.prev, hash: r.hash, record: JSON.parse(JSON.stringify(r)) });
  }
  const signer = generateSigner();
  const tail = w.tail();
  const cps = [
    signCheckpoint(signer, { stream, kind: 'periodic', seq: tail.seq, hash: tail.hash, time: 't' }),
  ];
  return { links, cps, signer };
}

describe('verifyLinks', () => {
  it('accepts an intact chain', () => {
    const { links, cps, signer } = chainOf(20);
    expect(verifyLinks('s', links, cps, signer.publicKey)).toMatchObject({
      ok: true,
      records: 20,
      signaturesChecked: true,
    });
  });

  it('finds any single alteration at its index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.nat(), fc.string({ minLength: 1 }), (n, at, value) => {
        const { links, cps, signer } = chainOf(n);
        const i = at % n;
        const rec = links[i]!.record!;
        rec.context = { ...rec.context, 'tool.name': `${String(rec.context['tool.name'])}${value}` };
        const v = verifyLinks('s', links, cps, signer.publicKey);
        expect(v.ok).toBe(false);
        expect(v.problem).toMatchObject({ kind: 'altered', index: i, seq: i + 1 });
      }),
      { numRuns: 60 },
    );
  });

  it('finds any single removal at its index, including the last record', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.nat(), (n, at) => {
        const { links, cps, signer } = chainOf(n);
        const i = at % n;
        links.splice(i, 1);
        const v = verifyLinks('s', links, cps, signer.publicKey);
        expect(v.ok).toBe(false);
        expect(v.problem).toMatchObject({ kind: 'removed', index: i, seq: i + 1 });
      }),
      { numRuns: 60 },
    );
  });

  it('finds any swap of two records at the earlier index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 30 }), fc.nat(), fc.nat(), (n, a, b) => {
        const i = a % n;
        let j = b % n;
        if (j === i) j = (i + 1) % n;
        const { links, cps, signer } = chainOf(n);
        [links[i], links[j]] = [links[j]!, links[i]!];
        const v = verifyLinks('s', links, cps, signer.publicKey);
        expect(v.ok).toBe(false);
        expect(v.problem).toMatchObject({ kind: 'reordered', index: Math.min(i, j) });
      }),
      { numRuns: 60 },
    );
  });

  it('catches a chain rewritten with recomputed hashes through the signed checkpoint', () => {
    const { links, cps, signer } = chainOf(10);
    // Rebuild the chain from record 4 on with a changed record, recomputing every hash.
    let prev = links[3]!.prev;
    for (let i = 3; i < links.length; i++) {
      const rec = links[i]!.record!;
      if (i === 3) rec.outcome = 'allowed';
      rec.prev = prev;
      rec.hash = recordHash(rec);
      links[i] = { ...links[i]!, prev, hash: rec.hash, record: rec };
      prev = rec.hash;
    }
    const v = verifyLinks('s', links, cps, signer.publicKey);
    expect(v.problem).toMatchObject({ kind: 'altered', index: 9 });
  });

  it('rejects a forged checkpoint', () => {
    const { links, cps } = chainOf(5);
    const other = generateSigner();
    expect(verifyLinks('s', links, cps, other.publicKey).problem).toMatchObject({ kind: 'bad-checkpoint' });
  });

  it('reports a body removed without a signed purge', () => {
    const { links, cps, signer } = chainOf(5);
    links[2]!.record = null;
    expect(verifyLinks('s', links, cps, signer.publicKey).problem).toMatchObject({
      kind: 'removed',
      index: 2,
    });
  });
});

describe('canonical JSON', () => {
  it('the fast chained serialisation equals the generic canonical form for any record content', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.option(fc.string(), { nil: undefined }),
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 3 }),
        (context, cohort, obligations) => {
          const body = buildRecord(makeInput(1, { cohort }), { subjectKey: key });
          body.context = context;
          body.obligations = obligations.map((o) => ({ ...o, type: 'notify' as const }));
          const rec = new ChainWriter('s').append(body);
          expect(recordHash(JSON.parse(JSON.stringify(rec)))).toBe(rec.hash);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('orders keys and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: [undefined, { d: undefined, c: 'x' }] })).toBe(
      '{"a":[null,{"c":"x"}],"b":1}',
    );
    expect(() => canonicalJson(Number.NaN)).toThrow(/non-finite/);
  });
});
