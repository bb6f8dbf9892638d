/** Shared test setup: fixture sources, freshly generated keys (never committed) and governance text. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Bundle } from '../../src/bundle/bundle-format.js';
import { collectSourceFiles } from '../../src/bundle/collect-sources.js';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { type Governance, parseGovernance } from '../../src/bundle/governance.js';
import { generateSigningKey, loadSigningKey, type SigningKey } from '../../src/bundle/keys.js';
import { signBundle } from '../../src/bundle/sign-bundle.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/bundle/claims', import.meta.url));
export const POLICY_TEXT = readFileSync(`${FIXTURE_DIR}/policy.yaml`, 'utf8');
export const FIXED_NOW = new Date('2026-11-25T12:00:00Z');

/** A named key pair made for this test run. */
export interface TestKey extends SigningKey {
  id: string;
  pem: string;
}

export function makeKeys(ids: string[]): TestKey[] {
  return ids.map((id) => {
    const g = generateSigningKey();
    return { id, pem: g.privateKeyPem, ...loadSigningKey(g.privateKeyPem) };
  });
}

export function governanceYaml(
  approvers: TestKey[],
  opts: { required?: number; loosening?: number; granters?: TestKey[]; revoked?: string[] } = {},
): string {
  const list = (keys: TestKey[], extra = '') =>
    keys.map((k) => `  - { id: ${k.id}, publicKey: "${k.publicKey}"${extra} }`).join('\n');
  return [
    'apiVersion: rampart.dev/v1',
    'kind: Governance',
    'owners: [safety-team]',
    'escalation: { contact: safety-oncall@example.com }',
    'approvers:',
    list(approvers),
    'exceptionGranters:',
    opts.granters && opts.granters.length > 0 ? list(opts.granters) : '  []',
    'signatures:',
    `  required: ${opts.required ?? 2}`,
    `  loosening: ${opts.loosening ?? 3}`,
    `revokedKeys: [${(opts.revoked ?? []).map((r) => `"${r}"`).join(', ')}]`,
    'exceptions:',
    '  maxDuration: { low: 90d, medium: 30d, high: 7d, critical: 1d }',
    '',
  ].join('\n');
}

export function makeGovernance(
  approvers: TestKey[],
  opts: Parameters<typeof governanceYaml>[1] = {},
): Governance {
  return parseGovernance(governanceYaml(approvers, opts));
}

export function bundleFromText(
  text: string,
  opts: { parent?: Bundle; changelog?: string; version?: string } = {},
): Bundle {
  return createBundle({
    files: [
      { path: 'claims/policy.yaml', bytes: Buffer.from(text) },
      { path: 'claims/README.md', bytes: Buffer.from('fixture\n') },
    ],
    entry: 'claims',
    changelog: opts.changelog ?? 'initial policy',
    ...(opts.version ? { version: opts.version } : {}),
    ...(opts.parent ? { parent: opts.parent } : {}),
    createdAt: FIXED_NOW,
    builder: 'test',
  });
}

export async function fixtureBundle(): Promise<Bundle> {
  const src = await collectSourceFiles(FIXTURE_DIR);
  return createBundle({
    files: src.files,
    entry: src.entry,
    changelog: 'initial policy',
    createdAt: FIXED_NOW,
    builder: 'test',
  });
}

export function signAll(bundle: Bundle, keys: TestKey[]): Bundle {
  return keys.reduce((b, k) => signBundle(b, k, { signer: k.id, now: FIXED_NOW }), bundle);
}
