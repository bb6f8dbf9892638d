/**
 * The operator's side of `activation: postgres`: the PostgreSQL activation store the instances
 * follow, opened from outside any instance (`rampart activate / rollback --database …`), with every
 * committed change announced on the same Redis channel the instances subscribe to
 * (`<prefix>activation`), so they switch within a round trip instead of at their next poll.
 *
 * The change is the database transaction; the notice is a courtesy. A notice that cannot be sent
 * (no Redis given, Redis down) leaves the change committed and is reported, not thrown: every
 * instance re-reads the state on its poll (5 s by default) and on reconnecting to Redis.
 */
import { Redis } from 'ioredis';
import type { Governance } from '../../bundle/governance.js';
import { PgActivationStore } from '../../bundle/pg-activation-store.js';
import { ActivationNotices } from './activation-follower.js';

/** Options of {@link openSharedActivation}. */
export interface SharedActivationOptions {
  /** PostgreSQL connection string of the database the instances use (`evidence.url`). */
  database: string;
  /** Schema holding the activation tables (default `rampart`, as for `rampart serve`). */
  schema?: string;
  /** Redis the instances subscribe to; without it nothing is announced. */
  redis?: string;
  /** Redis key and channel prefix (default `rampart:`), as configured on the instances. */
  prefix?: string;
  /** The trusted governance every bundle is verified against. */
  governance: Governance;
  /** Give up connecting to either service after this, ms (default 3000). */
  connectTimeoutMs?: number;
}

/** What became of the notice of one change. */
export interface NoticeOutcome {
  revision: number;
  /** True when Redis accepted the notice. */
  published: boolean;
  /** Instances subscribed to the channel when it was published. */
  receivers?: number;
  /** Why it was not published. */
  error?: string;
}

/** An opened store and the notice of its last change. */
export interface SharedActivation {
  store: PgActivationStore;
  channel: string;
  /** The notice of the most recent committed change, once there was one. */
  lastNotice(): NoticeOutcome | undefined;
  close(): Promise<void>;
}

/** Announces committed revisions on one channel of a Redis reached once, from outside any instance. */
export interface NoticeSender {
  channel: string;
  announce(revision: number): Promise<void>;
  lastNotice(): NoticeOutcome | undefined;
  close(): void;
}

/**
 * A one-shot notice sender for a CLI run: one connection attempt, no offline queue, so a command
 * never hangs on a Redis that is away (the change stays committed; the notice outcome says so).
 */
export function noticeSender(
  redis: string | undefined,
  prefix: string,
  topic: 'activation' | 'exceptions',
  timeoutMs: number,
): NoticeSender {
  const client = redis
    ? new Redis(redis, {
        lazyConnect: true,
        connectTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        retryStrategy: () => null,
      })
    : undefined;
  client?.on('error', () => undefined);
  const notices = client ? new ActivationNotices(client, prefix, topic) : undefined;
  let last: NoticeOutcome | undefined;
  return {
    channel: `${prefix}${topic}`,
    async announce(revision) {
      if (!client || !notices) {
        last = { revision, published: false, error: 'no Redis given' };
        return;
      }
      try {
        if (client.status === 'wait' || client.status === 'end') await client.connect();
        last = { revision, published: true, receivers: await notices.publish(revision) };
      } catch (e) {
        last = { revision, published: false, error: (e as Error).message };
      }
    },
    lastNotice: () => last,
    close: () => client?.disconnect(),
  };
}

/** Connects to PostgreSQL (creating the tables when absent) and prepares the Redis notices. */
export async function openSharedActivation(opts: SharedActivationOptions): Promise<SharedActivation> {
  const timeout = opts.connectTimeoutMs ?? 3000;
  const sender = noticeSender(opts.redis, opts.prefix ?? 'rampart:', 'activation', timeout);
  const store = new PgActivationStore(
    {
      connection: { connectionString: opts.database, connectionTimeoutMillis: timeout },
      ...(opts.schema ? { schema: opts.schema } : {}),
      onChange: sender.announce,
    },
    opts.governance,
  );
  try {
    await store.open();
  } catch (e) {
    sender.close();
    throw e;
  }
  return {
    store,
    channel: sender.channel,
    lastNotice: sender.lastNotice,
    async close() {
      await store.close();
      sender.close();
    },
  };
}

/** One line about a notice, for the operator: who heard it, or when the instances will catch up. */
export function describeNotice(n: NoticeOutcome | undefined, channel: string): string {
  if (n === undefined) return 'nothing changed, nothing announced';
  if (n.published)
    return `revision ${n.revision} announced on ${channel} to ${n.receivers ?? 0} subscribed instance(s)`;
  return `revision ${n.revision} committed but not announced (${n.error}); running instances pick it up at their next poll (within 5 s by default)`;
}
