/**
 * The PostgreSQL activation store's refusals and the follower's behaviour on a damaged shared state
 * (real PostgreSQL, a schema per run): every refusal has a stable code and changes neither the state
 * nor its revision; a follower facing a missing or tampered bundle keeps its last-known-good policy
 * and says why. The happy paths are in test/server/multi-instance-store.test.ts.
 */
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBundleError } from '../../src/bundle/errors.js';
import { PgActivationStore } from '../../src/bundle/pg-activation-store.js';
import { PolicyRuntime } from '../../src/bundle/policy-runtime.js';
import { ActivationFollower } from '../../src/server/cluster/activation-follower.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from '../evidence/pg-probe.js';
import { GOVERNANCE, spikeBundle } from '../server/multi-instance-harness.js';

const available = await pgAvailable();
const inCi = Boolean(process.env.CI);

describe('PostgreSQL for the activation store tests', () => {
  it.runIf(inCi)('is reachable when CI=true', () => {
    expect(available).toBe(true);
  });
});

const meta = { actor: 'alice', reason: 'test' };

/** The code of what `fn` throws (or rejects with). */
async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return isBundleError(e) ? e.code : `not a bundle error: ${(e as Error).message}`;
  }
  return undefined;
}

describe('PgActivationStore without a database', () => {
  it.each(['Rampart', 'a-b', '1abc', 'x'.repeat(64), 'a;drop'])('refuses the schema name %j', (schema) => {
    expect(() => new PgActivationStore({ connection: PG_URL, schema }, GOVERNANCE)).toThrow(
      /invalid PostgreSQL schema name/,
    );
  });

  it('refuses to work before open, with source/fetch-failed', async () => {
    const store = new PgActivationStore({ connection: PG_URL }, GOVERNANCE);
    expect(await codeOf(() => store.readState())).toBe('source/fetch-failed');
    expect(await codeOf(() => store.activate(spikeBundle('1.0.0'), meta))).toBe('source/fetch-failed');
  });

  it('fails to open an unreachable database at once, with source/fetch-failed', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    const store = new PgActivationStore(
      {
        connection: {
          connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
          connectionTimeoutMillis: 1000,
        },
      },
      GOVERNANCE,
    );
    let error: unknown;
    await store.open().catch((e: unknown) => {
      error = e;
    });
    expect(isBundleError(error) && error.code).toBe('source/fetch-failed');
    expect((error as Error).message).toMatch(/^cannot open activation store in PostgreSQL schema rampart: /);
  });
});

