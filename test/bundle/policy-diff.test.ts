import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleTexts } from '../../src/bundle/bundle-format.js';
import { createExceptionGrant, ruleRiskFromView } from '../../src/bundle/exceptions.js';
import { diffPolicies, formatPolicyDiff } from '../../src/bundle/policy-diff.js';
import { readPolicyView } from '../../src/bundle/policy-view.js';
import { diffText } from '../../src/cli/commands/diff.js';
import { bundleFromText, FIXED_NOW, makeGovernance, makeKeys, POLICY_TEXT } from './bundle-fixtures.js';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/bundle/${p}`, import.meta.url));

function golden(name: string, actual: string): void {
  const path = fixture(name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('rampart diff', () => {
  it('matches the golden report for claims → claims-v2 with a request sample', async () => {
    const text = await diffText(fixture('claims'), fixture('claims-v2'), {
      requests: fixture('requests.jsonl'),
    });
    golden('diff-claims-v2.golden.txt', text);
  });

  it('matches the golden report for an unchanged policy', async () => {
    golden('diff-unchanged.golden.txt', await diffText(fixture('claims'), fixture('claims'), {}));
  });

  it('shows exceptions granted and removed', () => {
    const [gina] = makeKeys(['gina']);
    const governance = makeGovernance(makeKeys(['a', 'b']), { required: 1, loosening: 2, granters: [gina!] });
    const view = readPolicyView(bundleTexts(bundleFromText(POLICY_TEXT)));
    const grant = createExceptionGrant(
      {
        rules: ['refund-small'],
        scope: { tenant: 'acme' },
        durationMs: 86_400_000,
        reason: 'pilot',
        now: FIXED_NOW,
      },
      gina!,
      governance,
      ruleRiskFromView(view),
    );
    const added = formatPolicyDiff(diffPolicies(view, view, { before: [], after: [grant] }));
    expect(added).toBe(
      `\nExceptions (1)\n  + ${grant.grant.id}: waives refund-small (medium) for tenant=acme until 2026-11-26T12:00:00.000Z — gina: pilot`,
    );
    expect(formatPolicyDiff(diffPolicies(view, view, { before: [grant], after: [] }))).toContain(
      `  - ${grant.grant.id}`,
    );
  });

  it('reports rules removed and tools dropped', () => {
    const before = readPolicyView(bundleTexts(bundleFromText(POLICY_TEXT)));
    const after = readPolicyView(
      bundleTexts(
        bundleFromText(
          POLICY_TEXT.replace(/ {2}- id: block-ssn-output[\s\S]*?message: I can't share that.\n/, ''),
        ),
      ),
    );
    const d = diffPolicies(before, after);
    expect(d.rules).toEqual([
      {
        id: 'block-ssn-output',
        kind: 'removed',
        summary: 'output deny critical when findings.pii.exists(f, f.type == "US_SSN")',
        fields: [],
      },
    ]);
    expect(d.loosening).toEqual(['rule block-ssn-output (critical) removed']);
  });
});
