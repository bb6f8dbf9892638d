import { describe, expect, it } from 'vitest';
import { computeBundleDigest, serializeBundle } from '../../src/bundle/bundle-format.js';
import { verifyBundle } from '../../src/bundle/verify-bundle.js';
import { bundleFromText, makeGovernance, makeKeys, POLICY_TEXT, signAll } from './bundle-fixtures.js';

const keys = makeKeys(['alice', 'bob', 'carol']);
const [alice, bob, carol] = keys as [(typeof keys)[0], (typeof keys)[0], (typeof keys)[0]];
const governance = makeGovernance(keys, { required: 2, loosening: 3 });

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? 'thrown';
  }
}

describe('verifyBundle: k of n', () => {
  const v1 = bundleFromText(POLICY_TEXT);
  it.each([
    ['unsigned', [], 'bundle/unsigned'],
    ['one of two', [alice], 'bundle/under-signed'],
    ['two of two', [alice, bob], 'ok'],
    ['three', [alice, bob, carol], 'ok'],
  ])('%s', (_name, signers, wanted) => {
    expect(code(() => verifyBundle(serializeBundle(signAll(v1, signers)), { governance }))).toBe(wanted);
  });

  it('counts the same approver once even when signing twice', () => {
    const twice = signAll(signAll(v1, [alice]), [alice]);
    expect(twice.signatures).toHaveLength(1);
    expect(code(() => verifyBundle(twice, { governance }))).toBe('bundle/under-signed');
  });

  it('refuses a signature from a key not in governance', () => {
    const [mallory] = makeKeys(['mallory']);
    expect(code(() => verifyBundle(signAll(v1, [alice, bob, mallory!]), { governance }))).toBe(
      'bundle/unknown-key',
    );
  });

  it('refuses a signature whose key id was swapped', () => {
    const signed = signAll(v1, [alice, bob]);
    const forged = {
      ...signed,
      signatures: signed.signatures.map((s, i) => (i === 0 ? { ...s, keyId: carol.keyId } : s)),
    };
    expect(code(() => verifyBundle(forged, { governance }))).toBe('bundle/bad-signature');
  });
});

describe('verifyBundle: key revocation', () => {
  const v1 = bundleFromText(POLICY_TEXT);
  const signed = signAll(v1, [alice, bob]);
  it('accepts before revocation and refuses after', () => {
    expect(code(() => verifyBundle(signed, { governance }))).toBe('ok');
    const revoked = makeGovernance(keys, { required: 2, loosening: 2, revoked: [bob.keyId] });
    expect(code(() => verifyBundle(signed, { governance: revoked }))).toBe('bundle/revoked-key');
  });
  it('accepts a bundle re-signed by the remaining approvers', () => {
    const revoked = makeGovernance(keys, { required: 2, loosening: 2, revoked: [bob.publicKey] });
    expect(code(() => verifyBundle(signAll(v1, [alice, carol]), { governance: revoked }))).toBe('ok');
  });
});

describe('verifyBundle: loosening high-risk rules needs the higher k', () => {
  const v1 = signAll(bundleFromText(POLICY_TEXT), [alice, bob]);
  const loosenedText = POLICY_TEXT.replace('tool.args.amount > 1000.0', 'tool.args.amount > 5000.0');
  const tightenedText = POLICY_TEXT.replace(
    'amount: { type: number, maximum: 25000 }',
    'amount: { type: number, maximum: 25000 }\n        currency: { type: string }',
  ).replace(
    '  - id: block-ssn-output',
    '  - id: block-card-output\n    point: output\n    when: findings.pii.exists(f, f.type == "CREDIT_CARD")\n    effect: deny\n    risk: high\n    reason: no cards\n  - id: block-ssn-output',
  );

  it('records loosening in the manifest and needs 3 signatures', () => {
    const v2 = bundleFromText(loosenedText, {
      parent: v1,
      changelog: 'raise supervisor limit',
      version: '2026.11.26-1',
    });
    expect(v2.manifest.loosening).toEqual([
      'rule refund-over-limit-needs-supervisor (high) condition changed',
    ]);
    expect(code(() => verifyBundle(signAll(v2, [alice, bob]), { governance, parent: v1 }))).toBe(
      'bundle/under-signed',
    );
    expect(code(() => verifyBundle(signAll(v2, [alice, bob]), { governance }))).toBe('bundle/under-signed');
    expect(code(() => verifyBundle(signAll(v2, [alice, bob, carol]), { governance, parent: v1 }))).toBe('ok');
  });

  it('does not need the higher k for a tightening', () => {
    const v2 = bundleFromText(tightenedText, {
      parent: v1,
      changelog: 'block cards',
      version: '2026.11.26-1',
    });
    expect(v2.manifest.loosening).toEqual(['tool payments.refund (high) parameter schema changed']);
    const v3 = bundleFromText(
      POLICY_TEXT.replace(
        '  - id: block-ssn-output',
        '  - id: block-card-output\n    point: output\n    effect: deny\n    risk: high\n  - id: block-ssn-output',
      ),
      {
        parent: v1,
        changelog: 'block cards',
      },
    );
    expect(v3.manifest.loosening).toEqual([]);
    expect(code(() => verifyBundle(signAll(v3, [alice, bob]), { governance, parent: v1 }))).toBe('ok');
  });

  it('refuses a bundle that hides its loosening when the parent is known', () => {
    // Built without the parent, so nothing is declared, then pointed at the parent by hand.
    const sneaky = bundleFromText(loosenedText, { changelog: 'tidy up' });
    const withParent = { ...sneaky, manifest: { ...sneaky.manifest, parent: v1.digest } };
    const redigested = bundleFromText(loosenedText, { changelog: 'tidy up', parent: v1 });
    expect(redigested.manifest.loosening.length).toBeGreaterThan(0);
    // Two approvers sign a bundle whose manifest names the parent but declares no loosening.
    const hidden = { ...withParent, digest: computeBundleDigest(withParent) };
    const signed = signAll(hidden, [alice, bob]);
    expect(code(() => verifyBundle(signed, { governance, parent: v1 }))).toBe('bundle/loosening-undeclared');
  });
});
