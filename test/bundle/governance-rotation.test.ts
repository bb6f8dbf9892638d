import { describe, expect, it } from 'vitest';
import { type Bundle, serializeBundle } from '../../src/bundle/bundle-format.js';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { PolicyRuntime } from '../../src/bundle/policy-runtime.js';
import {
  FIXED_NOW,
  governanceYaml,
  makeGovernance,
  makeKeys,
  POLICY_TEXT,
  signAll,
  type TestKey,
} from './bundle-fixtures.js';

const [alice, bob, carol] = makeKeys(['alice', 'bob', 'carol']) as [TestKey, TestKey, TestKey];

function withGovernance(version: string, gov: string, parent?: Bundle): Bundle {
  return createBundle({
    files: [
      { path: 'claims/policy.yaml', bytes: Buffer.from(POLICY_TEXT) },
      { path: 'claims/governance.yaml', bytes: Buffer.from(gov) },
    ],
    entry: 'claims',
    changelog: `release ${version}`,
    version,
    ...(parent ? { parent } : {}),
    createdAt: FIXED_NOW,
    builder: 'test',
  });
}

describe('governance rotation with followBundleGovernance', () => {
  // v1 is approved under {alice, bob}; it ships a governance that adds carol and revokes bob.
  const rotated = governanceYaml([alice, bob, carol], { required: 2, loosening: 2, revoked: [bob.keyId] });
  const v1 = signAll(withGovernance('1.0.0', rotated), [alice, bob]);

  it('verifies the next bundle under the governance the active bundle carries', async () => {
    const runtime = new PolicyRuntime({
      governance: makeGovernance([alice, bob], { required: 2, loosening: 2 }),
      followBundleGovernance: true,
    });
    expect((await runtime.offer(serializeBundle(v1), { source: 't' })).status).toBe('activated');
    expect(runtime.governance().approvers.map((a) => a.id)).toEqual(['alice', 'bob', 'carol']);
    const byBob = signAll(withGovernance('1.0.1', rotated, v1), [alice, bob]);
    expect(await runtime.offer(serializeBundle(byBob), { source: 't' })).toMatchObject({
      status: 'rejected',
      error: { code: 'bundle/revoked-key' },
    });
    const byCarol = signAll(withGovernance('1.0.1', rotated, v1), [alice, carol]);
    expect((await runtime.offer(serializeBundle(byCarol), { source: 't' })).status).toBe('activated');
  });

  it('keeps the operator governance when rotation is off, and refuses a bundle with invalid governance', async () => {
    const fixed = new PolicyRuntime({
      governance: makeGovernance([alice, bob], { required: 2, loosening: 2 }),
    });
    await fixed.offer(serializeBundle(v1), { source: 't' });
    expect(fixed.governance().approvers.map((a) => a.id)).toEqual(['alice', 'bob']);
    const following = new PolicyRuntime({
      governance: makeGovernance([alice, bob], { required: 2, loosening: 2 }),
      followBundleGovernance: true,
    });
    const broken = signAll(withGovernance('1.0.0', 'kind: Governance\n'), [alice, bob]);
    expect(await following.offer(serializeBundle(broken), { source: 't' })).toMatchObject({
      status: 'rejected',
      error: { code: 'governance/invalid' },
    });
    expect(following.current().kind).toBe('safe-baseline');
  });
});
