/**
 * The PostgreSQL activation store on its own (real PostgreSQL, a schema per run), the serve settings
 * that select it, and `rampart serve` started with `activation: postgres`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgActivationStore } from '../../src/bundle/pg-activation-store.js';
import { SAFE_BASELINE_DIGEST } from '../../src/bundle/safe-baseline.js';
import { resolveServeConfig, startServer } from '../../src/server/index.js';
import { governanceYaml } from '../bundle/bundle-fixtures.js';
import { dropSchemas, PG_URL, uniqueSchema } from '../evidence/pg-probe.js';
import { GOVERNANCE, KEYS, servicesAvailable, spikeBundle, within } from './multi-instance-harness.js';
import { postJson } from './test-server.js';

describe('serve settings for several instances', () => {
  const base = { RAMPART_DATABASE_URL: PG_URL, RAMPART_EVIDENCE: 'postgres' };
  it('reads activation, webhook, instance and prefix from the environment', () => {
    const c = resolveServeConfig(
      { governance: '/g.yaml' },
      {
        ...base,
        RAMPART_ACTIVATION: 'postgres',
        RAMPART_REDIS_URL: 'redis://127.0.0.1:6379',
        RAMPART_ESCALATION_WEBHOOK: 'https://hooks.example/rampart',
        RAMPART_INSTANCE: 'eu-1',
        RAMPART_REDIS_PREFIX: 'prod:',
      },
    );
    expect(c).toMatchObject({
      activation: 'postgres',
      governance: '/g.yaml',
      escalationWebhook: 'https://hooks.example/rampart',
      instance: 'eu-1',
      redisPrefix: 'prod:',
    });
    // Each instance appends its own evidence chain in the shared schema.
    expect(c.evidence.stream).toBe('default-eu-1');
  });

  it.each([
    [{ RAMPART_ACTIVATION: 'postgres', RAMPART_REDIS_URL: 'redis://x' }, {}, /governance/],
    [{ RAMPART_ACTIVATION: 'postgres' }, { governance: '/g.yaml' }, /Redis/],
    [{ RAMPART_ACTIVATION: 'etcd' }, {}, /activation must be postgres/],
    [{ RAMPART_ESCALATION_WEBHOOK: 'ftp://x' }, {}, /http\(s\) URL/],
    [
      { RAMPART_ACTIVATION: 'postgres', RAMPART_REDIS_URL: 'redis://x' },
      { governance: '/g.yaml', state: '/s' },
      /two sources of truth/,
    ],
  ])('refuses %j %j', (env, flags, message) => {
    expect(() => resolveServeConfig(flags, { ...base, ...env })).toThrow(message);
  });
});

const available = await servicesAvailable();
const inCi = Boolean(process.env.CI);

describe.skipIf(!available && !inCi)('PgActivationStore (real PostgreSQL)', () => {
  const schema = uniqueSchema('activation');
  let store: PgActivationStore;
  const revisions: number[] = [];
  beforeAll(async () => {
    store = new PgActivationStore(
      { connection: PG_URL, schema, onChange: (r) => void revisions.push(r) },
      GOVERNANCE,
    );
    await store.open();
  });
  afterAll(async () => {
    await store?.close();
    await dropSchemas([schema]);
  });
  const meta = { actor: 'alice', reason: 'test' };

  it('activates, stages, withdraws and rolls back, each a new revision with a history entry', async () => {
    expect(await store.readState()).toEqual({ revision: 0 });
    await store.activate(spikeBundle('1.0.0'), meta);
    await store.activate(spikeBundle('1.0.1', 500), meta);
    expect((await store.activeBundle())?.manifest.version).toBe('1.0.1');
    await store.stage(spikeBundle('1.1.0', 10), { mode: 'shadow' }, meta);
    expect((await store.readState()).candidate?.stage).toEqual({ mode: 'shadow' });
    // Withdrawing a candidate that is no longer the staged one changes nothing.
    expect(await store.withdraw(meta, 'cli', 'sha256:0000')).toBe(false);
    expect(await store.withdraw(meta)).toBe(true);
    expect(await store.withdraw(meta)).toBe(false);
    expect(await store.rollback('1.0.0', meta)).toMatchObject({ version: '1.0.0' });
    expect((await store.list()).map((b) => [b.version, b.active])).toEqual(
      expect.arrayContaining([
        ['1.0.0', true],
        ['1.0.1', false],
        ['1.1.0', false],
      ]),
    );
    expect(await store.rollback('safe-baseline', meta)).toMatchObject({ digest: SAFE_BASELINE_DIGEST });
    expect((await store.readState()).active).toBe(SAFE_BASELINE_DIGEST);
    expect(await store.activeBundle()).toBeUndefined();
    expect((await store.history.read()).map((e) => e.action)).toEqual([
      'activate',
      'activate',
      'shadow',
      'withdraw',
      'rollback',
      'rollback',
    ]);
    // Every change announced its revision, in order.
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(revisions.at(-1)).toBe((await store.readState()).revision);
  });

  it('refuses a bundle not signed under the trusted governance, and an unknown rollback target', async () => {
    const before = await store.readState();
    const other = JSON.parse(spikeBundle('9.9.9')) as { signatures: unknown[] };
    other.signatures = other.signatures.slice(0, 1);
    await expect(store.activate(JSON.stringify(other), meta)).rejects.toThrow();
    await expect(store.rollback('0.0.1', meta)).rejects.toThrow(/no stored bundle/);
    expect((await store.readState()).revision).toBe(before.revision);
  });
});

describe.skipIf(!available && !inCi)(
  'rampart serve with activation: postgres (real PostgreSQL and Redis)',
  () => {
    const schema = uniqueSchema('serve');
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rampart-serve-cluster-'));
      await writeFile(join(dir, 'governance.yaml'), governanceYaml(KEYS, { required: 2, loosening: 2 }));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
      await dropSchemas([schema]);
    });

    it('starts on the safe baseline, follows an activation made elsewhere, and reports its dependencies', async () => {
      const config = resolveServeConfig(
        { port: '0', governance: join(dir, 'governance.yaml') },
        {
          RAMPART_EVIDENCE: 'postgres',
          RAMPART_DATABASE_URL: PG_URL,
          RAMPART_DATABASE_SCHEMA: schema,
          RAMPART_ACTIVATION: 'postgres',
          RAMPART_REDIS_URL: 'redis://127.0.0.1:6379',
          RAMPART_REDIS_PREFIX: `rampart:test:serve:${process.pid}:${Date.now()}:`,
          RAMPART_INSTANCE: 'serve-1',
        },
      );
      const started = await startServer(config);
      const operator = new PgActivationStore(
        { connection: PG_URL, schema: config.evidence.schema ?? 'rampart' },
        GOVERNANCE,
      );
      try {
        expect(started.banner.join('\n')).toMatch(/cluster {3}instance serve-1/);
        expect((await fetch(`${started.url}/readyz`)).status).toBe(503);
        await operator.open();
        await operator.activate(spikeBundle('2.0.0'), { actor: 'alice', reason: 'ship' });
        // No notice from this store (it has no Redis): the instance's poll picks it up.
        const ms = await within(async () => (await fetch(`${started.url}/readyz`)).status === 200, 8000);
        expect(ms).toBeDefined();
        const ready = (await (await fetch(`${started.url}/readyz`)).json()) as Record<string, unknown>;
        expect(ready).toMatchObject({ degraded: false, policy: { version: '2.0.0' } });
        const d = await postJson(`${started.url}/v1/decide/tool`, {
          principal: { id: 's' },
          context: { route: 'staff-console' },
          tool: { name: 'claims.lookup', args: {} },
        });
        expect(d.body.effect).toBe('allow');
      } finally {
        await operator.close();
        await started.stop();
      }
    }, 30_000);
  },
);
