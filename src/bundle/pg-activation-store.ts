/**
 * Activation state in PostgreSQL, for several server instances: the same operations as the file
 * `ActivationStore` (activate, stage, withdraw, rollback, list, history), kept in three tables of
 * one schema:
 *
 *   bundles(digest, name, version, created_at, body)      every bundle ever activated or staged
 *   activation_state(active, candidate, revision)          one row: what is active and staged now
 *   activation_history(seq, entry)                         who did what, when, why (jsonb)
 *
 * Every change runs in one transaction that locks the state row and bumps `revision`, so instances
 * following the store (`readState`) see whole changes in order; `onChange` announces the new
 * revision (Redis pub/sub in the server) so they need not wait for their next poll.
 */
import type pg from 'pg';
import type { ActivationEntry } from './activation-history.js';
import {
  type ActorMeta,
  checkCandidateStage,
  type StoredBundle,
  verifyAndCompileBundle,
} from './activation-store.js';
import { type Bundle, parseBundle, serializeBundle } from './bundle-format.js';
import { BundleError } from './errors.js';
import type { Governance } from './governance.js';
import { checkSchemaName, openMigratedPool } from './pg-admin-pool.js';
import type { CandidateStage } from './policy-runtime.js';
import { SAFE_BASELINE_DIGEST } from './safe-baseline.js';
import type { VerifiedBundle } from './verify-bundle.js';

/** Options of {@link PgActivationStore}. */
export interface PgActivationStoreOptions {
  /** A connection string or a `pg` pool configuration. */
  connection: string | pg.PoolConfig;
  /** Schema holding the tables (created when absent). Default `rampart`. */
  schema?: string;
  /** Told the new revision after every committed change (errors are ignored: followers also poll). */
  onChange?: (revision: number) => Promise<void> | void;
}

/** What is active and staged, at one revision. */
export interface ActivationState {
  revision: number;
  /** The active bundle's digest, {@link SAFE_BASELINE_DIGEST} for a deliberate safe baseline, or undefined before any activation. */
  active?: string;
  candidate?: { digest: string; stage: CandidateStage };
}

/** An activation history entry, with the figures that triggered an automatic action. */
export type PgActivationEntry = ActivationEntry & { evidence?: unknown };

/** Extra detail recorded with an action. */
export interface PgActorMeta extends ActorMeta {
  /** Figures behind an automatic action (e.g. the rollout watchdog's breach). */
  evidence?: unknown;
}

/** See the file comment. */
export class PgActivationStore {
  private pool: pg.Pool | null = null;
  private readonly schema: string;
  readonly history: { read(): Promise<PgActivationEntry[]>; append(e: PgActivationEntry): Promise<void> };

  constructor(
    private readonly options: PgActivationStoreOptions,
    private readonly governance: Governance,
  ) {
    this.schema = checkSchemaName(options.schema ?? 'rampart');
    this.history = {
      read: () => this.readHistory(),
      append: async (e) => {
        await this.tx(async (c) => {
          await this.appendHistory(c, e);
        });
      },
    };
  }

  private get s(): string {
    return `"${this.schema}"`;
  }

  /** Connects and creates the tables when absent. */
  async open(): Promise<void> {
    if (this.pool) return;
    this.pool = await openMigratedPool({
      connection: this.options.connection,
      max: 4,
      lockKey: `rampart-activation-migrate:${this.schema}`,
      what: 'activation store',
      schema: this.schema,
      ddl: `
          CREATE SCHEMA IF NOT EXISTS ${this.s};
          CREATE TABLE IF NOT EXISTS ${this.s}.bundles (
            digest text PRIMARY KEY, name text NOT NULL, version text NOT NULL,
            created_at text NOT NULL, body text NOT NULL);
          CREATE TABLE IF NOT EXISTS ${this.s}.activation_state (
            id int PRIMARY KEY CHECK (id = 1), active text, candidate jsonb,
            revision bigint NOT NULL);
          INSERT INTO ${this.s}.activation_state (id, revision) VALUES (1, 0) ON CONFLICT DO NOTHING;
          CREATE TABLE IF NOT EXISTS ${this.s}.activation_history (
            seq bigserial PRIMARY KEY, entry jsonb NOT NULL);`,
    });
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end().catch(() => undefined);
  }

  private db(): pg.Pool {
    if (!this.pool) throw new BundleError('source/fetch-failed', 'activation store is not open');
    return this.pool;
  }

