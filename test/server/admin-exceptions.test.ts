/** Admin API, exceptions: granter-signed grants are verified, applied at once, listed and revoked. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundleTexts } from '../../src/bundle/bundle-format.js';
import { createExceptionGrant, ruleRiskFromView, serializeExceptions } from '../../src/bundle/exceptions.js';
import { readPolicyView } from '../../src/bundle/policy-view.js';
import { makeGovernance } from '../bundle/bundle-fixtures.js';
import {
  type AdminServer,
  adminRecords,
  gina,
  keys,
  outsider,
  startAdminServer,
  uploadAndActivate,
  v1,
} from './admin-fixture.js';

const HOUR = 3_600_000;
const ruleRisk = ruleRiskFromView(readPolicyView(bundleTexts(v1)));
const governance = makeGovernance(keys, { required: 2, loosening: 3, granters: [gina!] });
const ssnOutput = {
  principal: { id: 'u-1', tenant: 'acme' },
  context: { route: 'staff-console' },
  output: { text: 'The customer SSN is 536-22-8714.' },
};
const signedGrant = (over: { rules?: string[]; durationMs?: number; key?: typeof gina; now?: Date } = {}) =>
  createExceptionGrant(
    {
      rules: over.rules ?? ['block-ssn-output'],
      scope: { tenant: 'acme' },
      durationMs: over.durationMs ?? 2 * HOUR,
      reason: 'export for incident 42',
      now: over.now ?? new Date(),
    },
    over.key ?? gina!,
    // Sign with a governance that lists the key, so refusals come from the server's own check.
    over.key && over.key !== gina ? makeGovernance(keys, { granters: [over.key] }) : governance,
    (id) => ruleRisk(id) ?? 'low',
  );

let t: AdminServer;
beforeEach(async () => {
  t = await startAdminServer();
  await uploadAndActivate(t, v1);
});
afterEach(async () => {
  await t.close();
});

const decideOutput = async () => (await t.call('reader', 'POST', '/v1/decide/output', ssnOutput)).body;

describe('exception grants over the admin API', () => {
  it('applies a verified grant at once, lists it, and stops applying it once revoked', async () => {
    expect((await decideOutput()).effect).toBe('deny');
    const grant = signedGrant();
    const res = await t.call('granter', 'POST', '/v1/admin/exceptions/grant', { grant });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ granted: { id: grant.grant.id, granter: 'gina' }, risk: 'critical' });

    const waived = await decideOutput();
    expect(waived.effect).toBe('allow');
    expect(waived.exceptions).toEqual([grant.grant.id]);
    // Written where `rampart exceptions list` reads it.
    const file = JSON.parse(await readFile(join(t.store.dir, 'exceptions.json'), 'utf8'));
    expect(file.grants.map((g: { grant: { id: string } }) => g.grant.id)).toEqual([grant.grant.id]);

    const list = await t.call('reader', 'GET', '/v1/admin/exceptions');
    expect(list.body.grants).toEqual([expect.objectContaining({ id: grant.grant.id, risk: 'critical' })]);

    const rv = await t.call('granter', 'POST', '/v1/admin/exceptions/revoke', {
      id: grant.grant.id,
      reason: 'done',
    });
    expect(rv.body).toEqual({ revoked: grant.grant.id });
    expect((await decideOutput()).effect).toBe('deny');
    expect((await t.call('reader', 'GET', '/v1/admin/exceptions')).body.grants).toEqual([]);

    await t.sink.flush();
    const audit = adminRecords(t.sink).filter((r) => r.context.action.startsWith('exceptions.'));
    expect(audit.map((r) => [r.context.action, r.context.outcome, r.context.target])).toEqual([
      ['exceptions.grant', 'ok', grant.grant.id],
      ['exceptions.revoke', 'ok', grant.grant.id],
    ]);
    // The audit keeps a digest of the grant, not its signature.
    expect(JSON.stringify(audit)).not.toContain(grant.signature);
  });

  it('drops grants expired over 30 days ago from exceptions.json when it next grants, keeping recent ones', async () => {
    const DAY = 24 * HOUR;
    const longGone = signedGrant({ now: new Date(Date.now() - 40 * DAY) });
    const lately = signedGrant({ now: new Date(Date.now() - 2 * DAY) });
    await writeFile(join(t.store.dir, 'exceptions.json'), serializeExceptions([longGone, lately]));
    const fresh = signedGrant();
    expect((await t.call('granter', 'POST', '/v1/admin/exceptions/grant', { grant: fresh })).status).toBe(
      200,
    );
    const file = JSON.parse(await readFile(join(t.store.dir, 'exceptions.json'), 'utf8'));
    expect(file.grants.map((g: { grant: { id: string } }) => g.grant.id).sort()).toEqual(
      [lately.grant.id, fresh.grant.id].sort(),
    );
  });

  it('refuses forged, unauthorised, over-long, unknown-rule and expired grants with stable codes', async () => {
    const forged = signedGrant();
    forged.grant.scope = { tenant: 'globex' };
    const notGranter = signedGrant({ key: outsider });
    // Signed under a laxer copy of governance: the server judges by the trusted one (critical: 1d).
    const lax = {
      ...governance,
      exceptionMaxDuration: { ...governance.exceptionMaxDuration, critical: 30 * 24 * HOUR },
    };
    const tooLong = createExceptionGrant(
      {
        rules: ['block-ssn-output'],
        scope: { tenant: 'acme' },
        durationMs: 3 * 24 * HOUR,
        reason: 'r',
        now: new Date(),
      },
      gina!,
      lax,
      (id) => ruleRisk(id) ?? 'low',
    );
    const unknown = createExceptionGrant(
      { rules: ['no-such-rule'], scope: { tenant: 'acme' }, durationMs: HOUR, reason: 'r', now: new Date() },
      gina!,
      governance,
      () => 'low',
    );
    const expired = signedGrant({ now: new Date(Date.now() - 3 * HOUR), durationMs: HOUR });
    const cases: [string, unknown, string][] = [
      ['forged scope', forged, 'exception/bad-signature'],
      ['not a granter', notGranter, 'exception/not-granter'],
      ['longer than governance allows', tooLong, 'exception/too-long'],
      ['unknown rule', unknown, 'exception/unknown-rule'],
      ['expired', expired, 'exception/expired'],
      ['malformed', { grant: { id: 'x' } }, 'exception/invalid'],
    ];
    for (const [name, grant, code] of cases) {
      const res = await t.call('granter', 'POST', '/v1/admin/exceptions/grant', { grant });
      expect([name, res.status, res.body.error.code]).toEqual([name, 422, code]);
    }
    expect((await decideOutput()).effect).toBe('deny');
    for (const body of [{}, { grant: 'text' }, { grant: {}, extra: 1 }]) {
      const res = await t.call('granter', 'POST', '/v1/admin/exceptions/grant', body);
      expect([res.status, res.body.error.code]).toEqual([422, 'server/invalid-request']);
    }
    const missing = await t.call('granter', 'POST', '/v1/admin/exceptions/revoke', {
      id: 'ex-0',
      reason: 'r',
    });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'exception/not-found']);
    const noReason = await t.call('granter', 'POST', '/v1/admin/exceptions/revoke', { id: 'ex-0' });
    expect([noReason.status, noReason.body.error.code]).toEqual([422, 'server/invalid-request']);
    await t.sink.flush();
    const refused = adminRecords(t.sink).filter((r) => r.context.action === 'exceptions.grant');
    expect(refused.map((r) => r.context.code)).toEqual(cases.map(([, , code]) => code));
  });
});
