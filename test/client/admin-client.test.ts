/** rampart/client admin methods against a live server with a state directory. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import { createExceptionGrant } from '../../src/bundle/exceptions.js';
import { createClient, isRampartHttpError, type RampartHttpError } from '../../src/client/index.js';
import type { DecisionRequest } from '../../src/policy/types.js';
import { bundleFromText, makeGovernance, POLICY_TEXT } from '../bundle/bundle-fixtures.js';
import {
  type AdminServer,
  API_KEYS,
  gina,
  keys,
  refund,
  startAdminServer,
  v1,
  v2,
} from '../server/admin-fixture.js';

let t: AdminServer;
beforeAll(async () => {
  t = await startAdminServer();
});
afterAll(async () => {
  await t.close();
});

const as = (who: keyof typeof API_KEYS) => createClient({ baseUrl: t.url, apiKey: API_KEYS[who]!.key });
const refusal = async (p: Promise<unknown>): Promise<RampartHttpError> => {
  try {
    await p;
  } catch (e) {
    if (isRampartHttpError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('admin client', () => {
  it('uploads, verifies, activates, shadows, rolls out, withdraws and rolls back', async () => {
    const ops = as('operator');
    const reader = as('reader');
    const up = await ops.uploadBundle(serializeBundle(v1));
    expect(up).toMatchObject({ digest: v1.digest, approvers: ['alice', 'bob'] });
    expect((await reader.verifyBundle(serializeBundle(v2))).digest).toBe(v2.digest);
    expect((await ops.activateBundle(v1.digest, 'first')).digest).toBe(v1.digest);
    expect((await as('decider').decide('tool', refund(2000) as DecisionRequest)).policy.digest).toBe(
      v1.digest,
    );

    await ops.uploadBundle(serializeBundle(v2));
    expect((await ops.shadowBundle(v2.digest, 'look')).stage).toEqual({ mode: 'shadow' });
    expect((await reader.listBundles()).candidate?.digest).toBe(v2.digest);
    const ro = await ops.rolloutBundle(v2.digest, 'pilot', { tenants: ['globex'] });
    expect(ro.stage).toEqual({ mode: 'rollout', tenants: ['globex'] });
    expect(
      (await as('decider').decide('tool', refund(2000, 'globex') as DecisionRequest)).policy.digest,
    ).toBe(v2.digest);
    expect(await ops.withdrawCandidate('done')).toBe(true);
    expect(await ops.withdrawCandidate('again')).toBe(false);

    await ops.activateBundle(v2.digest, 'promote');
    expect((await ops.rollbackBundle(v1.manifest.version, 'back')).digest).toBe(v1.digest);
    const history = await reader.bundleHistory(3);
    expect(history.map((e) => e.action)).toEqual(['withdraw', 'activate', 'rollback']);

    const unsigned = await refusal(ops.uploadBundle(serializeBundle(bundleFromText(POLICY_TEXT))));
    expect([unsigned.status, unsigned.code]).toEqual([422, 'bundle/unsigned']);
    const forbidden = await refusal(reader.activateBundle(v2.digest, 'nope'));
    expect([forbidden.status, forbidden.code]).toEqual([403, 'server/forbidden']);
    const anonymous = await refusal(createClient({ baseUrl: t.url }).listBundles());
    expect([anonymous.status, anonymous.code]).toEqual([401, 'server/unauthorized']);
  });

  it('grants, lists and revokes exceptions', async () => {
    const governance = makeGovernance(keys, { required: 2, loosening: 3, granters: [gina!] });
    const grant = createExceptionGrant(
      {
        rules: ['block-ssn-output'],
        scope: { tenant: 'acme' },
        durationMs: 3_600_000,
        reason: 'incident 42',
        now: new Date(),
      },
      gina!,
      governance,
      () => 'critical',
    );
    const granter = as('granter');
    expect((await granter.grantException(grant)).id).toBe(grant.grant.id);
    expect((await granter.listExceptions()).grants.map((g) => g.id)).toEqual([grant.grant.id]);
    await granter.revokeException(grant.grant.id, 'over');
    expect((await granter.listExceptions()).grants).toEqual([]);
    const missing = await refusal(granter.revokeException(grant.grant.id, 'again'));
    expect([missing.status, missing.code]).toEqual([404, 'exception/not-found']);
  });

  it('queries logs and stats', async () => {
    const reader = as('reader');
    const admin = await reader.queryLogs({ stream: 'admin', order: 'asc', limit: 1000 });
    expect(admin[0]?.context).toMatchObject({ action: 'bundles.upload', actor: 'operator' });
    expect(admin.every((r) => r.point === 'admin')).toBe(true);
    const tool = await reader.queryLogs({ point: 'tool', limit: 1 });
    expect(tool).toHaveLength(1);
    expect(tool[0]?.point).toBe('tool');
    const stats = await reader.logStats('1h');
    expect(stats.total).toBeGreaterThanOrEqual(2);
    // Admin records are actions, not decisions: stats leave them out.
    expect(Object.keys(stats.byRule).some((r) => r.startsWith('admin/'))).toBe(false);
    const bad = await refusal(reader.logStats('forever'));
    expect([bad.status, bad.code]).toEqual([400, 'evidence/bad-query']);
  });
});
