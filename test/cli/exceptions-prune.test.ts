/**
 * `rampart exceptions grant` into a file drops grants that expired over 30 days ago, as the admin
 * API does, and keeps recently expired ones (still listed as expired) and everything unexpired.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTexts, serializeBundle } from '../../src/bundle/bundle-format.js';
import { createExceptionGrant, ruleRiskFromView, serializeExceptions } from '../../src/bundle/exceptions.js';
import { readPolicyView } from '../../src/bundle/policy-view.js';
import { runExceptionsGrant } from '../../src/cli/commands/exceptions.js';
import { GOVERNANCE_TEXT, gina, governance, v1 } from '../server/admin-fixture.js';

const DAY = 86_400_000;
const silent = { stdout: { write: () => true }, stderr: { write: () => true } };
const ruleRisk = ruleRiskFromView(readPolicyView(bundleTexts(v1)));
const grantedAt = (daysAgo: number) =>
  createExceptionGrant(
    {
      rules: ['block-ssn-output'],
      scope: { tenant: 'acme' },
      durationMs: 2 * 3_600_000,
      reason: 'incident',
      now: new Date(Date.now() - daysAgo * DAY),
    },
    gina!,
    governance,
    (id) => ruleRisk(id) ?? 'low',
  );

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-exprune-'));
  await writeFile(join(dir, 'governance.yaml'), GOVERNANCE_TEXT);
  await writeFile(join(dir, 'gina.key'), (gina as NonNullable<typeof gina>).pem);
  await writeFile(join(dir, 'v1.bundle.json'), serializeBundle(v1));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rampart exceptions grant into a file', () => {
  it('drops grants expired over 30 days ago and keeps the rest', async () => {
    const state = join(dir, 'state');
    await mkdir(state);
    const longGone = grantedAt(45);
    const lately = grantedAt(3);
    await writeFile(join(state, 'exceptions.json'), serializeExceptions([longGone, lately]));
    const code = await runExceptionsGrant(
      {
        state,
        evidence: join(dir, 'evidence.db'),
        governance: join(dir, 'governance.yaml'),
        key: join(dir, 'gina.key'),
        bundle: join(dir, 'v1.bundle.json'),
        rule: ['block-ssn-output'],
        scope: 'tenant=globex',
        expires: '2h',
        reason: 'new incident',
      },
      silent,
    );
    expect(code).toBe(0);
    const file = JSON.parse(await readFile(join(state, 'exceptions.json'), 'utf8'));
    const kept = file.grants.map((g: { grant: { id: string; scope: { tenant: string } } }) => g.grant);
    expect(kept.map((g: { id: string }) => g.id)).toContain(lately.grant.id);
    expect(kept.map((g: { id: string }) => g.id)).not.toContain(longGone.grant.id);
    expect(kept.filter((g: { scope: { tenant: string } }) => g.scope.tenant === 'globex')).toHaveLength(1);
  });
});
