/**
 * Wires the spike guard and the rollout watchdog into a decision server: decider hooks (narrow before
 * the record, observe after it), a one-second tick that follows the active policy's triggers and
 * judges them, and their metrics on the server's registry.
 */
import { Counter, Gauge } from 'prom-client';
import type { DecisionServer } from '../server.js';
import { addSpikeRoutes } from './admin-routes.js';
import type { NarrowingStore } from './narrowing-store.js';
import { RolloutWatchdog, type StagedCandidate, type WatchdogRollback } from './rollout-watchdog.js';
import { SpikeGuard, type SpikeNotice } from './spike-guard.js';

/** Options of {@link attachSpikeGuard}. */
export interface AttachSpikeGuardOptions {
  store: NarrowingStore;
  instance: string;
  notify?: (notice: SpikeNotice) => Promise<void>;
  /** The staged candidate (e.g. `runtime.candidate()`); without it there is no rollout watchdog. */
  candidate?: () => StagedCandidate | undefined;
  /** Withdraws the candidate where it is staged and records why (required with `candidate`). */
  rollback?: (r: WatchdogRollback) => Promise<void>;
  /** Tick interval, ms (default 1000). */
  tickMs?: number;
  now?: () => number;
}

/** A running spike guard (and watchdog). */
export interface AttachedSpikeGuard {
  spike: SpikeGuard;
  watchdog: RolloutWatchdog | undefined;
  /** One tick now (tests): follow the policy, judge triggers and the rollout. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** See the file comment. */
export function attachSpikeGuard(server: DecisionServer, opts: AttachSpikeGuardOptions): AttachedSpikeGuard {
  const spike = new SpikeGuard({
    store: opts.store,
    instance: opts.instance,
    ...(opts.notify ? { notify: opts.notify } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const watchdog =
    opts.candidate && opts.rollback
      ? new RolloutWatchdog({
          candidate: opts.candidate,
          rollback: opts.rollback,
          instance: opts.instance,
          ...(opts.notify ? { notify: opts.notify } : {}),
          ...(opts.now ? { now: opts.now } : {}),
        })
      : undefined;
  addSpikeRoutes(server, opts.store);
  let policy = server.decider.active();
  spike.setPolicy(policy);
  server.decider.setHooks({
    narrow: (point, req, decision, p) => spike.narrow(point, req, decision, p),
    observe: (point, req, decision, latencyUs, cohort) => {
      spike.observe(point, req, decision, latencyUs);
      watchdog?.observe(cohort, decision, latencyUs);
    },
  });

  const registry = server.metrics.registry;
  new Gauge({
    name: 'rampart_spike_narrowings_active',
    help: 'Spike-guard narrowings in force (shared across instances when Redis is configured).',
    registers: [registry],
    collect() {
      this.set(opts.store.list().length);
    },
  });
  const fired = new Counter({
    name: 'rampart_spike_triggers_fired_total',
    help: 'Spike-guard triggers this instance fired.',
    labelNames: ['trigger'] as const,
    registers: [registry],
  });
  const rollbacks = new Counter({
    name: 'rampart_rollout_rollbacks_total',
    help: 'Cohort rollouts this instance rolled back for breaching their declared limits.',
    registers: [registry],
  });

  const tick = async () => {
    // The policy may have been swapped (hot reload, activation on another instance) since the last tick.
    const now = server.decider.active();
    if (now !== policy) {
      policy = now;
      spike.setPolicy(now);
    }
    for (const n of await spike.tick()) fired.inc({ trigger: n.trigger });
    if (watchdog && (await watchdog.tick())) rollbacks.inc();
  };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tick()
      .catch(() => undefined)
      .finally(() => {
        running = false;
      });
  }, opts.tickMs ?? 1000);
  timer.unref();
  return {
    spike,
    watchdog,
    tick,
    async stop() {
      clearInterval(timer);
      server.decider.setHooks(undefined);
      await opts.store.close();
    },
  };
}
