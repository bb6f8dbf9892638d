/**
 * Redis-shared kill switches for an instance that may start while Redis is away.
 * `RedisKillSwitches.open` needs Redis to answer (it loads the switches before it returns), so an
 * instance started during a Redis outage would not start at all. This store returns at once and
 * opens the Redis store as soon as the client connects (ioredis keeps reconnecting).
 *
 * Until the switches have been loaded once, this instance cannot know whether an operator has killed
 * a tool, so it fails closed on tools: every tool call is denied with rule `rampart/kill-switch`
 * (reason "kill switches not loaded"). Routes are not switched off wholesale — that would stop every
 * decision, which is an outage rather than a precaution; the instance reports Redis down in
 * `/readyz` instead. Setting or clearing a switch answers 503 `server/unavailable` until loaded.
 * Once loaded it behaves exactly as `RedisKillSwitches` (the last loaded switches stay in force
 * through later outages).
 */
import { Redis } from 'ioredis';
import { ServerError } from '../errors.js';
import { type KillKind, type KillSwitch, type KillSwitchStore, RedisKillSwitches } from '../kill-switches.js';

/** Options of {@link openStartupKillSwitches}. */
export interface StartupKillSwitchOptions {
  /** Key prefix, as for `RedisKillSwitches` (default `rampart:`). */
  prefix?: string;
  /** Disconnect `client` on `close()`. */
  ownsClient?: boolean;
}

/** The reason on the stand-in switch of every tool while the real switches are unknown. */
export const SWITCHES_NOT_LOADED = 'kill switches not loaded: Redis unreachable since this instance started';

/** Kill switches that start without Redis; see the file comment. */
export class StartupKillSwitches implements KillSwitchStore {
  private store: RedisKillSwitches | undefined;
  private closed = false;
  private readonly notLoaded = new Map<string, KillSwitch>();

  constructor(
    private readonly client: Redis,
    private readonly options: StartupKillSwitchOptions = {},
  ) {
    // Refused connections are expected while Redis is away; unheard, ioredis prints each one.
    client.on('error', () => undefined);
  }

  /** True once the switches have been loaded from Redis. */
  get loaded(): boolean {
    return this.store !== undefined;
  }

  /**
   * Opens the Redis store if Redis answers within `waitMs` (so a healthy start never denies tools),
   * and otherwise on the first reconnect; returns in either case.
   */
  async start(waitMs = 2000): Promise<void> {
    this.client.on('ready', () => void this.tryOpen());
    if (this.client.status === 'wait') this.client.connect().catch(() => undefined);
    await new Promise<void>((resolve) => {
      if (this.client.status === 'ready') return resolve();
      const done = () => {
        clearTimeout(timer);
        this.client.off('ready', done);
        this.client.off('error', done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.client.once('ready', done);
      // A refused connection is reported at once: no need to wait out the timer.
      this.client.once('error', done);
    });
    await this.tryOpen();
  }

  private opening: Promise<void> | undefined;

  private tryOpen(): Promise<void> {
    if (this.store || this.closed || this.client.status !== 'ready') return Promise.resolve();
    this.opening ??= RedisKillSwitches.open(this.client, {
      ...(this.options.prefix !== undefined ? { prefix: this.options.prefix } : {}),
    })
      .then(async (store) => {
        if (this.closed) await store.close();
        else this.store = store;
      })
      // Redis went away again between connect and load; the next 'ready' retries.
      .catch(() => undefined)
      .finally(() => {
        this.opening = undefined;
      });
    return this.opening;
  }

  get(kind: KillKind, name: string): KillSwitch | undefined {
    if (this.store) return this.store.get(kind, name);
    if (kind !== 'tool') return undefined;
    let sw = this.notLoaded.get(name);
    if (!sw) {
      sw = { kind: 'tool', name, reason: SWITCHES_NOT_LOADED, actor: 'rampart', at: '' };
      // Bounded: tool names come from requests.
      if (this.notLoaded.size < 1000) this.notLoaded.set(name, sw);
    }
    return sw;
  }

  list(): KillSwitch[] {
    return this.store ? this.store.list() : [];
  }

  async set(sw: KillSwitch): Promise<void> {
    await this.need().set(sw);
  }

  async clear(kind: KillKind, name: string): Promise<boolean> {
    return this.need().clear(kind, name);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.store?.close();
    if (this.options.ownsClient) this.client.disconnect();
  }

  private need(): RedisKillSwitches {
    if (!this.store)
      throw new ServerError(
        'server/unavailable',
        503,
        `kill switch store unavailable: ${SWITCHES_NOT_LOADED}`,
      );
    return this.store;
  }
}

/**
 * A Redis client for the shared stores of `rampart serve`: a command fails after one reconnect
 * attempt instead of queueing forever, and the client keeps reconnecting (every 0.2–2 s) by itself.
 */
export function sharedRedisClient(url: string): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 1,
    retryStrategy: (n) => Math.min(n * 200, 2000),
  });
  client.on('error', () => undefined);
  return client;
}

/** Kill switches through `client`, opened now if Redis answers and otherwise as soon as it does. */
export async function openStartupKillSwitches(
  client: Redis,
  options: StartupKillSwitchOptions = {},
): Promise<StartupKillSwitches> {
  const store = new StartupKillSwitches(client, options);
  await store.start();
  return store;
}
