/**
 * Exception grants shared by `activation: postgres` instances: kept in PostgreSQL beside the
 * activation state (`PgExceptionsStore`), every change announced on `<prefix>exceptions` through the
 * same Redis notice mechanism as activations, and followed by each instance: on a notice, on the
 * notice subscription (re)connecting, and on a slow poll of one revision row (so a lost notice or a
 * Redis outage delays a grant or revocation but never loses it).
 *
 * Each instance's admin API (`ExceptionsAdmin`) reads and verifies the grants itself; this module
 * only tells it when to. While PostgreSQL is unreachable the grants last loaded stay in force (each
 * still stops applying at its own expiry, in the decider) and the follower reports the error.
 */
import type { Governance } from '../../bundle/governance.js';
import { PgActivationStore } from '../../bundle/pg-activation-store.js';
import { PgExceptionsStore } from '../../bundle/pg-exceptions-store.js';
import type { SharedExceptionsBackend } from '../admin/exceptions.js';
import type { ActivationNotices } from './activation-follower.js';
import { type NoticeOutcome, noticeSender } from './shared-activation.js';

/** Options of {@link ExceptionsFollower}. */
export interface ExceptionsFollowerOptions {
  /** Re-read the revision this often even without notices, ms (default 5000, as activations). */
  pollMs?: number;
}

/** The shared store as an admin backend, and the follower that reloads the admin on every change. */
export class ExceptionsFollower implements SharedExceptionsBackend {
  private reload: (() => Promise<unknown>) | undefined;
  private loaded = -1;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Why the last read failed; undefined while healthy. */
  lastError: string | undefined;

  constructor(
    readonly store: PgExceptionsStore,
    private readonly options: ExceptionsFollowerOptions = {},
  ) {}

  bind(reload: () => Promise<unknown>): void {
    this.reload = reload;
  }

  async read(): Promise<string | undefined> {
    try {
      const { revision, text } = await this.store.read();
      this.loaded = revision;
      this.lastError = undefined;
      return text;
    } catch (e) {
      this.lastError = (e as Error).message;
      throw e;
    }
  }

  async add(
    grant: Parameters<SharedExceptionsBackend['add']>[0],
    _verified: unknown,
    now: Date,
  ): Promise<void> {
    await this.store.add(grant, now);
  }

  async remove(id: string): Promise<boolean> {
    return (await this.store.remove(id)) !== undefined;
  }

  /** Re-reads the grants when the revision moved (serialised: one sync at a time, in order). */
  sync(): Promise<void> {
    this.chain = this.chain.then(() => this.syncOnce()).catch(() => undefined);
    return this.chain;
  }

  private async syncOnce(): Promise<void> {
    try {
      const revision = await this.store.revision();
      this.lastError = undefined;
      if (revision !== this.loaded) await this.reload?.();
    } catch (e) {
      this.lastError = (e as Error).message;
    }
  }

  /** Follows notices and polls; the first load is the admin's (`admin.attach`). */
  async start(notices?: ActivationNotices): Promise<void> {
    if (notices) await notices.subscribe(() => void this.sync()).catch(() => undefined);
    this.timer = setInterval(() => void this.sync(), this.options.pollMs ?? 5000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** Options of {@link openSharedExceptions}: the flags of `rampart exceptions` naming the cluster. */
export interface SharedExceptionsOptions {
  database: string;
  schema?: string;
  redis?: string;
  prefix?: string;
  /** The trusted governance; without it the activation store is not opened (`revoke` needs neither). */
  governance?: Governance;
  connectTimeoutMs?: number;
}

/** The stores a `rampart exceptions` run needs, opened from outside any instance. */
export interface SharedExceptions {
  exceptions: PgExceptionsStore;
  /** The activation store (with governance): its active bundle is what grants are checked against. */
  activation?: PgActivationStore;
  channel: string;
  lastNotice(): NoticeOutcome | undefined;
  close(): Promise<void>;
}

/** Connects to PostgreSQL (creating the tables when absent) and prepares the Redis notices. */
export async function openSharedExceptions(opts: SharedExceptionsOptions): Promise<SharedExceptions> {
  const timeout = opts.connectTimeoutMs ?? 3000;
  const sender = noticeSender(opts.redis, opts.prefix ?? 'rampart:', 'exceptions', timeout);
  const connection = { connectionString: opts.database, connectionTimeoutMillis: timeout };
  const schema = opts.schema ? { schema: opts.schema } : {};
  const exceptions = new PgExceptionsStore({ connection, ...schema, onChange: sender.announce });
  const activation = opts.governance
    ? new PgActivationStore({ connection, ...schema }, opts.governance)
    : undefined;
  try {
    await exceptions.open();
    await activation?.open();
  } catch (e) {
    await exceptions.close();
    sender.close();
    throw e;
  }
  return {
    exceptions,
    activation,
    channel: sender.channel,
    lastNotice: sender.lastNotice,
    async close() {
      await exceptions.close();
      await activation?.close();
      sender.close();
    },
  };
}
