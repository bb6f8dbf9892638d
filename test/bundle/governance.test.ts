import { describe, expect, it } from 'vitest';
import { isBundleError } from '../../src/bundle/errors.js';
import { parseGovernance } from '../../src/bundle/governance.js';
import { governanceYaml, makeKeys } from './bundle-fixtures.js';

const keys = makeKeys(['alice', 'bob', 'carol']);

function problems(text: string): string[] {
  try {
    parseGovernance(text, 'governance.yaml');
  } catch (error) {
    if (!isBundleError(error)) throw error;
    expect(error.code).toBe('governance/invalid');
    return error.diagnostics.map((d) => `${d.location?.line}:${d.location?.column} ${d.message}`);
  }
  return [];
}

describe('governance.yaml', () => {
  it('parses a valid file', () => {
    const g = parseGovernance(
      governanceYaml(keys, { required: 2, loosening: 3, granters: [keys[2]!], revoked: [] }),
    );
    expect(g.approvers.map((a) => a.id)).toEqual(['alice', 'bob', 'carol']);
    expect(g.signatures).toEqual({ required: 2, loosening: 3 });
    expect(g.exceptionGranters[0]?.keyId).toBe(keys[2]!.keyId);
    expect(g.exceptionMaxDuration.high).toBe(7 * 86_400_000);
    expect(g.escalation.contact).toBe('safety-oncall@example.com');
  });

  it('accepts revoked keys as key ids or public keys', () => {
    const g = parseGovernance(
      governanceYaml(keys, { required: 1, revoked: [keys[0]!.keyId, keys[1]!.publicKey] }),
    );
    expect(g.revokedKeys).toEqual([keys[0]!.keyId, keys[1]!.keyId]);
  });

  const valid = governanceYaml(keys, { required: 2, loosening: 3 });
  it.each([
    ['unknown top-level key', valid.replace('owners:', 'ownerz: [x]\nowners:'), ['3:1 unknown key `ownerz`']],
    [
      'bad public key',
      valid.replace(keys[1]!.publicKey, 'ed25519:zz'),
      ['7:27 approvers[1].publicKey must look like'],
    ],
    ['k above n', valid.replace('loosening: 3', 'loosening: 4'), ['needs 4 signatures but only 3 approvers']],
    [
      'loosening below required',
      valid.replace('loosening: 3', 'loosening: 1'),
      ['signatures.loosening must be a whole number ≥ signatures.required'],
    ],
    [
      'zero k',
      valid.replace('required: 2', 'required: 0'),
      ['signatures.required must be a whole number ≥ 1'],
    ],
    ['duplicate approver', valid.replace('id: bob', 'id: alice'), ['duplicate approvers id `alice`']],
    ['bad duration', valid.replace('high: 7d', 'high: forever'), ['duration must look like']],
    ['unknown risk class', valid.replace('high: 7d', 'severe: 7d'), ['unknown risk class `severe`']],
    [
      'missing escalation',
      valid.replace('escalation: { contact: safety-oncall@example.com }\n', ''),
      ['escalation.contact is required'],
    ],
    ['wrong kind', valid.replace('kind: Governance', 'kind: Policy'), ['kind must be Governance']],
    ['YAML syntax', 'owners: [a\n', ['']],
    [
      'revocation leaves too few',
      governanceYaml(keys, { required: 3, loosening: 3, revoked: [keys[0]!.keyId] }),
      ['after revocation only 2 approvers remain'],
    ],
  ])('reports %s with a location', (_name, text, wanted) => {
    const found = problems(text);
    expect(found.length).toBeGreaterThan(0);
    for (const w of wanted)
      expect(
        found.some((f) => f.includes(w)),
        `${w} in ${found.join(' | ')}`,
      ).toBe(true);
    for (const f of found) expect(f).toMatch(/^\d+:\d+ /);
  });
});
