/**
 * Instances started while a shared dependency is away (real PostgreSQL and Redis; "away" is a
 * loopback port nothing listens on, later a proxy to the real Redis on that port — the shared
 * services are never stopped):
 * - Redis down: the instance starts within bounded time and decides on the bundle in PostgreSQL,
 *   fails closed on tools (kill switches unknown), refuses switch changes, says so in /readyz, and
 *   when Redis comes back loads the switches, takes activation notices and shares narrowings.
 * - PostgreSQL down with `activation: postgres`: no last-known-good bundle exists locally, so the
 *   start fails with `server/unavailable` and a message that says why.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgActivationStore } from '../../../src/bundle/pg-activation-store.js';
import { MemorySink } from '../../../src/evidence/index.js';
import type { AuthConfig } from '../../../src/server/auth.js';
import { type ClusterNode, joinCluster } from '../../../src/server/cluster/cluster-node.js';
import { openSharedActivation } from '../../../src/server/cluster/shared-activation.js';
import { startExtensions } from '../../../src/server/cluster/start-extensions.js';
import {
  openStartupKillSwitches,
  type StartupKillSwitches,
  SWITCHES_NOT_LOADED,
} from '../../../src/server/cluster/startup-kill-switches.js';
import { resolveServeConfig } from '../../../src/server/config.js';
import {
  createDecisionServer,
  type DecisionServer,
  hashApiKey,
  isServerError,
  KILL_SWITCH_RULE,
} from '../../../src/server/index.js';
import type { ActiveNarrowing } from '../../../src/server/spike/narrowing.js';
import { RedisNarrowings } from '../../../src/server/spike/narrowing-store.js';
import { governanceYaml } from '../../bundle/bundle-fixtures.js';
import { dropSchemas, PG_URL, uniqueSchema } from '../../evidence/pg-probe.js';
import {
  GOVERNANCE,
  KEYS,
  OPERATOR_KEY,
  redisThrough,
  servicesAvailable,
  spikeBundle,
  TcpProxy,
  within,
} from '../multi-instance-harness.js';
import { spawnServe, waitForOutput } from '../serve-process.js';
import { postJson } from '../test-server.js';

const available = await servicesAvailable();
const inCi = Boolean(process.env.CI);

describe('PostgreSQL and Redis for the start-without-dependencies tests', () => {
  it.runIf(inCi)('are reachable when CI=true', () => {
    expect(available).toBe(true);
  });
});

const as = { authorization: `Bearer ${OPERATOR_KEY}` };
const auth: AuthConfig = {
  apiKeys: [
    { id: 'oncall', sha256: hashApiKey(OPERATOR_KEY), scopes: ['decide', 'admin:read', 'killswitch'] },
  ],
};

/** A loopback proxy to the real Redis, closed: its port refuses connections until `restore()`. */
async function closedRedisProxy(): Promise<TcpProxy> {
  const proxy = new TcpProxy('127.0.0.1', 6379);
  await proxy.start();
  await proxy.cut();
  return proxy;
}

