/**
 * `rampart activate` and `rampart rollback` on the PostgreSQL activation store of `activation:
 * postgres` deployments, against the real PostgreSQL and Redis: two running instances (in this
 * process, following the store with a 30 s poll, so a switch within a second is the Redis notice)
 * see a CLI activation, a staged shadow, a withdrawal and rollbacks; refused bundles change nothing;
 * an unreachable Redis leaves the change committed for the poll; an unreachable PostgreSQL is a
 * clear failure.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import { type ActivateCommandOptions, runActivate } from '../../src/cli/commands/activate.js';
import { type RollbackCommandOptions, runRollback } from '../../src/cli/commands/rollback.js';
import { bundleFromText, governanceYaml, signAll } from '../bundle/bundle-fixtures.js';
import { PG_URL } from '../evidence/pg-probe.js';
import {
  type ClusterHarness,
  clusterHarness,
  type Instance,
  KEYS,
  servicesAvailable,
  spikeBundle,
  within,
} from '../server/multi-instance-harness.js';
import { captureIo } from '../support/capture-io.js';

const available = await servicesAvailable();
const inCi = Boolean(process.env.CI);

describe('PostgreSQL and Redis for the CLI activation tests', () => {
  it.runIf(inCi)('are reachable when CI=true', () => {
    expect(available).toBe(true);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.skipIf(!available && !inCi)(
  'rampart activate / rollback --database (real PostgreSQL and Redis)',
  () => {
    let h: ClusterHarness;
    let a: Instance;
    let b: Instance;
    let dir: string;
    let governance: string;
    const files: Record<string, string> = {};
    const measured: Record<string, number> = {};
    let target: Pick<
      ActivateCommandOptions,
      'database' | 'schema' | 'redis' | 'redisPrefix' | 'governance' | 'evidence'
    >;

    const both = (check: (i: Instance) => boolean) => within(() => check(a) && check(b), 1000);
    const version = (i: Instance) => i.server.decider.active()?.version;
    const activate = async (file: string, extra: Partial<ActivateCommandOptions> = {}) => {
      const c = captureIo();
      const code = await runActivate(
        file,
        { ...target, actor: 'alice', reason: 'cli test', ...extra },
        c.io,
        {},
      );
      return { code, out: c.out(), err: c.err() };
    };
    const rollback = async (opts: Partial<RollbackCommandOptions>) => {
      const c = captureIo();
      const code = await runRollback({ ...target, actor: 'bob', ...opts }, c.io, {});
      return { code, out: c.out(), err: c.err() };
    };

    beforeAll(async () => {
      h = await clusterHarness('cliact');
      a = await h.start('a');
      b = await h.start('b');
      dir = await mkdtemp(join(tmpdir(), 'rampart-cli-pg-'));
      governance = join(dir, 'governance.yaml');
      await writeFile(governance, governanceYaml(KEYS, { required: 2, loosening: 2 }));
      for (const v of ['2026.11.26-1', '2026.11.26-2', '2026.11.26-3', '2026.11.26-4']) {
        files[v] = join(dir, `${v}.json`);
        await writeFile(files[v], spikeBundle(v));
      }
      // Signed by one approver of the two governance requires.
      const under = signAll(bundleFromText(spikeBundleText('2026.11.26-9')), [KEYS[0] as (typeof KEYS)[0]]);
      files.under = join(dir, 'under.json');
      await writeFile(files.under, serializeBundle(under));
      target = {
        database: PG_URL,
        schema: h.schema,
        redis: 'redis://127.0.0.1:6379',
        redisPrefix: h.prefix,
        governance,
        // The admin audit records go to a SQLite file here: PostgreSQL evidence from the CLI keeps its
        // keys in ./.rampart, which would land in the repository.
        evidence: join(dir, 'evidence.db'),
      };
    }, 30_000);
    afterAll(async () => {
      console.info(`CLI activation propagation (ms): ${JSON.stringify(measured)}`);
      await h?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 30_000);

    it('an activation by the CLI is in force on both instances within a second', async () => {
      expect(version(a)).toBeUndefined();
      const r = await activate(files['2026.11.26-1'] as string);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^activated \S+@2026\.11\.26-1 sha256:[0-9a-f]{64} \(signed by alice, bob\)/);
      expect(r.out).toContain(`postgres schema ${h.schema} revision`);
      expect(r.out).toMatch(/announced on .*activation to 2 subscribed instance\(s\)/);
      const ms = await both((i) => version(i) === '2026.11.26-1');
      expect(ms).toBeDefined();
      measured.activate = ms as number;
      const last = (await a.node.store.history.read()).at(-1);
      expect(last).toMatchObject({
        action: 'activate',
        version: '2026.11.26-1',
        actor: 'alice',
        source: 'cli',
      });
      expect(last?.reason).toBe('cli test');
    });

    it('a rollback by the CLI is in force on both within a second, to a version and to the safe baseline', async () => {
      expect((await activate(files['2026.11.26-2'] as string)).code).toBe(0);
      expect(await both((i) => version(i) === '2026.11.26-2')).toBeDefined();

      const r = await rollback({ to: '2026.11.26-1', reason: 'regression in -2' });
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^rolled back to \S+@2026\.11\.26-1 /);
      const ms = await both((i) => version(i) === '2026.11.26-1');
      expect(ms).toBeDefined();
      measured.rollback = ms as number;

      expect((await rollback({ to: 'safe-baseline', reason: 'incident' })).code).toBe(0);
      expect(await both((i) => i.server.decider.active() === undefined)).toBeDefined();
      expect((await fetch(`${b.url}/readyz`)).status).toBe(503);

      expect((await rollback({ to: '2026.11.26-2', reason: 'fixed' })).code).toBe(0);
      expect(await both((i) => version(i) === '2026.11.26-2')).toBeDefined();
      const history = (await b.node.store.history.read()).slice(-3);
      expect(history.map((e) => [e.action, e.version, e.actor, e.source])).toEqual([
        ['rollback', '2026.11.26-1', 'bob', 'cli'],
        ['rollback', '0.0.0-safe', 'bob', 'cli'],
        ['rollback', '2026.11.26-2', 'bob', 'cli'],
      ]);
    });

    it('a shadow staged by the CLI is followed on both, and --withdraw ends it on both', async () => {
      const r = await activate(files['2026.11.26-3'] as string, { shadow: true });
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^staged \S+@2026\.11\.26-3 .* in shadow/);
      expect(await both((i) => i.node.runtime.candidate()?.policy.version === '2026.11.26-3')).toBeDefined();
      expect(a.node.runtime.candidate()?.stage).toEqual({ mode: 'shadow' });
      // The active bundle is unchanged by staging.
      expect(version(b)).toBe('2026.11.26-2');

      const w = await rollback({ withdraw: true, reason: 'enough divergences seen' });
      expect(w.code).toBe(0);
      expect(w.out).toMatch(/^withdrew the staged/);
      expect(await both((i) => i.node.runtime.candidate() === undefined)).toBeDefined();
      const again = await rollback({ withdraw: true, reason: 'twice' });
      expect(again.out).toBe('nothing was staged\n');
    });

    it('a rollout staged by the CLI carries its audience to both instances', async () => {
      const r = await activate(files['2026.11.26-3'] as string, { rollout: 10, tenant: ['acme'] });
      expect(r.code).toBe(0);
      expect(await both((i) => i.node.runtime.candidate()?.stage.mode === 'rollout')).toBeDefined();
      expect(b.node.runtime.candidate()?.stage).toEqual({ mode: 'rollout', percent: 10, tenants: ['acme'] });
      expect((await rollback({ withdraw: true, reason: 'done' })).code).toBe(0);
      expect(await both((i) => i.node.runtime.candidate() === undefined)).toBeDefined();
    });

    it('--list shows the stored bundles and the recent history', async () => {
      const r = await rollback({ list: true });
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^\* 2026\.11\.26-2 /m);
      expect(r.out).toMatch(/rollback 2026\.11\.26-1 sha256:[0-9a-f]{64} by bob: regression in -2/);
      expect(r.out).toMatch(/withdraw .* by bob: done/);
    });

    it('an under-signed bundle is refused with its code and changes nothing anywhere', async () => {
      const before = await a.node.store.readState();
      const r = await activate(files.under as string);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^refused: .*bundle\/under-signed/);
      expect(r.out).toBe('');
      expect((await a.node.store.readState()).revision).toBe(before.revision);
      expect(version(a)).toBe('2026.11.26-2');
    });

    it('a rollback to a version never stored is refused with bundle/not-found', async () => {
      const r = await rollback({ to: '1999.01.01-1', reason: 'x' });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^refused: bundle\/not-found: no stored bundle/);
    });

    it('with Redis unreachable the change is committed, the operator is warned, and the poll picks it up', async () => {
      const port = await closedPort();
      const r = await activate(files['2026.11.26-4'] as string, { redis: `redis://127.0.0.1:${port}` });
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^activated \S+@2026\.11\.26-4/);
      expect(r.err).toMatch(
        /^warning: revision \d+ committed but not announced \(.*\); running instances pick it up at their next poll/,
      );
      expect((await a.node.store.readState()).active).toBe(
        (await a.node.store.list()).find((x) => x.version === '2026.11.26-4')?.digest,
      );
      // The 30 s poll of this harness, run now.
      await Promise.all([a.node.follower.sync(), b.node.follower.sync()]);
      expect(version(a)).toBe('2026.11.26-4');
      expect(version(b)).toBe('2026.11.26-4');
    });

    it('without --redis the operator is told the instances catch up at their poll', async () => {
      const { redis: _r, ...noRedis } = target;
      const c = captureIo();
      const code = await runRollback(
        { ...noRedis, to: '2026.11.26-2', reason: 'back', actor: 'bob' },
        c.io,
        {},
      );
      expect(code).toBe(0);
      expect(c.err()).toMatch(/not announced \(no Redis given\)/);
      await Promise.all([a.node.follower.sync(), b.node.follower.sync()]);
      expect(version(b)).toBe('2026.11.26-2');
    });

    it('with PostgreSQL unreachable the command fails at once with source/fetch-failed', async () => {
      const port = await closedPort();
      const t0 = performance.now();
      const r = await activate(files['2026.11.26-1'] as string, {
        database: `postgres://postgres@127.0.0.1:${port}/test`,
      });
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^unavailable: source\/fetch-failed: cannot open activation store/);
      // Bounded by the 3 s connect timeout (a refused port answers at once).
      expect(performance.now() - t0).toBeLessThan(10_000);
      expect(version(a)).toBe('2026.11.26-2');
    });

    it('reads the store, Redis and governance from a serve config file (--config)', async () => {
      const config = join(dir, 'serve.yaml');
      await writeFile(
        config,
        [
          'activation: postgres',
          `evidence: { kind: postgres, url: "${PG_URL}", schema: ${h.schema} }`,
          'redis: redis://127.0.0.1:6379',
          `redisPrefix: "${h.prefix}"`,
          `governance: ${governance}`,
        ].join('\n'),
      );
      const c = captureIo();
      const code = await runActivate(
        files['2026.11.26-3'] as string,
        { config, actor: 'alice', reason: 'via config', evidence: join(dir, 'evidence.db') },
        c.io,
        {},
      );
      expect(c.err()).toBe('');
      expect(code).toBe(0);
      expect(c.out()).toMatch(/to 2 subscribed instance\(s\)/);
      expect(await both((i) => version(i) === '2026.11.26-3')).toBeDefined();
    });
  },
);

/** The spike fixture policy text at `version` (unsigned), for building deliberately bad bundles. */
function spikeBundleText(version: string): string {
  return readFileSync(new URL('../fixtures/spike-policy/policy.yaml', import.meta.url), 'utf8').replace(
    '2026.11.26-1',
    version,
  );
}
