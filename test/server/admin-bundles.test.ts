/** Admin API, bundles: upload/verify refusals, activate, shadow, rollout, withdraw, rollback, list, history. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import type { PgActivationStore } from '../../src/bundle/pg-activation-store.js';
import type { AdminBundleStore } from '../../src/server/admin/bundles.js';
import { bundleFromText, POLICY_TEXT, signAll } from '../bundle/bundle-fixtures.js';
import {
  type AdminServer,
  API_KEYS,
  adminRecords,
  keys,
  outsider,
  refund,
  startAdminServer,
  uploadAndActivate,
  v1,
  v2,
} from './admin-fixture.js';

let t: AdminServer;
beforeEach(async () => {
  t = await startAdminServer();
});
afterEach(async () => {
  await t.close();
});

const decideRefund = async (amount: number, tenant = 'acme') =>
  (await t.call('decider', 'POST', '/v1/decide/tool', refund(amount, tenant))).body;

describe('bundle upload and verify', () => {
  it('stores a bundle verified against the trusted governance, without activating it', async () => {
    const res = await t.call('operator', 'POST', '/v1/admin/bundles/upload', serializeBundle(v1));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      stored: true,
      digest: v1.digest,
      approvers: ['alice', 'bob'],
      required: 2,
    });
    expect((await decideRefund(2000)).rules).toEqual(['rampart/safe-baseline']);
    const list = await t.call('reader', 'GET', '/v1/admin/bundles');
    expect(list.body.active.kind).toBe('safe-baseline');
    expect(list.body.bundles).toEqual([expect.objectContaining({ digest: v1.digest, active: false })]);
  });

  it('refuses an unsigned, an under-signed, a foreign-signed and a tampered bundle with their own codes', async () => {
    const unsigned = bundleFromText(POLICY_TEXT);
    const underSigned = signAll(bundleFromText(POLICY_TEXT), keys.slice(0, 1));
    const foreign = signAll(bundleFromText(POLICY_TEXT), [keys[0]!, outsider]);
    const tampered = JSON.parse(serializeBundle(v1));
    const file = Object.keys(tampered.files)[0] as string;
    // Change a policy file's bytes but keep the recorded digests and signatures: integrity must catch it.
    tampered.files[file].content += '# changed after signing\n';
    const cases: [string, string, string][] = [
      ['unsigned', serializeBundle(unsigned), 'bundle/unsigned'],
      ['under-signed', serializeBundle(underSigned), 'bundle/under-signed'],
      ['foreign key', serializeBundle(foreign), 'bundle/unknown-key'],
    ];
    for (const [name, body, code] of cases) {
      const res = await t.call('operator', 'POST', '/v1/admin/bundles/upload', body);
      expect([name, res.status, res.body.error.code]).toEqual([name, 422, code]);
    }
    const bad = await t.call('operator', 'POST', '/v1/admin/bundles/upload', JSON.stringify(tampered));
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('bundle/file-digest-mismatch');
    // Nothing was stored, and every refusal is an audit record.
    expect((await t.call('reader', 'GET', '/v1/admin/bundles')).body.bundles).toEqual([]);
    const refused = adminRecords(t.sink).filter((r) => r.context.outcome === 'refused');
    expect(refused.map((r) => r.context.code)).toEqual([
      'bundle/unsigned',
      'bundle/under-signed',
      'bundle/unknown-key',
      bad.body.error.code,
    ]);
    expect(refused.every((r) => /^sha256:[0-9a-f]{64}$/.test(r.context.digest))).toBe(true);
  });

  it('answers 400 for malformed JSON, 413 over the upload limit, 415 for a non-JSON type', async () => {
    expect((await t.call('operator', 'POST', '/v1/admin/bundles/upload', '{"format":')).body.error.code).toBe(
      'bundle/malformed',
    );
    const empty = await t.call('operator', 'POST', '/v1/admin/bundles/upload', '');
    expect([empty.status, empty.body.error.code]).toEqual([400, 'server/bad-json']);
    const deep = await t.call(
      'operator',
      'POST',
      '/v1/admin/bundles/upload',
      `${'['.repeat(100)}${']'.repeat(100)}`,
    );
    expect([deep.status, deep.body.error.code]).toEqual([400, 'server/too-deep']);
    const big = await fetch(`${t.url}/v1/admin/bundles/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEYS.operator!.key}` },
      body: `"${'x'.repeat(9 * 1024 * 1024)}"`,
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('server/body-too-large');
    const form = await fetch(`${t.url}/v1/admin/bundles/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${API_KEYS.operator!.key}` },
      body: serializeBundle(v1),
    });
    expect(form.status).toBe(415);
  });

  it('verifies without storing (admin:read)', async () => {
    const ok = await t.call('reader', 'POST', '/v1/admin/bundles/verify', serializeBundle(v2));
    expect(ok.body).toMatchObject({ valid: true, digest: v2.digest, version: '2026.11.26-1' });
    const bad = await t.call(
      'reader',
      'POST',
      '/v1/admin/bundles/verify',
      serializeBundle(bundleFromText(POLICY_TEXT)),
    );
    expect([bad.status, bad.body.error.code]).toEqual([422, 'bundle/unsigned']);
    expect((await t.call('reader', 'GET', '/v1/admin/bundles')).body.bundles).toEqual([]);
  });
});

describe('activate, rollback, history', () => {
  it('activates an uploaded bundle: the next decision uses it; rollback returns to the previous version', async () => {
    const first = await uploadAndActivate(t, v1);
    expect(first.active).toMatchObject({ digest: v1.digest });
    const d1 = await decideRefund(2000);
    expect(d1.policy.digest).toBe(v1.digest);
    expect(d1.effect).toBe('allow_with_conditions');
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);

    await uploadAndActivate(t, v2);
    const d2 = await decideRefund(2000);
    expect(d2.policy.digest).toBe(v2.digest);
    expect(d2.effect).toBe('allow');
    // The state directory holds what `rampart activate` would have written.
    expect(JSON.parse(await readFile(join(t.store.dir, 'active.json'), 'utf8')).digest).toBe(v2.digest);

    const rb = await t.call('operator', 'POST', '/v1/admin/bundles/rollback', {
      to: v1.manifest.version,
      reason: 'v2 approves too much',
    });
    expect(rb.status).toBe(200);
    expect(rb.body.active.digest).toBe(v1.digest);
    expect((await decideRefund(2000)).policy.digest).toBe(v1.digest);

    const safe = await t.call('operator', 'POST', '/v1/admin/bundles/rollback', {
      to: 'safe-baseline',
      reason: 'incident',
    });
    expect(safe.status).toBe(200);
    expect((await decideRefund(2000)).rules).toEqual(['rampart/safe-baseline']);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(503);

    const history = await t.call('reader', 'GET', '/v1/admin/bundles/history?limit=10');
    expect(history.body.entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['activate', 'operator'],
      ['activate', 'operator'],
      ['rollback', 'operator'],
      ['rollback', 'operator'],
    ]);
    const audit = adminRecords(t.sink).map((r) => [r.context.action, r.context.outcome]);
    expect(audit).toEqual([
      ['bundles.upload', 'ok'],
      ['bundles.activate', 'ok'],
      ['bundles.upload', 'ok'],
      ['bundles.activate', 'ok'],
      ['bundles.rollback', 'ok'],
      ['bundles.rollback', 'ok'],
    ]);
  });

  it('refuses to activate what was never uploaded (404) and malformed requests (422)', async () => {
    const missing = await t.call('operator', 'POST', '/v1/admin/bundles/activate', {
      digest: v1.digest,
      reason: 'x',
    });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'bundle/not-found']);
    for (const body of [
      { digest: 'nope', reason: 'x' },
      { digest: v1.digest },
      { digest: v1.digest, reason: 'x', extra: 1 },
      [],
    ]) {
      const res = await t.call('operator', 'POST', '/v1/admin/bundles/activate', body);
      expect([res.status, res.body.error.code]).toEqual([422, 'server/invalid-request']);
    }
    const rb = await t.call('operator', 'POST', '/v1/admin/bundles/rollback', { to: '9.9.9', reason: 'x' });
    expect([rb.status, rb.body.error.code]).toEqual([404, 'bundle/not-found']);
    const hist = await t.call('reader', 'GET', '/v1/admin/bundles/history?limit=zero');
    expect([hist.status, hist.body.error.code]).toEqual([422, 'server/invalid-request']);
  });
});

describe('shadow and rollout in the decide path', () => {
  it('records the shadow candidate divergence on the decision record and never enforces it', async () => {
    await uploadAndActivate(t, v1);
    await t.call('operator', 'POST', '/v1/admin/bundles/upload', serializeBundle(v2));
    const sh = await t.call('operator', 'POST', '/v1/admin/bundles/shadow', {
      digest: v2.digest,
      reason: 'try v2',
    });
    expect(sh.status).toBe(200);
    expect(sh.body.candidate).toMatchObject({ digest: v2.digest, stage: { mode: 'shadow' } });

    const big = await decideRefund(2000);
    expect(big.policy.digest).toBe(v1.digest);
    expect(big.effect).toBe('allow_with_conditions');
    const small = await decideRefund(100);
    await t.sink.flush();
    const rec = (id: string) => t.sink.records.find((r) => r.id === id);
    expect(rec(big.decisionId)?.shadow).toEqual({
      digest: v2.digest,
      version: '2026.11.26-1',
      outcome: 'allowed',
      rules: ['refund-small'],
    });
    expect(rec(big.decisionId)?.cohort).toBe('stable');
    // Agreement leaves no shadow field.
    expect(rec(small.decisionId)?.shadow).toBeUndefined();

    const stats = await t.call('reader', 'GET', '/v1/admin/logs/stats?window=1h');
    expect(stats.body.shadowDivergences).toBe(1);
    expect(stats.body.byShadowCandidate).toEqual({ [v2.digest]: 1 });

    const wd = await t.call('operator', 'POST', '/v1/admin/bundles/withdraw', { reason: 'enough' });
    expect(wd.body).toEqual({ withdrawn: true });
    const after = await decideRefund(2000);
    await t.sink.flush();
    expect(rec(after.decisionId)?.shadow).toBeUndefined();
    expect((await t.call('reader', 'GET', '/v1/admin/bundles')).body.candidate).toBeNull();
  });

  it('enforces a rollout candidate for its cohort only, and records the cohort', async () => {
    await uploadAndActivate(t, v1);
    await t.call('operator', 'POST', '/v1/admin/bundles/upload', serializeBundle(v2));
    const ro = await t.call('operator', 'POST', '/v1/admin/bundles/rollout', {
      digest: v2.digest,
      reason: 'pilot',
      tenants: ['globex'],
    });
    expect(ro.status).toBe(200);
    const pilot = await decideRefund(2000, 'globex');
    const rest = await decideRefund(2000, 'acme');
    expect([pilot.policy.digest, pilot.effect]).toEqual([v2.digest, 'allow']);
    expect([rest.policy.digest, rest.effect]).toEqual([v1.digest, 'allow_with_conditions']);
    await t.sink.flush();
    const rec = (id: string) => t.sink.records.find((r) => r.id === id);
    expect(rec(pilot.decisionId)?.cohort).toBe('rollout');
    expect(rec(rest.decisionId)?.cohort).toBe('stable');
    // Outside the cohort the candidate still shadows.
    expect(rec(rest.decisionId)?.shadow?.digest).toBe(v2.digest);

    // Promoting the candidate ends the rollout.
    await t.call('operator', 'POST', '/v1/admin/bundles/activate', { digest: v2.digest, reason: 'promote' });
    expect((await t.call('reader', 'GET', '/v1/admin/bundles')).body.candidate).toBeNull();
    expect((await decideRefund(2000, 'acme')).policy.digest).toBe(v2.digest);
  });

  it('refuses a rollout without a cohort or with a bad percent', async () => {
    await t.call('operator', 'POST', '/v1/admin/bundles/upload', serializeBundle(v2));
    for (const extra of [
      {},
      { percent: 101 },
      { percent: '5' },
      { hashBy: 'session', percent: 5 },
      { tenants: [1] },
    ]) {
      const res = await t.call('operator', 'POST', '/v1/admin/bundles/rollout', {
        digest: v2.digest,
        reason: 'x',
        ...extra,
      });
      expect([res.status, res.body.error.code]).toEqual([422, 'server/invalid-request']);
    }
  });
});

describe('other activation stores', () => {
  it('accepts a store attached after creation and without a directory (uploads kept in memory, as in a cluster)', async () => {
    const plain = await startAdminServer({ withState: false });
    try {
      const file = plain.store;
      // The shape a cluster's PgActivationStore offers: no directory to keep uploads in.
      const dirless: AdminBundleStore = {
        activate: (d, m, s) => file.activate(d, m, s),
        stage: (d, st, m, s) => file.stage(d, st, m, s),
        withdraw: (m) => file.withdraw(m),
        rollback: (to, m) => file.rollback(to, m),
        list: () => file.list(),
        activeBundle: () => file.activeBundle(),
        history: file.history,
      };
      await plain.server.admin.attach({ runtime: plain.runtime, store: dirless });
      await uploadAndActivate(plain, v1);
      await uploadAndActivate(plain, v2);
      const d = await plain.call('decider', 'POST', '/v1/decide/tool', refund(2000));
      expect(d.body.policy.digest).toBe(v2.digest);
      const rb = await plain.call('operator', 'POST', '/v1/admin/bundles/rollback', {
        to: v1.digest,
        reason: 'back',
      });
      expect(rb.status).toBe(200);
      expect((await plain.call('decider', 'POST', '/v1/decide/tool', refund(2000))).body.policy.digest).toBe(
        v1.digest,
      );
      const safe = await plain.call('operator', 'POST', '/v1/admin/bundles/rollback', {
        to: 'safe-baseline',
        reason: 'x',
      });
      expect(safe.status).toBe(200);
      expect((await plain.call('decider', 'POST', '/v1/decide/tool', refund(2000))).body.rules).toEqual([
        'rampart/safe-baseline',
      ]);
      // Exceptions need a file: without a directory or `exceptionsPath` they are not configured.
      const ex = await plain.call('granter', 'GET', '/v1/admin/exceptions');
      expect([ex.status, ex.body.error.code]).toEqual([409, 'server/not-configured']);
    } finally {
      await plain.close();
    }
  });

  it('takes a PostgreSQL activation store as it is (type-level)', () => {
    const fits = (s: PgActivationStore): AdminBundleStore => s;
    expect(typeof fits).toBe('function');
  });
});

describe('without a state directory', () => {
  it('answers 409 server/not-configured for bundle and exception routes (after authorization)', async () => {
    const plain = await startAdminServer({ withState: false });
    try {
      const res = await plain.call('operator', 'POST', '/v1/admin/bundles/upload', serializeBundle(v1));
      expect([res.status, res.body.error.code]).toEqual([409, 'server/not-configured']);
      const ex = await plain.call('granter', 'GET', '/v1/admin/exceptions');
      expect([ex.status, ex.body.error.code]).toEqual([409, 'server/not-configured']);
      const denied = await plain.call('decider', 'POST', '/v1/admin/bundles/upload', serializeBundle(v1));
      expect(denied.status).toBe(403);
    } finally {
      await plain.close();
    }
  });
});