describe.skipIf(!available && !inCi)(
  'an instance started while Redis is down (real PostgreSQL and Redis)',
  () => {
    const schema = uniqueSchema('redisdown');
    const prefix = `rampart:test:redisdown:${process.pid}:${Date.now()}:`;
    let proxy: TcpProxy;
    let redis: Redis;
    let kills: StartupKillSwitches;
    let server: DecisionServer;
    let url: string;
    let node: ClusterNode;
    let startMs = 0;
    const measured: Record<string, number> = {};

    const decide = (point: string, body: Record<string, unknown>) =>
      postJson(`${url}/v1/decide/${point}`, { principal: { id: 'u1', tenant: 'acme' }, ...body }, as);
    const refund = (amount: number) =>
      decide('tool', {
        context: { route: 'staff-console' },
        tool: { name: 'payments.refund', args: { amount } },
      });

    beforeAll(async () => {
      // The shared state already has an active bundle, as in any running deployment.
      const seed = new PgActivationStore({ connection: PG_URL, schema }, GOVERNANCE);
      await seed.open();
      await seed.activate(spikeBundle('2026.11.26-1'), { actor: 'alice', reason: 'running release' });
      await seed.close();

      proxy = await closedRedisProxy();
      const t0 = performance.now();
      redis = redisThrough(proxy.port);
      kills = await openStartupKillSwitches(redis, { prefix });
      server = await createDecisionServer({ evidence: new MemorySink(), killSwitches: kills, auth });
      url = await server.listen(0, '127.0.0.1');
      node = await joinCluster({
        server,
        governance: GOVERNANCE,
        database: { connection: PG_URL, schema },
        redis,
        prefix,
        instance: 'late',
        // Long poll: a switch within a second after recovery is the notice path.
        pollMs: 30_000,
        tickMs: 200,
      });
      startMs = Math.round(performance.now() - t0);
    }, 30_000);
    afterAll(async () => {
      console.info(`start without Redis (ms): ${JSON.stringify({ start: startMs, ...measured })}`);
      await node?.stop();
      await server?.close();
      redis?.disconnect();
      await proxy?.close();
      const c = new Redis({ host: '127.0.0.1', port: 6379 });
      const keys = await c.keys(`${prefix}*`);
      if (keys.length > 0) await c.del(...keys);
      c.disconnect();
      await dropSchemas([schema]);
    }, 30_000);

    it('starts and decides on the bundle in PostgreSQL', async () => {
      expect(startMs).toBeLessThan(20_000);
      expect(redis.status).not.toBe('ready');
      expect(server.decider.active()?.version).toBe('2026.11.26-1');
      const input = await decide('input', { context: { route: 'staff-console' }, input: { text: 'hello' } });
      expect(input.status).toBe(200);
      expect(input.body.effect).toBe('allow');
    });

    it('fails closed on tools while the kill switches are unknown', async () => {
      expect(kills.loaded).toBe(false);
      const r = await refund(100);
      expect(r.body.effect).toBe('deny');
      expect(r.body.rules).toEqual([KILL_SWITCH_RULE]);
      // The calling service sees why in the internal reason; the user-visible message stays neutral.
      expect(r.body.reason).toContain(SWITCHES_NOT_LOADED);
      expect(r.body.message).not.toContain('Redis');
    });

    it('refuses to change kill switches it cannot share, with 503 server/unavailable', async () => {
      const r = await postJson(
        `${url}/v1/admin/killswitch`,
        { kind: 'tool', name: 'claims.lookup', reason: 'x' },
        as,
      );
      expect(r.status).toBe(503);
      expect((r.body.error as { code: string }).code).toBe('server/unavailable');
    });

    it('says so in /readyz and metrics (ready on its bundle, degraded on Redis)', async () => {
      const r = await fetch(`${url}/readyz`);
      const body = (await r.json()) as { ready: boolean; degraded: boolean; dependencies: unknown[] };
      expect(r.status).toBe(200);
      expect(body.degraded).toBe(true);
      expect(body.dependencies).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            name: 'redis',
            ok: false,
            detail: expect.stringMatching(
              /^redis \w+: kill switches not loaded since start: every tool call is denied until they are; spike narrowings of other instances not loaded since start$/,
            ),
          }),
          expect.objectContaining({ name: 'postgres', ok: true }),
        ]),
      );
      expect(await server.metrics.render()).toMatch(/rampart_dependency_up\{dependency="redis"\} 0/);
    });

    it('a narrowing it fires while Redis is down applies here at once', async () => {
      const n = narrowing('chat-surge', 'customer-chat', 'late');
      expect(await node.guard.spike.store.claim(n)).toBe(true);
      expect(node.guard.spike.store.has('chat-surge', 'customer-chat')).toBe(true);
    });

    it('recovers by itself when Redis comes back: switches, notices and narrowings', async () => {
      await proxy.restore();
      const ms = await within(() => kills.loaded && node.health().every((d) => d.ok), 10_000);
      expect(ms).toBeDefined();
      measured.recovery = ms as number;
      expect((await refund(100)).body.effect).toBe('allow');
      const ready = (await (await fetch(`${url}/readyz`)).json()) as { degraded: boolean };
      expect(ready.degraded).toBe(false);

      // The narrowing claimed during the outage was written to Redis for the other instances.
      const direct = new Redis({ host: '127.0.0.1', port: 6379 });
      try {
        expect(
          await within(
            async () => (await direct.hexists(`${prefix}spike`, 'chat-surge|customer-chat')) === 1,
            2000,
          ),
        ).toBeDefined();
        // Activation notices reach it again: a change made elsewhere is in force within a second.
        const shared = await openSharedActivation({
          database: PG_URL,
          schema,
          redis: 'redis://127.0.0.1:6379',
          prefix,
          governance: GOVERNANCE,
        });
        try {
          await shared.store.activate(spikeBundle('2026.11.26-2', 500), {
            actor: 'alice',
            reason: 'after outage',
          });
          expect(shared.lastNotice()?.receivers).toBeGreaterThanOrEqual(1);
        } finally {
          await shared.close();
        }
        const notice = await within(() => server.decider.active()?.version === '2026.11.26-2', 1000);
        expect(notice).toBeDefined();
        measured.noticeAfterRecovery = notice as number;

        // And narrowings another instance claims are shared with it again.
        const other = await RedisNarrowings.open(direct, { prefix });
        try {
          expect(await other.claim(narrowing('refund-blocks', 'staff-console', 'other'))).toBe(true);
          const shared = await within(
            async () => (await refund(100)).body.effect === 'allow_with_conditions',
            1000,
          );
          expect(shared).toBeDefined();
          measured.narrowingAfterRecovery = shared as number;
        } finally {
          await other.close();
        }
      } finally {
        direct.disconnect();
      }
    }, 30_000);
  },
);

