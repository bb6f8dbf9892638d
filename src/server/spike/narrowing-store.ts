/**
 * Where active spike narrowings live. Read synchronously on every decision from a local map keyed by
 * route; the Redis variant keeps that map in step across instances with a hash plus pub/sub notices,
 * exactly like kill switches. A narrowing claimed while Redis is away applies locally at once
 * (failing closed) and is written to Redis when it comes back.
 */
import type { Redis } from 'ioredis';
import { ServerError } from '../errors.js';
import { type ActiveNarrowing, narrowingKey } from './narrowing.js';

/** Shared store of active narrowings. */
export interface NarrowingStore {
  /** The narrowings on `route` (undefined when none): the hot-path read. */
  forRoute(route: string): readonly ActiveNarrowing[] | undefined;
  /** True when `trigger` already narrows `route`. */
  has(trigger: string, route: string): boolean;
  list(): ActiveNarrowing[];
  /** Sets a narrowing unless one for the same trigger and route is already on; true when this call set it. */
  claim(n: ActiveNarrowing): Promise<boolean>;
  /** Clears the narrowings matching `trigger` and/or `route` (both absent: all); returns those cleared. */
  clear(match: { trigger?: string; route?: string }): Promise<ActiveNarrowing[]>;
  /** Called with the keys of narrowings that went away (cleared here or on another instance). */
  onCleared?: (keys: string[]) => void;
  close(): Promise<void>;
}

/** Narrowings of one process. */
export class MemoryNarrowings implements NarrowingStore {
  protected all = new Map<string, ActiveNarrowing>();
  private byRoute = new Map<string, ActiveNarrowing[]>();
  onCleared?: (keys: string[]) => void;

  forRoute(route: string): readonly ActiveNarrowing[] | undefined {
    return this.byRoute.size === 0 ? undefined : this.byRoute.get(route);
  }

  has(trigger: string, route: string): boolean {
    return this.all.has(narrowingKey(trigger, route));
  }

  list(): ActiveNarrowing[] {
    return [...this.all.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }

  async claim(n: ActiveNarrowing): Promise<boolean> {
    const key = narrowingKey(n.trigger, n.route);
    if (this.all.has(key)) return false;
    this.replace(new Map([...this.all, [key, n]]));
    return true;
  }

  async clear(match: { trigger?: string; route?: string }): Promise<ActiveNarrowing[]> {
    const gone = this.list().filter(
      (n) =>
        (match.trigger === undefined || n.trigger === match.trigger) &&
        (match.route === undefined || n.route === match.route),
    );
    if (gone.length === 0) return [];
    const next = new Map(this.all);
    for (const n of gone) next.delete(narrowingKey(n.trigger, n.route));
    this.replace(next);
    return gone;
  }

  async close(): Promise<void> {}

  /** Swaps in a whole new set; reports the keys that went away. */
  protected replace(next: Map<string, ActiveNarrowing>): void {
    const removed = [...this.all.keys()].filter((k) => !next.has(k));
    const byRoute = new Map<string, ActiveNarrowing[]>();
    for (const n of next.values()) {
      const list = byRoute.get(n.route);
      if (list) list.push(n);
      else byRoute.set(n.route, [n]);
    }
    this.all = next;
    this.byRoute = byRoute;
    if (removed.length > 0) this.onCleared?.(removed);
  }
}

/** Options of {@link RedisNarrowings}. */
export interface RedisNarrowingOptions {
  /** Key prefix (default `rampart:`): the hash and channel are `<prefix>spike`. */
  prefix?: string;
}

/** Narrowings in a Redis hash with a pub/sub notice on every change; see the file comment. */
export class RedisNarrowings extends MemoryNarrowings {
  private readonly hash: string;
  /** Claimed while Redis was unreachable; written on reconnect. */
  private pending = new Map<string, ActiveNarrowing>();

  private constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis,
    prefix: string,
  ) {
    super();
    this.hash = `${prefix}spike`;
  }

  /**
   * Subscribes and loads the current narrowings. `client` is duplicated for the subscription. When
   * Redis cannot be reached the store still opens, empty and not {@link synced}: narrowings this
   * instance fires apply here at once and are written when Redis is back, and those of other
   * instances are loaded then (the reconnect subscribes and reloads).
   */
  static async open(client: Redis, opts: RedisNarrowingOptions = {}): Promise<RedisNarrowings> {
    const subscriber = client.duplicate();
    const store = new RedisNarrowings(client, subscriber, opts.prefix ?? 'rampart:');
    subscriber.on('message', (channel) => {
      if (channel === store.hash) void store.reload().catch(() => {});
    });
    subscriber.on('ready', () => {
      // Subscribing again is a no-op once subscribed, and makes the subscription when the first
      // attempt failed.
      void subscriber
        .subscribe(store.hash)
        .then(() => store.flushPending())
        .catch(() => {});
    });
    // Connection errors while Redis is away are expected; the reconnect above catches up.
    subscriber.on('error', () => undefined);
    try {
      await subscriber.subscribe(store.hash);
      await store.reload();
    } catch {
      // Redis is away at start: see above.
    }
    return store;
  }

  /** True once the narrowings of every instance have been loaded from Redis at least once. */
  synced = false;

  /** Reloads every narrowing from Redis (keeping those still waiting to be written). */
  async reload(): Promise<void> {
    const raw = await this.client.hgetall(this.hash);
    const next = new Map<string, ActiveNarrowing>();
    for (const [key, value] of Object.entries(raw)) {
      try {
        next.set(key, JSON.parse(value) as ActiveNarrowing);
      } catch {
        // An unreadable entry is dropped from the local view; it stays in Redis for an operator to clear.
      }
    }
    for (const [key, n] of this.pending) if (!next.has(key)) next.set(key, n);
    this.replace(next);
    this.synced = true;
  }

  private async flushPending(): Promise<void> {
    for (const [key, n] of [...this.pending]) {
      const set = await this.client.hsetnx(this.hash, key, JSON.stringify(n));
      if (set === 1) await this.client.publish(this.hash, key);
      this.pending.delete(key);
    }
    await this.reload();
  }

  override async claim(n: ActiveNarrowing): Promise<boolean> {
    const key = narrowingKey(n.trigger, n.route);
    if (this.all.has(key)) return false;
    try {
      const set = await this.client.hsetnx(this.hash, key, JSON.stringify(n));
      if (set === 0) {
        await this.reload();
        return false;
      }
      await this.client.publish(this.hash, key);
    } catch {
      // Fail closed: narrow here now; the other instances learn of it once Redis is back.
      this.pending.set(key, n);
    }
    await super.claim(n);
    return true;
  }

  override async clear(match: { trigger?: string; route?: string }): Promise<ActiveNarrowing[]> {
    const gone = this.list().filter(
      (n) =>
        (match.trigger === undefined || n.trigger === match.trigger) &&
        (match.route === undefined || n.route === match.route),
    );
    if (gone.length === 0) return [];
    try {
      const keys = gone.map((n) => narrowingKey(n.trigger, n.route));
      await this.client.hdel(this.hash, ...keys);
      await this.client.publish(this.hash, keys.join(','));
    } catch (e) {
      throw new ServerError(
        'server/unavailable',
        503,
        `spike narrowing store unavailable: ${(e as Error).message}`,
      );
    }
    for (const n of gone) this.pending.delete(narrowingKey(n.trigger, n.route));
    return super.clear(match);
  }

  override async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
