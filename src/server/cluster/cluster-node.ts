/**
 * One decision-server instance of several: activation state in PostgreSQL (followed through a
 * `PolicyRuntime`, announced over Redis), spike narrowings shared through Redis, the rollout
 * watchdog withdrawing a breaching candidate for every instance. Kill switches are shared the same way
 * (`RedisKillSwitches`, given to the server when it is created). If Redis or PostgreSQL goes away the
 * instance keeps deciding on its last-known-good policy and switches, reports the dependency down in
 * `/readyz` and metrics, and catches up by itself when it is back.
 */

import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import type { Governance } from '../../bundle/governance.js';
import { PgActivationStore } from '../../bundle/pg-activation-store.js';
import { PgExceptionsStore } from '../../bundle/pg-exceptions-store.js';
import { PolicyRuntime } from '../../bundle/policy-runtime.js';
import { ServerError } from '../errors.js';
import type { KillSwitchStore } from '../kill-switches.js';
import type { DecisionServer } from '../server.js';
import { type AttachedSpikeGuard, attachSpikeGuard } from '../spike/attach.js';
import { RedisNarrowings } from '../spike/narrowing-store.js';
import type { WatchdogRollback } from '../spike/rollout-watchdog.js';
import type { SpikeNotice } from '../spike/spike-guard.js';
import { ActivationFollower, ActivationNotices } from './activation-follower.js';
import { ExceptionsFollower } from './shared-exceptions.js';
import { StartupKillSwitches } from './startup-kill-switches.js';

/** Options of {@link joinCluster}. */
export interface ClusterNodeOptions {
  server: DecisionServer;
  /** Trusted governance every bundle is verified against. */
  governance: Governance;
  /** PostgreSQL holding the activation state. */
  database: { connection: string | import('pg').PoolConfig; schema?: string };
  /** Redis for activation notices and spike narrowings (duplicated for subscriptions). */
  redis: Redis;
  /** Redis key and channel prefix (default `rampart:`); several deployments may share one Redis. */
  prefix?: string;
  /** This instance's name, on narrowings, notices and history entries. */
  instance: string;
  /** Escalation notifier (spike fired, rollout rolled back). */
  notify?: (notice: SpikeNotice) => Promise<void>;
  /** Activation state and exception grants poll interval, ms (default 5000; notices make changes faster). */
  pollMs?: number;
  /** Spike-guard and watchdog tick, ms (default 1000). */
  tickMs?: number;
}

/** State of one dependency, for `/readyz` and metrics. */
export interface DependencyHealth {
  name: 'redis' | 'postgres';
  ok: boolean;
  detail?: string;
}

/** A joined instance. */
export interface ClusterNode {
  runtime: PolicyRuntime;
  store: PgActivationStore;
  follower: ActivationFollower;
  /** The shared exception grants (PostgreSQL) this instance's admin API keeps and follows. */
  exceptions: ExceptionsFollower;
  guard: AttachedSpikeGuard;
  health(): DependencyHealth[];
  stop(): Promise<void>;
}

/**
 * The Redis dependency of an instance: down while the client is not connected, and also while the
 * shared kill switches or narrowings have not been loaded once since start (an instance started
 * while Redis was away: it denies tool calls until the switches are known).
 */
export function redisHealth(
  redis: Redis,
  narrowings: RedisNarrowings,
  kills: KillSwitchStore,
): DependencyHealth {
  const switchesUnknown = kills instanceof StartupKillSwitches && !kills.loaded;
  const unknown = [
    switchesUnknown ? 'kill switches not loaded since start: every tool call is denied until they are' : '',
    narrowings.synced ? '' : 'spike narrowings of other instances not loaded since start',
  ].filter(Boolean);
  if (redis.status !== 'ready')
    return {
      name: 'redis',
      ok: false,
      detail: `redis ${redis.status}: ${unknown.length > 0 ? unknown.join('; ') : 'kill switches and narrowings may be stale'}`,
    };
  if (unknown.length > 0)
    return { name: 'redis', ok: false, detail: `redis connected, loading: ${unknown.join('; ')}` };
  return { name: 'redis', ok: true };
}

