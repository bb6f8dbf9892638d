/**
 * Kill switches: an operator flag that disables a tool or a route at once. Checked on every decision
 * from a local map (no I/O on the hot path); the Redis variant keeps that map in step across
 * instances through a hash plus pub/sub notices.
 */
import type { Redis } from 'ioredis';
import { ServerError } from './errors.js';

/** What a switch disables. */
export const KILL_KINDS = ['tool', 'route'] as const;
/** One kind. */
export type KillKind = (typeof KILL_KINDS)[number];

/** An active kill switch. */
export interface KillSwitch {
  kind: KillKind;
  name: string;
  reason: string;
  actor: string;
  at: string;
}

/** Where kill switches live. Reads are synchronous; writes reach every instance. */
export interface KillSwitchStore {
  /** The switch for `kind`/`name`, if on. */
  get(kind: KillKind, name: string): KillSwitch | undefined;
  list(): KillSwitch[];
  set(sw: KillSwitch): Promise<void>;
  /** Turns a switch off; false when it was not on. */
  clear(kind: KillKind, name: string): Promise<boolean>;
  close(): Promise<void>;
}

const keyOf = (kind: KillKind, name: string) => `${kind}:${name}`;

/** Kill switches of one process. */
export class MemoryKillSwitches implements KillSwitchStore {
  protected switches = new Map<string, KillSwitch>();

  get(kind: KillKind, name: string): KillSwitch | undefined {
    return this.switches.size === 0 ? undefined : this.switches.get(keyOf(kind, name));
  }

  list(): KillSwitch[] {
    return [...this.switches.values()].sort((a, b) =>
      keyOf(a.kind, a.name).localeCompare(keyOf(b.kind, b.name)),
    );
  }

  async set(sw: KillSwitch): Promise<void> {
    this.switches.set(keyOf(sw.kind, sw.name), sw);
  }

  async clear(kind: KillKind, name: string): Promise<boolean> {
    return this.switches.delete(keyOf(kind, name));
  }

  async close(): Promise<void> {}
}

/** Options of {@link RedisKillSwitches}. */
export interface RedisKillSwitchOptions {
  /** Key prefix (default `rampart:`): the hash is `<prefix>killswitches`, the channel the same name. */
  prefix?: string;
  /** Disconnect `client` too on `close()` (when the store created it). */
  ownsClient?: boolean;
}

/**
 * Kill switches in a Redis hash, with a pub/sub notice on every change so every instance reloads
 * within a round trip. If Redis goes away the last loaded switches stay in force (a kill switch
 * never silently turns off); changing them fails until Redis is back, and a reload on reconnect
 * catches up.
 */
export class RedisKillSwitches extends MemoryKillSwitches {
  private readonly hash: string;

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    prefix: string,
    private readonly ownsClient: boolean,
  ) {
    super();
    this.hash = `${prefix}killswitches`;
  }

  /** Connects, loads the current switches and subscribes to changes. `client` is duplicated for the subscription. */
  static async open(client: Redis, opts: RedisKillSwitchOptions = {}): Promise<RedisKillSwitches> {
    const subscriber = client.duplicate();
    const store = new RedisKillSwitches(
      client,
      subscriber,
      opts.prefix ?? 'rampart:',
      opts.ownsClient === true,
    );
    subscriber.on('message', (channel) => {
      if (channel === store.hash) void store.reload().catch(() => {});
    });
    subscriber.on('ready', () => void store.reload().catch(() => {}));
    // Expected while Redis is away (ioredis reconnects and 'ready' reloads); unhandled it only spams stderr.
    subscriber.on('error', () => undefined);
    await subscriber.subscribe(store.hash);
    await store.reload();
    return store;
  }

  /** Reloads every switch from Redis. */
  async reload(): Promise<void> {
    const all = await this.client.hgetall(this.hash);
    const next = new Map<string, KillSwitch>();
    for (const [key, value] of Object.entries(all)) {
      try {
        next.set(key, JSON.parse(value) as KillSwitch);
      } catch {
        // A corrupt entry is kept as a bare switch: when in doubt the tool or route stays off.
        const [kind, ...rest] = key.split(':');
        next.set(key, {
          kind: kind as KillKind,
          name: rest.join(':'),
          reason: 'unreadable entry',
          actor: '?',
          at: '',
        });
      }
    }
    this.switches = next;
  }

  override async set(sw: KillSwitch): Promise<void> {
    await this.unavailableAs(async () => {
      await this.client.hset(this.hash, keyOf(sw.kind, sw.name), JSON.stringify(sw));
      await this.client.publish(this.hash, keyOf(sw.kind, sw.name));
    });
    await super.set(sw);
  }

  override async clear(kind: KillKind, name: string): Promise<boolean> {
    const removed = await this.unavailableAs(async () => {
      const n = await this.client.hdel(this.hash, keyOf(kind, name));
      await this.client.publish(this.hash, keyOf(kind, name));
      return n > 0;
    });
    await super.clear(kind, name);
    return removed;
  }

  override async close(): Promise<void> {
    this.subscriber.disconnect();
    if (this.ownsClient) this.client.disconnect();
  }

  private async unavailableAs<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new ServerError(
        'server/unavailable',
        503,
        `kill switch store unavailable: ${(e as Error).message}`,
      );
    }
  }
}