describe.skipIf(!available && !inCi)(
  'an instance started while PostgreSQL is down (activation: postgres)',
  () => {
    it('does not start: no last-known-good bundle is kept locally; the error says so', async () => {
      const pgProxy = new TcpProxy('127.0.0.1', 5432);
      await pgProxy.start();
      await pgProxy.cut();
      const server = await createDecisionServer({ evidence: new MemorySink(), auth });
      const redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
      const t0 = performance.now();
      try {
        const err = await joinCluster({
          server,
          governance: GOVERNANCE,
          database: {
            connection: {
              connectionString: `postgres://postgres@127.0.0.1:${pgProxy.port}/test`,
              connectionTimeoutMillis: 1000,
            },
            schema: uniqueSchema('pgdown'),
          },
          redis,
          prefix: `rampart:test:pgdown:${process.pid}:`,
          instance: 'late',
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isServerError(err)).toBe(true);
        expect(err).toMatchObject({ code: 'server/unavailable' });
        expect((err as Error).message).toMatch(
          /^activation: postgres: cannot read the activation state \(.*\); no last-known-good bundle is kept locally/,
        );
        expect(performance.now() - t0).toBeLessThan(10_000);
      } finally {
        redis.disconnect();
        await server.close();
        await pgProxy.close();
      }
    });
  },
);

describe.skipIf(!available && !inCi)(
  'rampart serve with activation: postgres while PostgreSQL is down',
  () => {
    it('exits 2 with the reason instead of serving (and does not hang)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rampart-pgdown-'));
      try {
        const governance = join(dir, 'governance.yaml');
        await writeFile(governance, governanceYaml(KEYS, { required: 2, loosening: 2 }));
        const pgProxy = new TcpProxy('127.0.0.1', 5432);
        await pgProxy.start();
        await pgProxy.cut();
        const child = spawnServe(['--port', '0'], dir, {
          RAMPART_ACTIVATION: 'postgres',
          RAMPART_EVIDENCE: 'postgres',
          RAMPART_DATABASE_URL: `postgres://postgres@127.0.0.1:${pgProxy.port}/test`,
          RAMPART_REDIS_URL: 'redis://127.0.0.1:6379',
          RAMPART_REDIS_PREFIX: `rampart:test:pgdown-serve:${process.pid}:`,
          RAMPART_GOVERNANCE: governance,
          RAMPART_INSTANCE: 'late',
        });
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        const out = await waitForOutput(child, /no last-known-good bundle is kept locally/, 30_000);
        const code = await Promise.race([
          exited,
          new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000)),
        ]);
        if (code === 'hung') child.kill('SIGKILL');
        expect(code).toBe(2);
        expect(out).toMatch(/^rampart: activation: postgres: cannot read the activation state/m);
        expect(out).not.toMatch(/\n\s+at /);
        await pgProxy.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }, 60_000);
  },
);

describe('rampart serve extensions with Redis down (no activation: postgres)', () => {
  it('start, report Redis in /readyz, and keep the spike guard local', async () => {
    const proxy = await closedRedisProxy();
    const server = await createDecisionServer({ evidence: new MemorySink() });
    const config = resolveServeConfig(
      {},
      {
        RAMPART_EVIDENCE: 'memory',
        RAMPART_REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
        RAMPART_INSTANCE: 'x',
      },
    );
    const ext = await startExtensions(server, config, undefined);
    try {
      const url = await server.listen(0, '127.0.0.1');
      const body = (await (await fetch(`${url}/readyz`)).json()) as { dependencies: unknown[] };
      expect(body.dependencies).toEqual([
        expect.objectContaining({
          name: 'redis',
          ok: false,
          detail: expect.stringMatching(
            /^redis \w+: spike narrowings of other instances not loaded since start$/,
          ),
        }),
      ]);
    } finally {
      await ext.stop();
      await server.close();
      await proxy.close();
    }
  }, 20_000);
});

function narrowing(trigger: string, route: string, instance: string): ActiveNarrowing {
  return {
    trigger,
    route,
    mode: 'require_approval',
    minRisk: 'high',
    approver: 'supervisor',
    evidence: {} as ActiveNarrowing['evidence'],
    at: new Date().toISOString(),
    instance,
    policy: 'sha256:test',
  } as ActiveNarrowing;
}
