/**
 * Keeps a server's `PolicyRuntime` in step with the activation state in PostgreSQL. It re-reads the
 * state when a Redis notice announces a new revision (so an activation on one instance is in force
 * on every instance within a round trip) and on a slow poll (so a lost notice, or a Redis outage,
 * delays a change but never loses it). Everything goes through the runtime's verify-then-swap path;
 * while PostgreSQL is unreachable the last-known-good policy keeps deciding and the follower reports
 * itself unhealthy until a read succeeds again.
 */
import type { Redis } from 'ioredis';
import type { ActivationState, PgActivationStore } from '../../bundle/pg-activation-store.js';
import { type PolicyRuntime, safeBaselineMarker } from '../../bundle/policy-runtime.js';
import { SAFE_BASELINE_DIGEST } from '../../bundle/safe-baseline.js';

/** Options of {@link ActivationFollower}. */
export interface ActivationFollowerOptions {
  /** Re-read the state this often even without notices, ms (default 5000). */
  pollMs?: number;
  /** Actor recorded on the runtime's offers. */
  actor?: string;
}

/**
 * Publishes and receives "the activation state changed" notices on one Redis channel
 * (`<prefix>activation`; the shared exception grants use the same mechanism on `<prefix>exceptions`).
 */
export class ActivationNotices {
  readonly channel: string;
  private subscriber: Redis | undefined;

  constructor(
    private readonly client: Redis,
    prefix = 'rampart:',
    topic: 'activation' | 'exceptions' = 'activation',
  ) {
    this.channel = `${prefix}${topic}`;
  }

  /**
   * Announces a new revision; resolves with how many subscribers (one per following instance) got
   * it. Errors are the caller's to ignore (followers poll too).
   */
  async publish(revision: number): Promise<number> {
    return this.client.publish(this.channel, String(revision));
  }

  /**
   * Calls `fn` on every notice, and when the subscription (re)connects. Rejects when Redis cannot be
   * reached now; the subscription is still made (and `fn` called) once it can.
   */
  async subscribe(fn: () => void): Promise<void> {
    const sub = this.client.duplicate();
    this.subscriber = sub;
    sub.on('message', (channel) => {
      if (channel === this.channel) fn();
    });
    // After an outage notices may have been missed: catch up on reconnect. Subscribing again is a
    // no-op when ioredis restored the subscription itself, and makes it when the first attempt
    // failed (an instance started while Redis was down).
    sub.on('ready', () => {
      void sub.subscribe(this.channel).catch(() => undefined);
      fn();
    });
    sub.on('error', () => undefined);
    await sub.subscribe(this.channel);
  }

  close(): void {
    this.subscriber?.disconnect();
  }
}

/** See the file comment. */
export class ActivationFollower {
  private applied = -1;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /** Why the last read failed; undefined while healthy. */
  lastError: string | undefined;
  /** When the state was last read successfully (ms). */
  lastSync = 0;

  constructor(
    private readonly store: PgActivationStore,
    private readonly runtime: PolicyRuntime,
    private readonly options: ActivationFollowerOptions = {},
  ) {}

  /** Reads and applies the state now (serialised: one sync at a time, in order). */
  sync(): Promise<void> {
    this.chain = this.chain.then(() => this.syncOnce()).catch(() => undefined);
    return this.chain;
  }

  private async syncOnce(): Promise<void> {
    let state: ActivationState;
    try {
      state = await this.store.readState();
      if (state.revision !== this.applied) await this.apply(state);
      this.applied = state.revision;
      this.lastError = undefined;
      this.lastSync = Date.now();
    } catch (e) {
      this.lastError = (e as Error).message;
    }
  }

  private meta(reason: string) {
    return { source: 'postgres', actor: this.options.actor ?? 'rampart-serve', reason };
  }

  private async apply(state: ActivationState): Promise<void> {
    const current = this.runtime.current();
    if (state.active === SAFE_BASELINE_DIGEST) {
      if (current.kind !== 'safe-baseline')
        await this.runtime.offer(safeBaselineMarker('safe baseline in shared state', new Date()), {
          ...this.meta('shared state selects the safe baseline'),
          action: 'rollback',
        });
    } else if (state.active !== undefined && state.active !== current.digest) {
      const text = await this.store.bundleText(state.active);
      if (text === undefined) throw new Error(`active bundle ${state.active} is not stored`);
      // A rejected bundle leaves the last-known-good policy in force; the runtime says why.
      await this.runtime.offer(text, this.meta('shared state changed'));
    }
    const staged = this.runtime.candidate();
    if (state.candidate === undefined) {
      if (staged) await this.runtime.clearCandidate(this.meta('candidate withdrawn in shared state'));
    } else if (
      staged?.policy.digest !== state.candidate.digest ||
      JSON.stringify(staged.stage) !== JSON.stringify(state.candidate.stage)
    ) {
      const text = await this.store.bundleText(state.candidate.digest);
      if (text === undefined) throw new Error(`staged bundle ${state.candidate.digest} is not stored`);
      await this.runtime.offerCandidate(
        text,
        state.candidate.stage,
        this.meta('candidate staged in shared state'),
      );
    }
  }

  /** Syncs now, then on every notice and every `pollMs`. */
  async start(notices?: ActivationNotices): Promise<void> {
    await this.sync();
    if (notices) await notices.subscribe(() => void this.sync()).catch(() => undefined);
    const pollMs = this.options.pollMs ?? 5000;
    this.timer = setInterval(() => void this.sync(), pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