/** Joins the cluster: opens the activation store, follows it, and attaches the spike guard and watchdog. */
export async function joinCluster(opts: ClusterNodeOptions): Promise<ClusterNode> {
  const prefix = opts.prefix ?? 'rampart:';
  const notices = new ActivationNotices(opts.redis, prefix);
  const store = new PgActivationStore(
    {
      ...opts.database,
      onChange: async (revision) => {
        await notices.publish(revision);
      },
    },
    opts.governance,
  );
  try {
    await store.open();
  } catch (e) {
    // Fail closed: without the activation state there is no verified bundle to decide on (no copy
    // is kept on local disk), so this instance does not start; running instances keep deciding on
    // their last-known-good bundle, and a supervisor restarting this one succeeds once PostgreSQL is back.
    throw new ServerError(
      'server/unavailable',
      503,
      `activation: postgres: cannot read the activation state (${(e as Error).message}); no last-known-good bundle is kept locally, so this instance does not start until PostgreSQL answers`,
    );
  }
  const exceptionNotices = new ActivationNotices(opts.redis, prefix, 'exceptions');
  const exceptionsStore = new PgExceptionsStore({
    ...opts.database,
    onChange: async (revision) => {
      await exceptionNotices.publish(revision);
    },
  });
  try {
    await exceptionsStore.open();
  } catch (e) {
    await store.close();
    throw new ServerError(
      'server/unavailable',
      503,
      `activation: postgres: cannot open the shared exception grants (${(e as Error).message})`,
    );
  }
  const exceptions = new ExceptionsFollower(exceptionsStore, {
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
  });
  const runtime = new PolicyRuntime({ governance: opts.governance, actor: opts.instance });
  // The admin API gets the runtime and store too (bundle routes write the shared state); it also
  // carries the runtime's activations to the server and stages candidates in the decider. Its
  // exception routes keep grants in the shared store.
  await opts.server.admin.attach({ runtime, store, exceptions });
  const follower = new ActivationFollower(store, runtime, {
    actor: opts.instance,
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
  });
  await follower.start(notices);
  await exceptions.start(exceptionNotices);

  const narrowings = await RedisNarrowings.open(opts.redis, { prefix });
  const rollback = async (r: WatchdogRollback) => {
    // Here first, so this instance stops enforcing the candidate at once, then for everyone.
    await runtime.clearCandidate({ source: 'watchdog', actor: 'rampart-watchdog', reason: r.reason });
    await store.withdraw(
      { actor: 'rampart-watchdog', reason: r.reason, evidence: r.breach },
      `watchdog@${opts.instance}`,
      r.candidate.digest,
    );
  };
  const guard = attachSpikeGuard(opts.server, {
    store: narrowings,
    instance: opts.instance,
    candidate: () => runtime.candidate(),
    rollback,
    ...(opts.notify ? { notify: opts.notify } : {}),
    ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
  });

  const health = (): DependencyHealth[] => {
    const pgError =
      follower.lastError !== undefined
        ? `activation state unreadable: ${follower.lastError}`
        : exceptions.lastError !== undefined
          ? `exception grants unreadable (the grants last loaded stay in force until they expire): ${exceptions.lastError}`
          : undefined;
    return [
      // The client's state, not each subscriber's: a subscriber still reconnecting just after an
      // outage delays a notice by at most one poll.
      redisHealth(opts.redis, narrowings, opts.server.killSwitches),
      pgError === undefined
        ? { name: 'postgres', ok: true }
        : { name: 'postgres', ok: false, detail: pgError },
    ];
  };
  opts.server.setDependencies(health);
  new Gauge({
    name: 'rampart_dependency_up',
    help: '1 while a shared dependency (redis, postgres) answers; 0 while the instance runs on what it last knew.',
    labelNames: ['dependency'] as const,
    registers: [opts.server.metrics.registry],
    collect() {
      for (const h of health()) this.set({ dependency: h.name }, h.ok ? 1 : 0);
    },
  });
  return {
    runtime,
    store,
    follower,
    exceptions,
    guard,
    health,
    async stop() {
      opts.server.setDependencies(undefined);
      follower.stop();
      exceptions.stop();
      notices.close();
      exceptionNotices.close();
      await guard.stop();
      await store.close();
      await exceptionsStore.close();
    },
  };
}