  /** Runs `fn` in a transaction holding the state row; bumps the revision and announces it. */
  private async change<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let revision = 0;
    const out = await this.tx(async (c) => {
      await c.query(`SELECT 1 FROM ${this.s}.activation_state WHERE id = 1 FOR UPDATE`);
      const r = await fn(c);
      const res = await c.query(
        `UPDATE ${this.s}.activation_state SET revision = revision + 1 WHERE id = 1 RETURNING revision`,
      );
      revision = Number(res.rows[0].revision);
      return r;
    });
    try {
      await this.options.onChange?.(revision);
    } catch {
      // followers poll as well
    }
    return out;
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.db().connect();
    // A connection lost between two statements is reported on the client; unheard, it would be an
    // uncaught exception. The statement in flight fails instead and the client is discarded.
    let lost: Error | undefined;
    const onLost = (e: Error) => {
      lost = e;
    };
    c.on('error', onLost);
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch((re: Error) => {
        lost ??= re;
      });
      throw e;
    } finally {
      c.off('error', onLost);
      c.release(lost);
    }
  }

  private async appendHistory(c: pg.PoolClient, e: PgActivationEntry): Promise<void> {
    await c.query(`INSERT INTO ${this.s}.activation_history (entry) VALUES ($1)`, [JSON.stringify(e)]);
  }

  private async storeBundle(c: pg.PoolClient, b: Bundle): Promise<void> {
    await c.query(
      `INSERT INTO ${this.s}.bundles (digest, name, version, created_at, body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (digest) DO NOTHING`,
      [b.digest, b.manifest.name, b.manifest.version, b.manifest.createdAt, serializeBundle(b)],
    );
  }

  private entry(
    action: ActivationEntry['action'],
    who: { name: string; version: string; digest: string },
    meta: PgActorMeta,
    source: string,
  ): PgActivationEntry {
    const e: PgActivationEntry = {
      at: (meta.now ?? new Date()).toISOString(),
      action,
      name: who.name,
      version: who.version,
      digest: who.digest,
      actor: meta.actor,
      reason: meta.reason,
      source,
    };
    if (meta.evidence !== undefined) e.evidence = meta.evidence;
    return e;
  }

  /** What is active and staged now. */
  async readState(): Promise<ActivationState> {
    const res = await this.db().query(
      `SELECT active, candidate, revision FROM ${this.s}.activation_state WHERE id = 1`,
    );
    const row = res.rows[0] as {
      active: string | null;
      candidate: ActivationState['candidate'] | null;
      revision: string;
    };
    const state: ActivationState = { revision: Number(row.revision) };
    if (row.active !== null) state.active = row.active;
    if (row.candidate !== null) state.candidate = row.candidate;
    return state;
  }

  /** The stored bytes of a bundle, or undefined. */
  async bundleText(digest: string): Promise<string | undefined> {
    const res = await this.db().query(`SELECT body FROM ${this.s}.bundles WHERE digest = $1`, [digest]);
    return (res.rows[0] as { body: string } | undefined)?.body;
  }

  /** The active bundle, or undefined when the safe baseline (or nothing) is active. */
  async activeBundle(): Promise<Bundle | undefined> {
    const { active } = await this.readState();
    if (active === undefined || active === SAFE_BASELINE_DIGEST) return undefined;
    const text = await this.bundleText(active);
    return text === undefined ? undefined : parseBundle(text);
  }

  /** Every stored bundle, newest first. */
  async list(): Promise<StoredBundle[]> {
    const { active } = await this.readState();
    const res = await this.db().query(
      `SELECT digest, name, version, created_at FROM ${this.s}.bundles ORDER BY created_at DESC, digest`,
    );
    return (res.rows as { digest: string; name: string; version: string; created_at: string }[]).map((r) => ({
      name: r.name,
      version: r.version,
      digest: r.digest,
      createdAt: r.created_at,
      active: r.digest === active,
    }));
  }

  private async readHistory(): Promise<PgActivationEntry[]> {
    const res = await this.db().query(`SELECT entry FROM ${this.s}.activation_history ORDER BY seq`);
    return (res.rows as { entry: PgActivationEntry }[]).map((r) => r.entry);
  }

  private async verifyAndCompile(bundle: Bundle): Promise<VerifiedBundle> {
    let parent: Bundle | undefined;
    if (bundle.manifest.parent) {
      const text = await this.bundleText(bundle.manifest.parent);
      parent = text === undefined ? undefined : parseBundle(text);
    }
    return verifyAndCompileBundle(bundle, this.governance, parent);
  }

  /** Verifies, compiles and activates a bundle; changes nothing on failure. Promoting the staged candidate ends its stage. */
  async activate(data: string | Uint8Array, meta: PgActorMeta, source = 'cli'): Promise<VerifiedBundle> {
    const bundle = parseBundle(data);
    const verified = await this.verifyAndCompile(bundle);
    await this.install(bundle, 'activate', meta, source);
    return verified;
  }

  private async install(bundle: Bundle, action: 'activate' | 'rollback', meta: PgActorMeta, source: string) {
    await this.change(async (c) => {
      await this.storeBundle(c, bundle);
      await c.query(
        `UPDATE ${this.s}.activation_state SET active = $1,
           candidate = CASE WHEN candidate->>'digest' = $1 THEN NULL ELSE candidate END WHERE id = 1`,
        [bundle.digest],
      );
      await this.appendHistory(
        c,
        this.entry(action, { ...bundle.manifest, digest: bundle.digest }, meta, source),
      );
    });
  }

  /** Verifies and stages a bundle for shadow evaluation or a cohort rollout beside the active one. */
  async stage(
    data: string | Uint8Array,
    stage: CandidateStage,
    meta: PgActorMeta,
    source = 'cli',
  ): Promise<VerifiedBundle> {
    const bundle = parseBundle(data);
    checkCandidateStage(stage);
    const verified = await this.verifyAndCompile(bundle);
    await this.change(async (c) => {
      await this.storeBundle(c, bundle);
      await c.query(`UPDATE ${this.s}.activation_state SET candidate = $1 WHERE id = 1`, [
        JSON.stringify({ digest: bundle.digest, stage }),
      ]);
      await this.appendHistory(
        c,
        this.entry(stage.mode, { ...bundle.manifest, digest: bundle.digest }, meta, source),
      );
    });
    return verified;
  }

  /**
   * Ends a shadow or rollout without promoting it; false when nothing was staged. With `digest`,
   * only that candidate is withdrawn (a watchdog on another instance may have replaced it already).
   */
  async withdraw(meta: PgActorMeta, source = 'cli', digest?: string): Promise<boolean> {
    return this.change(async (c) => {
      const res = await c.query(`SELECT candidate FROM ${this.s}.activation_state WHERE id = 1`);
      const candidate = (res.rows[0] as { candidate: ActivationState['candidate'] | null }).candidate;
      if (
        candidate === null ||
        candidate === undefined ||
        (digest !== undefined && candidate.digest !== digest)
      )
        return false;
      await c.query(`UPDATE ${this.s}.activation_state SET candidate = NULL WHERE id = 1`);
      const b = await c.query(`SELECT name, version FROM ${this.s}.bundles WHERE digest = $1`, [
        candidate.digest,
      ]);
      const row = (b.rows[0] as { name: string; version: string } | undefined) ?? { name: '', version: '' };
      await this.appendHistory(c, this.entry('withdraw', { ...row, digest: candidate.digest }, meta, source));
      return true;
    });
  }

  /**
   * Re-activates a stored bundle by version or digest (re-verified under today's governance), or the
   * safe baseline (`safe-baseline`).
   */
  async rollback(
    to: string,
    meta: PgActorMeta,
    source = 'cli',
  ): Promise<{ name: string; version: string; digest: string }> {
    if (to === 'safe-baseline') {
      const entry = { name: 'rampart-safe-baseline', version: '0.0.0-safe', digest: SAFE_BASELINE_DIGEST };
      await this.change(async (c) => {
        await c.query(`UPDATE ${this.s}.activation_state SET active = $1 WHERE id = 1`, [
          SAFE_BASELINE_DIGEST,
        ]);
        await this.appendHistory(c, this.entry('rollback', entry, meta, source));
      });
      return entry;
    }
    const matches = (await this.list()).filter(
      (b) => b.version === to || b.digest === to || b.digest === `sha256:${to}`,
    );
    if (matches.length === 0)
      throw new BundleError(
        'bundle/not-found',
        `no stored bundle with version or digest ${JSON.stringify(to)}`,
      );
    if (matches.length > 1)
      throw new BundleError(
        'bundle/not-found',
        `version ${to} matches ${matches.length} bundles; give the digest instead`,
      );
    const text = (await this.bundleText((matches[0] as StoredBundle).digest)) as string;
    const bundle = parseBundle(text);
    // A rollback target is re-verified on its own: its parent may be long gone.
    verifyAndCompileBundle(bundle, this.governance, undefined);
    await this.install(bundle, 'rollback', meta, source);
    return { name: bundle.manifest.name, version: bundle.manifest.version, digest: bundle.digest };
  }
}
