import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeBundleDigest, parseBundle, serializeBundle } from '../../src/bundle/bundle-format.js';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { isBundleError } from '../../src/bundle/errors.js';
import { verifyBundle } from '../../src/bundle/verify-bundle.js';
import { FIXED_NOW, fixtureBundle, makeGovernance, makeKeys, signAll } from './bundle-fixtures.js';

describe('bundle format', () => {
  it('gives the same digest for the same sources regardless of time, builder or commit', async () => {
    const a = await fixtureBundle();
    const files = Object.entries(a.files).map(([path, f]) => ({
      path,
      bytes: Buffer.from(f.content, 'utf8'),
    }));
    const b = createBundle({
      files: files.reverse(),
      entry: a.manifest.entry,
      changelog: 'initial policy',
      createdAt: new Date('2030-01-01T00:00:00Z'),
      builder: 'someone-else@elsewhere',
      sourceCommit: 'abc123',
    });
    expect(b.digest).toBe(a.digest);
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.keys(a.files)).toEqual(['README.md', 'policy.yaml', 'tests/refunds.yaml']);
    expect(a.manifest).toMatchObject({
      name: 'claims-assistant',
      version: '2026.11.25-1',
      entry: '',
      parent: null,
    });
  });

  it('changes the digest when any file or the changelog changes', async () => {
    const a = await fixtureBundle();
    const other = { ...a, manifest: { ...a.manifest, changelog: 'different' } };
    expect(computeBundleDigest(other)).not.toBe(a.digest);
    const f = a.files['claims/README.md']!;
    const edited = { ...a, files: { ...a.files, 'claims/README.md': { ...f, sha256: '0'.repeat(64) } } };
    expect(computeBundleDigest(edited)).not.toBe(a.digest);
  });

  it('round-trips through its canonical serialisation', async () => {
    const a = await fixtureBundle();
    expect(parseBundle(serializeBundle(a))).toEqual(a);
  });

  it('pins binary files as canonical base64', () => {
    const bytes = Uint8Array.from([0, 255, 1, 2, 3, 200]);
    const b = createBundle({
      files: [
        {
          path: 'p/policy.yaml',
          bytes: Buffer.from(
            'apiVersion: rampart.dev/v1\nkind: Policy\nmetadata: { name: x, version: 1.0.0 }\n',
          ),
        },
        { path: 'p/model.bin', bytes },
      ],
      entry: 'p',
      changelog: 'add model',
      createdAt: FIXED_NOW,
      builder: 't',
    });
    expect(b.files['p/model.bin']).toMatchObject({ encoding: 'base64', size: 6 });
    expect(parseBundle(serializeBundle(b)).digest).toBe(b.digest);
  });

  it.each([
    ['missing changelog', { changelog: '  ' }, 'bundle/missing-changelog'],
    ['bad version', { version: 'latest' }, 'bundle/malformed'],
  ])('refuses to build with %s', (_name, override, code) => {
    expect(() =>
      createBundle({
        files: [
          {
            path: 'p.yaml',
            bytes: Buffer.from(
              'apiVersion: rampart.dev/v1\nkind: Policy\nmetadata: { name: x, version: 1.0.0 }\n',
            ),
          },
        ],
        changelog: 'x',
        createdAt: FIXED_NOW,
        builder: 't',
        ...override,
      }),
    ).toThrow(expect.objectContaining({ code }));
  });

  it.each([['../etc/passwd'], ['/abs'], ['a//b'], ['a/./b']])('refuses unsafe path %s', (path) => {
    expect(() =>
      createBundle({
        files: [{ path, bytes: Buffer.from('x') }],
        changelog: 'x',
        createdAt: FIXED_NOW,
        builder: 't',
        name: 'x',
        version: '1.0.0',
      }),
    ).toThrow(expect.objectContaining({ code: 'bundle/unsafe-path' }));
  });

  it.each([
    ['not JSON', '{', 'bundle/malformed'],
    ['wrong format', '{"format":"zip"}', 'bundle/malformed'],
  ])('refuses %s', (_n, text, code) => {
    expect(() => parseBundle(text)).toThrow(expect.objectContaining({ code }));
  });
});

describe('tampering', () => {
  it('refuses a signed bundle after flipping any single byte', async () => {
    const keys = makeKeys(['alice', 'bob', 'carol']);
    const governance = makeGovernance(keys, { required: 2, loosening: 3 });
    const signed = signAll(await fixtureBundle(), keys.slice(0, 2));
    const bytes = Buffer.from(serializeBundle(signed), 'utf8');
    expect(verifyBundle(bytes, { governance }).approvers).toEqual(['alice', 'bob']);
    fc.assert(
      fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (pos, delta) => {
        const copy = Buffer.from(bytes);
        copy[pos] = ((copy[pos] as number) + delta) % 256;
        try {
          verifyBundle(copy, { governance });
          return false;
        } catch (error) {
          return isBundleError(error);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('reports which kind of tampering it found', async () => {
    const keys = makeKeys(['alice', 'bob']);
    const governance = makeGovernance(keys, { required: 1, loosening: 2 });
    const signed = signAll(await fixtureBundle(), keys.slice(0, 1));
    const text = serializeBundle(signed);
    const cases: [string, string, string][] = [
      ['file content', text.replace('Fixture policy', 'Fixture p0licy'), 'bundle/file-digest-mismatch'],
      ['reformatted', text.replace(/\n {2}/g, '\n   '), 'bundle/not-canonical'],
      [
        'created-at',
        text.replace('2026-11-25T12:00:00.000Z', '2026-11-25T12:00:01.000Z'),
        'bundle/bad-signature',
      ],
      ['changelog', text.replace('"initial policy"', '"initial p0licy"'), 'bundle/digest-mismatch'],
    ];
    for (const [name, tampered, code] of cases) {
      expect(tampered, name).not.toBe(text);
      expect(() => verifyBundle(tampered, { governance }), name).toThrow(expect.objectContaining({ code }));
    }
  });
});
