/**
 * What `rampart serve` adds beside the decision server from its settings: admin settings (the
 * bundle upload limit), the spike guard (always; narrowings shared through Redis when it is
 * configured), the escalation webhook (serve config, or governance `escalation.webhook`), and with
 * `activation: postgres` the cluster node (activation state in PostgreSQL, rollout watchdog).
 */
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { ActivationStore } from '../../bundle/activation-store.js';
import type { Governance } from '../../bundle/governance.js';
import type { PolicyRuntime } from '../../bundle/policy-runtime.js';
import type { ServeConfig } from '../config.js';
import type { DecisionServer } from '../server.js';
import { type AttachedSpikeGuard, attachSpikeGuard } from '../spike/attach.js';
import { MemoryNarrowings, type NarrowingStore, RedisNarrowings } from '../spike/narrowing-store.js';
import { webhookNotifier } from '../spike/webhook.js';
import { type ClusterNode, joinCluster, redisHealth } from './cluster-node.js';
import { sharedRedisClient } from './startup-kill-switches.js';

/** Started extensions: lines for the banner and how to stop them. */
export interface StartedExtensions {
  banner: string[];
  cluster?: ClusterNode;
  guard: AttachedSpikeGuard;
  stop(): Promise<void>;
}

/** Starts the spike guard (and the cluster node with `activation: postgres`). */
export async function startExtensions(
  server: DecisionServer,
  config: ServeConfig,
  governance: Governance | undefined,
  /** With `--state`: the runtime and directory a breaching rollout is withdrawn from. */
  stateDir?: { runtime: PolicyRuntime; store: ActivationStore },
): Promise<StartedExtensions> {
  // Admin settings from the serve config, applied before the server listens.
  if (config.limits.maxBundleBytes !== undefined)
    server.admin.configure({ maxBundleBytes: config.limits.maxBundleBytes });
  const instance = config.instance ?? `${hostname()}:${process.pid}`;
  const prefix = config.redisPrefix ?? 'rampart:';
  const webhook = config.escalationWebhook ?? governance?.escalation.webhook;
  const notify = webhook ? webhookNotifier({ url: webhook }) : undefined;
  const redis = config.redisUrl ? sharedRedisClient(config.redisUrl) : undefined;
  const escalation = `  spike     guard on; escalation ${webhook ? `POST ${new URL(webhook).origin}/…` : 'webhook not configured (escalation.webhook in governance or escalationWebhook)'}`;
  if (config.activation === 'postgres') {
    const cluster = await joinCluster({
      server,
      governance: governance as Governance,
      database: {
        connection: config.evidence.url as string,
        ...(config.evidence.schema ? { schema: config.evidence.schema } : {}),
      },
      redis: redis as Redis,
      prefix,
      instance,
      ...(notify ? { notify } : {}),
    }).catch(async (e: unknown) => {
      // The start fails here: release what would keep the process alive (Redis clients, the
      // server's kill-switch store and evidence sink), so `rampart serve` exits with the error.
      redis?.disconnect();
      await server.close().catch(() => undefined);
      throw e;
    });
    return {
      banner: [
        `  cluster   instance ${instance}: activation state and exception grants in PostgreSQL, notices and narrowings through Redis (${prefix}*)`,
        escalation,
      ],
      cluster,
      guard: cluster.guard,
      async stop() {
        await cluster.stop();
        redis?.disconnect();
      },
    };
  }
  const narrowings = redis ? await RedisNarrowings.open(redis, { prefix }) : undefined;
  const store: NarrowingStore = narrowings ?? new MemoryNarrowings();
  if (redis && narrowings)
    // Shared kill switches and narrowings: say in /readyz while Redis is away (cluster nodes do the same).
    server.setDependencies(() => [redisHealth(redis, narrowings, server.killSwitches)]);
  const guard = attachSpikeGuard(server, {
    store,
    instance,
    ...(notify ? { notify } : {}),
    ...(stateDir
      ? {
          candidate: () => stateDir.runtime.candidate(),
          rollback: async (r) => {
            await stateDir.runtime.clearCandidate({
              source: 'watchdog',
              actor: 'rampart-watchdog',
              reason: r.reason,
            });
            // The directory too, so a restart (or another process on it) does not stage it again.
            await stateDir.store.withdraw({ actor: 'rampart-watchdog', reason: r.reason });
          },
        }
      : {}),
  });
  return {
    banner: [escalation],
    guard,
    async stop() {
      if (redis) server.setDependencies(undefined);
      await guard.stop();
      redis?.disconnect();
    },
  };
}