describe.skipIf(!available && !inCi)(
  'PgActivationStore refusals and a damaged shared state (real PostgreSQL)',
  () => {
    const schema = uniqueSchema('pgstore');
    let store: PgActivationStore;
    let sql: pg.Client;
    const notices: number[] = [];

    beforeAll(async () => {
      store = new PgActivationStore(
        { connection: PG_URL, schema, onChange: (r) => void notices.push(r) },
        GOVERNANCE,
      );
      await store.open();
      // Opening twice (another instance, a restart) is harmless.
      await new PgActivationStore({ connection: PG_URL, schema }, GOVERNANCE).open();
      sql = new pg.Client({ connectionString: PG_URL });
      await sql.connect();
      await store.activate(spikeBundle('1.0.0'), meta);
    });
    afterAll(async () => {
      await sql?.end();
      await store?.close();
      await dropSchemas([schema]);
    });

    /** Runs `fn`, expecting it to be refused with `code` and to leave the state and history as they were. */
    async function refusedUnchanged(code: string, fn: () => unknown) {
      const state = await store.readState();
      const history = (await store.history.read()).length;
      const announced = notices.length;
      expect(await codeOf(fn)).toBe(code);
      expect(await store.readState()).toEqual(state);
      expect((await store.history.read()).length).toBe(history);
      expect(notices.length).toBe(announced);
    }

    it('refuses malformed bundle text', async () => {
      await refusedUnchanged('bundle/malformed', () => store.activate('{"not":"a bundle"}', meta));
      await refusedUnchanged('bundle/malformed', () => store.stage('[]', { mode: 'shadow' }, meta));
    });

    it('refuses a malformed rollout audience before storing anything', async () => {
      await refusedUnchanged('rollout/invalid', () =>
        store.stage(spikeBundle('1.1.0'), { mode: 'rollout', percent: 150 }, meta),
      );
      expect((await store.list()).map((b) => b.version)).not.toContain('1.1.0');
    });

    it('refuses a rollback to a version two stored bundles share, and takes the digest instead', async () => {
      await store.stage(spikeBundle('9.0.0', 100), { mode: 'shadow' }, meta);
      await store.stage(spikeBundle('9.0.0', 200), { mode: 'shadow' }, meta);
      await store.withdraw(meta);
      await refusedUnchanged('bundle/not-found', () => store.rollback('9.0.0', meta));
      const digest = (await store.list()).find((b) => b.version === '9.0.0')?.digest ?? '';
      // A bare hex digest works as well as the sha256: form.
      const hex = digest.slice('sha256:'.length);
      expect(await store.rollback(hex, meta)).toMatchObject({ version: '9.0.0', digest });
      expect(await store.rollback('1.0.0', meta)).toMatchObject({ version: '1.0.0' });
    });

    it('refuses a rollback to nothing stored', async () => {
      await refusedUnchanged('bundle/not-found', () => store.rollback('0.0.1', meta));
      await refusedUnchanged('bundle/not-found', () => store.rollback(`sha256:${'0'.repeat(64)}`, meta));
    });

    it('re-verifies a rollback target: a bundle whose stored text was altered cannot come back', async () => {
      await store.activate(spikeBundle('2.0.0'), meta);
      const target = (await store.list()).find((b) => b.version === '2.0.0')?.digest as string;
      await store.rollback('1.0.0', meta);
      await sql.query(
        `UPDATE "${schema}".bundles SET body = replace(body, 'refunds-up-to-1000', 'refunds-up-to-9999') WHERE digest = $1`,
        [target],
      );
      const code = await codeOf(() => store.rollback(target, meta));
      expect(code).toMatch(/^bundle\/(file-digest-mismatch|digest-mismatch|malformed)$/);
      expect((await store.readState()).active).not.toBe(target);
    });

    describe('a follower of a damaged state', () => {
      let runtime: PolicyRuntime;
      let follower: ActivationFollower;
      beforeAll(async () => {
        runtime = new PolicyRuntime({ governance: GOVERNANCE, actor: 'test' });
        follower = new ActivationFollower(store, runtime, { pollMs: 60_000 });
        await follower.sync();
      });
      afterAll(() => follower?.stop());

      it('starts on the active bundle', () => {
        expect(follower.lastError).toBeUndefined();
        expect(runtime.current()).toMatchObject({ kind: 'bundle', version: '1.0.0' });
      });

      it('keeps its last-known-good policy when the active bundle is not stored, and says why', async () => {
        const missing = `sha256:${'ab'.repeat(32)}`;
        await sql.query(
          `UPDATE "${schema}".activation_state SET active = $1, revision = revision + 1 WHERE id = 1`,
          [missing],
        );
        await follower.sync();
        expect(follower.lastError).toBe(`active bundle ${missing} is not stored`);
        expect(runtime.current()).toMatchObject({ kind: 'bundle', version: '1.0.0' });
        // Repaired by the next activation.
        await store.rollback('1.0.0', meta);
        await follower.sync();
        expect(follower.lastError).toBeUndefined();
      });

      it('keeps its last-known-good policy when the active bundle was altered in the database', async () => {
        const altered = (await store.list()).find((b) => b.version === '2.0.0')?.digest as string;
        await sql.query(
          `UPDATE "${schema}".activation_state SET active = $1, revision = revision + 1 WHERE id = 1`,
          [altered],
        );
        await follower.sync();
        expect(runtime.current()).toMatchObject({ kind: 'bundle', version: '1.0.0' });
        expect(runtime.lastError?.code).toMatch(/^bundle\/(file-digest-mismatch|digest-mismatch|malformed)$/);
      });

      it('keeps its last-known-good candidate state when the staged bundle is not stored', async () => {
        await store.rollback('1.0.0', meta);
        await follower.sync();
        const missing = `sha256:${'cd'.repeat(32)}`;
        await sql.query(
          `UPDATE "${schema}".activation_state SET candidate = $1, revision = revision + 1 WHERE id = 1`,
          [JSON.stringify({ digest: missing, stage: { mode: 'shadow' } })],
        );
        await follower.sync();
        expect(follower.lastError).toBe(`staged bundle ${missing} is not stored`);
        expect(runtime.candidate()).toBeUndefined();
        expect(runtime.current()).toMatchObject({ version: '1.0.0' });
      });
    });
  },
);
