/**
 * Exception grants across two `activation: postgres` instances (real PostgreSQL and Redis, each
 * reached through a loopback proxy the test can cut): a grant or revocation made through the admin
 * API of one instance, or with `rampart exceptions … --database … --redis …`, applies on both within
 * a second (the poll is 30 s, so the Redis notice is what is proven); refused grants keep the codes
 * of the state-directory mode and change nothing; with PostgreSQL gone grant and revoke answer 503
 * while both instances keep deciding with the grants they loaded, each still ending at its expiry;
 * with Redis gone a grant still commits, and the other instance catches up on reconnect (or poll).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleTexts, serializeBundle } from '../../../src/bundle/bundle-format.js';
import { createExceptionGrant, ruleRiskFromView } from '../../../src/bundle/exceptions.js';
import { PgExceptionsStore } from '../../../src/bundle/pg-exceptions-store.js';
import { readPolicyView } from '../../../src/bundle/policy-view.js';
import {
  runExceptionsGrant,
  runExceptionsList,
  runExceptionsRevoke,
} from '../../../src/cli/commands/exceptions.js';
import { MemorySink } from '../../../src/evidence/index.js';
import { type ClusterNode, joinCluster } from '../../../src/server/cluster/cluster-node.js';
import { createDecisionServer, type DecisionServer } from '../../../src/server/index.js';
import { makeGovernance } from '../../bundle/bundle-fixtures.js';
import { dropSchemas, PG_URL } from '../../evidence/pg-probe.js';
import { API_KEYS, AUTH, GOVERNANCE_TEXT, gina, governance, keys, outsider, v1 } from '../admin-fixture.js';
import { redisThrough, servicesAvailable, TcpProxy, within } from '../multi-instance-harness.js';
import type { Json } from '../test-server.js';

const available = await servicesAvailable();
const inCi = Boolean(process.env.CI);

describe('PostgreSQL and Redis for the shared exception tests', () => {
  it.runIf(inCi)('are reachable when CI=true', () => {
    expect(available).toBe(true);
  });
});

const HOUR = 3_600_000;
const ruleRisk = ruleRiskFromView(readPolicyView(bundleTexts(v1)));
const ssnOutput = (tenant = 'acme') => ({
  principal: { id: 'u-1', tenant },
  context: { route: 'staff-console' },
  output: { text: 'The customer SSN is 536-22-8714.' },
});
const signed = (
  over: { tenant?: string; durationMs?: number; key?: typeof gina; now?: Date; rules?: string[] } = {},
) =>
  createExceptionGrant(
    {
      rules: over.rules ?? ['block-ssn-output'],
      scope: { tenant: over.tenant ?? 'acme' },
      durationMs: over.durationMs ?? 2 * HOUR,
      reason: 'export for incident 42',
      now: over.now ?? new Date(),
    },
    over.key ?? (gina as NonNullable<typeof gina>),
    // Sign with a governance that lists the key, so refusals come from the instance's own check.
    over.key && over.key !== gina ? makeGovernance(keys, { granters: [over.key] }) : governance,
    (id) => ruleRisk(id) ?? 'low',
  );

interface Instance {
  name: string;
  url: string;
  server: DecisionServer;
  node: ClusterNode;
  redis: Redis;
  audit: MemorySink;
  call(
    who: keyof typeof API_KEYS | undefined,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{
    status: number;
    body: Json;
  }>;
  stop(): Promise<void>;
}

describe.skipIf(!available && !inCi)(
  'shared exception grants on two instances (real PostgreSQL and Redis)',
  () => {
    const schema = `rampart_test_shex_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
    const prefix = `rampart:test:shex:${process.pid}:${Date.now()}:`;
    const pgProxy = new TcpProxy(new URL(PG_URL).hostname, Number(new URL(PG_URL).port || 5432));
    const redisProxy = new TcpProxy('127.0.0.1', 6379);
    const measured: Record<string, number> = {};
    const instances: Instance[] = [];
    let a: Instance;
    let b: Instance;
    let dir: string;
    let cliFlags: {
      database: string;
      schema: string;
      redis: string;
      redisPrefix: string;
      governance: string;
    };

    async function start(name: string): Promise<Instance> {
      const pgUrl = new URL(PG_URL);
      pgUrl.host = `127.0.0.1:${pgProxy.port}`;
      const redis = redisThrough(redisProxy.port);
      // Decisions' evidence and the admin audit stay in memory: an outage of the activation store is
      // then what the PostgreSQL tests below take away, not the evidence the decisions need.
      const evidence = new MemorySink();
      const server = await createDecisionServer({ evidence, auth: AUTH });
      const url = await server.listen(0, '127.0.0.1');
      const node = await joinCluster({
        server,
        governance,
        database: {
          connection: { connectionString: pgUrl.toString(), connectionTimeoutMillis: 1000 },
          schema,
        },
        redis,
        prefix,
        instance: name,
        // Long poll: propagation measured here is the notice path, not the poll.
        pollMs: 30_000,
        tickMs: 1000,
      });
      const inst: Instance = {
        name,
        url,
        server,
        node,
        redis,
        audit: evidence,
        async call(who, method, path, body) {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (who) headers.authorization = `Bearer ${API_KEYS[who]?.key}`;
          const res = await fetch(`${url}${path}`, {
            method,
            headers,
            ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          });
          const text = await res.text();
          return { status: res.status, body: text ? JSON.parse(text) : undefined };
        },
        async stop() {
          await node.stop();
          await server.close();
          redis.disconnect();
        },
      };
      instances.push(inst);
      return inst;
    }

    const effect = async (i: Instance, tenant = 'acme') =>
      (await i.call('reader', 'POST', '/v1/decide/output', ssnOutput(tenant))).body.effect as string;
    /** Both instances give `want` for `tenant`: ms until they did, or undefined after `ms`. */
    const bothDecide = (want: string, tenant = 'acme', ms = 1000) =>
      within(async () => (await effect(a, tenant)) === want && (await effect(b, tenant)) === want, ms);
    const auditOf = (i: Instance) =>
      i.audit.store.links_
        .filter((l) => l.stream === 'admin')
        .map((l) => l.record as Json)
        .filter((r) => String(r.context.action).startsWith('exceptions.'));

    beforeAll(async () => {
      await pgProxy.start();
      await redisProxy.start();
      a = await start('a');
      b = await start('b');
      await a.node.store.activate(serializeBundle(v1), { actor: 'alice', reason: 'first release' });
      expect(await within(() => b.server.decider.active()?.digest === v1.digest, 2000)).toBeDefined();
      dir = await mkdtemp(join(tmpdir(), 'rampart-shex-'));
      await writeFile(join(dir, 'governance.yaml'), GOVERNANCE_TEXT);
      await writeFile(join(dir, 'gina.key'), (gina as NonNullable<typeof gina>).pem);
      await writeFile(join(dir, 'ozzy.key'), outsider.pem);
      cliFlags = {
        database: PG_URL,
        schema,
        redis: 'redis://127.0.0.1:6379',
        redisPrefix: prefix,
        governance: join(dir, 'governance.yaml'),
      };
    }, 30_000);

    afterAll(async () => {
      console.info(`shared exceptions propagation (ms): ${JSON.stringify(measured)}`);
      for (const i of instances) await i.stop().catch(() => undefined);
      await pgProxy.close();
      await redisProxy.close();
      const c = new Redis({ host: '127.0.0.1', port: 6379 });
      const stale = await c.keys(`${prefix}*`);
      if (stale.length > 0) await c.del(...stale);
      c.disconnect();
      await dropSchemas([schema]);
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 30_000);

    it('a grant through the admin API of A applies on B within a second, and a revocation on B ends it on A', async () => {
      expect(await effect(b)).toBe('deny');
      const grant = signed();
      const res = await a.call('granter', 'POST', '/v1/admin/exceptions/grant', { grant });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ granted: { id: grant.grant.id, granter: 'gina' }, risk: 'critical' });
      measured.apiGrant = (await bothDecide('allow')) as number;
      expect(measured.apiGrant).toBeDefined();
      const waived = await b.call('reader', 'POST', '/v1/decide/output', ssnOutput());
      expect(waived.body.exceptions).toEqual([grant.grant.id]);
      // Scoped: another tenant is still refused.
      expect(await effect(b, 'globex')).toBe('deny');
      const listed = await b.call('reader', 'GET', '/v1/admin/exceptions');
      expect(listed.body.grants).toEqual([expect.objectContaining({ id: grant.grant.id, risk: 'critical' })]);

      const rv = await b.call('granter', 'POST', '/v1/admin/exceptions/revoke', {
        id: grant.grant.id,
        reason: 'done',
      });
      expect(rv.body).toEqual({ revoked: grant.grant.id });
      measured.apiRevoke = (await bothDecide('deny')) as number;
      expect(measured.apiRevoke).toBeDefined();
      // Revoked already (on B): A answers as the state-directory mode does.
      const again = await a.call('granter', 'POST', '/v1/admin/exceptions/revoke', {
        id: grant.grant.id,
        reason: 'x',
      });
      expect([again.status, again.body.error.code]).toEqual([404, 'exception/not-found']);

      // Audited where the action was taken, as in the state-directory mode.
      expect(auditOf(a).map((r) => [r.context.action, r.context.outcome, r.context.target])).toEqual([
        ['exceptions.grant', 'ok', grant.grant.id],
        ['exceptions.revoke', 'refused', grant.grant.id],
      ]);
      expect(auditOf(b).map((r) => [r.context.action, r.context.outcome])).toEqual([
        ['exceptions.revoke', 'ok'],
      ]);
    });

    it('rampart exceptions grant/list/revoke --database --redis reach both instances within a second', async () => {
      const out: string[] = [];
      const err: string[] = [];
      const io = {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: (s: string) => err.push(s) },
      };
      const code = await runExceptionsGrant(
        {
          ...cliFlags,
          key: join(dir, 'gina.key'),
          rule: ['block-ssn-output'],
          scope: 'tenant=initech',
          expires: '2h',
          reason: 'incident 43',
        },
        io,
      );
      expect([code, err.join('')]).toEqual([0, '']);
      const t0 = performance.now();
      expect(out.join('')).toMatch(
        /granted ex-[0-9a-f]{12}: waives block-ssn-output \(critical\) for tenant=initech/,
      );
      expect(out.join('')).toMatch(/announced on .*exceptions to 2 subscribed instance\(s\)/);
      const id = /granted (ex-[0-9a-f]{12})/.exec(out.join(''))?.[1] as string;
      expect(await bothDecide('allow', 'initech')).toBeDefined();
      measured.cliGrant = Math.round(performance.now() - t0);

      out.length = 0;
      expect(await runExceptionsList({ ...cliFlags, json: true }, io)).toBe(0);
      expect(JSON.parse(out.join('')).grants.map((g: { grant: { id: string } }) => g.grant.id)).toEqual([id]);

      out.length = 0;
      // Revoking needs no governance (it only makes decisions stricter).
      const { governance: _g, ...noGovernance } = cliFlags;
      expect(await runExceptionsRevoke(id, { ...noGovernance, reason: 'incident closed' }, io)).toBe(0);
      const t1 = performance.now();
      expect(out.join('')).toMatch(/announced on .*exceptions to 2 subscribed instance\(s\)/);
      expect(await bothDecide('deny', 'initech')).toBeDefined();
      measured.cliRevoke = Math.round(performance.now() - t1);
      err.length = 0;
      expect(await runExceptionsRevoke(id, { ...noGovernance, reason: 'twice' }, io)).toBe(1);
      expect(err.join('')).toContain('exception/not-found');
    });

    it('refuses a grant by a non-granter, an expired, a forged and a malformed one with the state-directory codes, changing nothing', async () => {
      const revision = await a.node.exceptions.store.revision();
      const forged = signed();
      forged.grant.scope = { tenant: 'globex' };
      const cases: [string, unknown, string][] = [
        ['not a granter', signed({ key: outsider }), 'exception/not-granter'],
        ['expired', signed({ now: new Date(Date.now() - 3 * HOUR), durationMs: HOUR }), 'exception/expired'],
        ['forged scope', forged, 'exception/bad-signature'],
        ['unknown rule', signed({ rules: ['no-such-rule'] }), 'exception/unknown-rule'],
        ['malformed', { grant: { id: 'x' } }, 'exception/invalid'],
      ];
      for (const [name, grant, code] of cases) {
        const res = await a.call('granter', 'POST', '/v1/admin/exceptions/grant', { grant });
        expect([name, res.status, res.body.error.code]).toEqual([name, 422, code]);
      }
      const refusedAudit = auditOf(a).filter(
        (r) => r.context.outcome === 'refused' && r.context.action === 'exceptions.grant',
      );
      expect(refusedAudit.map((r) => r.context.code)).toEqual(cases.map(([, , code]) => code));

      // The CLI against the shared store: the same checks, the same codes, exit 1.
      const err: string[] = [];
      const io = { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } };
      const base = {
        ...cliFlags,
        rule: ['block-ssn-output'],
        scope: 'tenant=globex',
        expires: '1h',
        reason: 'r',
      };
      expect(await runExceptionsGrant({ ...base, key: join(dir, 'ozzy.key') }, io)).toBe(1);
      expect(err.join('')).toContain('exception/not-granter');
      err.length = 0;
      expect(
        await runExceptionsGrant(
          { ...base, key: join(dir, 'gina.key') },
          io,
          new Date(Date.now() - 2 * HOUR),
        ),
      ).toBe(1);
      expect(err.join('')).toContain('exception/expired');
      err.length = 0;
      expect(await runExceptionsGrant({ ...base, key: join(dir, 'gina.key'), expires: '30d' }, io)).toBe(1);
      expect(err.join('')).toContain('exception/too-long');

      expect(await a.node.exceptions.store.revision()).toBe(revision);
      expect(await effect(b, 'globex')).toBe('deny');
      expect((await b.call('reader', 'GET', '/v1/admin/exceptions')).body.grants).toEqual([]);
    });

    it('answers 401 and 403 on the cluster routes before reading anything, and audits a known caller refused', async () => {
      const grant = signed({ tenant: 'umbrella' });
      const cases: [keyof typeof API_KEYS | undefined, 'GET' | 'POST', string, unknown, number][] = [
        [undefined, 'GET', '/v1/admin/exceptions', undefined, 401],
        [undefined, 'POST', '/v1/admin/exceptions/grant', { grant }, 401],
        [undefined, 'POST', '/v1/admin/exceptions/revoke', { id: 'ex-0', reason: 'r' }, 401],
        ['decider', 'GET', '/v1/admin/exceptions', undefined, 403],
        ['reader', 'POST', '/v1/admin/exceptions/grant', { grant }, 403],
        ['operator', 'POST', '/v1/admin/exceptions/revoke', { id: 'ex-0', reason: 'r' }, 403],
      ];
      for (const [who, method, path, body, status] of cases) {
        const res = await a.call(who, method, path, body);
        expect([who, path, res.status, res.body.error.code]).toEqual([
          who,
          path,
          status,
          status === 401 ? 'server/unauthorized' : 'server/forbidden',
        ]);
      }
      const forbidden = auditOf(a).filter((r) => r.context.code === 'server/forbidden');
      expect(forbidden.map((r) => r.context.action)).toEqual(['exceptions.grant', 'exceptions.revoke']);
      expect(await effect(b, 'umbrella')).toBe('deny');
    });

    it('with PostgreSQL gone grant and revoke answer 503, both keep deciding with their grants, which still end at expiry', async () => {
      const lasting = signed({ tenant: 'acme' });
      const brief = signed({ tenant: 'hooli', durationMs: 2500 });
      for (const grant of [lasting, brief])
        expect((await a.call('granter', 'POST', '/v1/admin/exceptions/grant', { grant })).status).toBe(200);
      expect(await bothDecide('allow', 'acme')).toBeDefined();
      expect(await bothDecide('allow', 'hooli')).toBeDefined();

      await pgProxy.cut();
      const refused = await a.call('granter', 'POST', '/v1/admin/exceptions/grant', {
        grant: signed({ tenant: 'x' }),
      });
      expect([refused.status, refused.body.error.code]).toEqual([503, 'server/unavailable']);
      const revoke = await b.call('granter', 'POST', '/v1/admin/exceptions/revoke', {
        id: lasting.grant.id,
        reason: 'r',
      });
      expect([revoke.status, revoke.body.error.code]).toEqual([503, 'server/unavailable']);
      // The listing still answers, with the grants this instance applies, marked stale.
      const listed = await b.call('reader', 'GET', '/v1/admin/exceptions');
      expect(listed.status).toBe(200);
      expect(listed.body.stale).toMatch(
        /exceptions store is unavailable: these are the grants this instance loaded last/,
      );
      expect(listed.body.grants.map((g: { id: string }) => g.id).sort()).toEqual(
        [lasting.grant.id, brief.grant.id].sort(),
      );
      await b.node.exceptions.sync();
      expect(b.node.exceptions.lastError).toBeDefined();
      const health = b.node.health().find((h) => h.name === 'postgres');
      expect(health?.ok).toBe(false);
      // Still deciding with what they loaded; the brief grant stops at its own expiry, store or not.
      expect(await effect(a, 'acme')).toBe('allow');
      expect(await effect(b, 'acme')).toBe('allow');
      const expiresIn = Date.parse(brief.grant.expires) - Date.now();
      expect(await bothDecide('deny', 'hooli', Math.max(0, expiresIn) + 1000)).toBeDefined();
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(brief.grant.expires));
      expect(await effect(b, 'acme')).toBe('allow');
      expect(auditOf(a).at(-1)?.context).toMatchObject({
        action: 'exceptions.grant',
        outcome: 'refused',
        code: 'server/unavailable',
      });

      await pgProxy.restore();
      // Back: the revocation that was refused goes through and reaches A within a second.
      const ok = await within(
        async () =>
          (
            await b.call('granter', 'POST', '/v1/admin/exceptions/revoke', {
              id: lasting.grant.id,
              reason: 'r',
            })
          ).status === 200,
        10_000,
      );
      expect(ok).toBeDefined();
      expect(await bothDecide('deny', 'acme')).toBeDefined();
      await b.node.exceptions.sync();
      expect(b.node.exceptions.lastError).toBeUndefined();
      const fresh = await b.call('reader', 'GET', '/v1/admin/exceptions');
      expect([fresh.status, fresh.body.stale]).toEqual([200, undefined]);
    }, 30_000);

    it('with Redis gone a grant is committed and applies where it was made; the other instance catches up when Redis is back, or at its poll', async () => {
      await redisProxy.cut();
      expect(
        await within(() => a.redis.status !== 'ready' && b.redis.status !== 'ready', 2000),
      ).toBeDefined();
      const grant = signed({ tenant: 'stark' });
      const res = await a.call('granter', 'POST', '/v1/admin/exceptions/grant', { grant });
      expect(res.status).toBe(200);
      expect(await effect(a, 'stark')).toBe('allow');
      // No notice reached B (its poll is 30 s): it still refuses.
      expect(await effect(b, 'stark')).toBe('deny');
      const t0 = performance.now();
      await redisProxy.restore();
      // The notice subscription re-reads the grants when it reconnects.
      expect(await bothDecide('allow', 'stark', 5000)).toBeDefined();
      measured.redisCatchUp = Math.round(performance.now() - t0);

      // The poll alone (what a lost notice leaves) finds a change made without any notice.
      const silent = new PgExceptionsStore({ connection: PG_URL, schema });
      await silent.open();
      await silent.add(signed({ tenant: 'wayne' }));
      await silent.close();
      expect(await effect(b, 'wayne')).toBe('deny');
      await b.node.exceptions.sync();
      expect(await effect(b, 'wayne')).toBe('allow');
    }, 20_000);
  },
);
