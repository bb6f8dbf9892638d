/**
 * The rollout watchdog: while a cohort rollout is staged, decisions are counted per cohort (the
 * rollout cohort and the stable one) over the same five-minute windows the spike guard uses; once a
 * second the rollout cohort is judged against the stable one by the limits the candidate bundle's
 * policy declares (`rollout:`). A breach rolls the candidate back (withdraws it) and records why,
 * with the figures of both cohorts.
 */
import type { ActivePolicy, CandidateStage } from '../../bundle/policy-runtime.js';
import type { RolloutLimitsSpec } from '../../policy/policy-document.js';
import type { ServerDecision } from '../decider.js';
import { SignalWindow } from './signal-window.js';
import type { SpikeNotice } from './spike-guard.js';
import { evaluateRollout, type RolloutBreach } from './triggers.js';

/** The staged candidate, as the runtime exposes it. */
export interface StagedCandidate {
  policy: ActivePolicy;
  stage: CandidateStage;
}

/** A rollback the watchdog decided on. */
export interface WatchdogRollback {
  candidate: { name: string; version: string; digest: string };
  breach: RolloutBreach;
  at: string;
  instance: string;
  /** One line for the activation history's `reason`. */
  reason: string;
}

/** Options of {@link RolloutWatchdog}. */
export interface RolloutWatchdogOptions {
  /** The staged candidate now (e.g. `runtime.candidate()`). */
  candidate(): StagedCandidate | undefined;
  /** Carries out the rollback (withdraw the candidate where it is staged) and records it. */
  rollback(r: WatchdogRollback): Promise<void>;
  instance: string;
  notify?: (notice: SpikeNotice) => Promise<void>;
  now?: () => number;
}

/** The limits a candidate declares, if it declares any. */
export function rolloutLimits(candidate: StagedCandidate | undefined): RolloutLimitsSpec | undefined {
  if (candidate?.stage.mode !== 'rollout') return undefined;
  return candidate.policy.compiled.source?.document.rollout;
}

/** See the file comment. */
export class RolloutWatchdog {
  private digest: string | undefined;
  private stable = new SignalWindow();
  private rollout = new SignalWindow();
  private readonly now: () => number;
  private busy = false;
  /** Rollbacks this instance carried out. */
  rollbacks: WatchdogRollback[] = [];

  constructor(private readonly options: RolloutWatchdogOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Counts one staged decision into its cohort's window (`cohort` undefined: nothing staged). */
  observe(cohort: string | undefined, d: ServerDecision, latencyUs: number): void {
    if (cohort === undefined || this.digest === undefined) return;
    const w = cohort === 'stable' ? this.stable : this.rollout;
    const error = d.errors.length > 0 || d.failure !== undefined;
    w.record(this.now(), d.effect === 'deny', false, false, error, latencyUs);
  }

  /** Follows the staged candidate (fresh windows for each new one) and judges it; the rollback, if one happened. */
  async tick(): Promise<WatchdogRollback | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    try {
      const candidate = this.options.candidate();
      const limits = rolloutLimits(candidate);
      const digest = limits && candidate ? candidate.policy.digest : undefined;
      if (digest !== this.digest) {
        this.digest = digest;
        this.stable = new SignalWindow();
        this.rollout = new SignalWindow();
      }
      if (!limits || !candidate) return undefined;
      const now = this.now();
      const breach = evaluateRollout({
        stable: this.stable.current(now),
        rollout: this.rollout.current(now),
        limits,
      });
      if (!breach) return undefined;
      const p = candidate.policy;
      const r: WatchdogRollback = {
        candidate: { name: p.name, version: p.version, digest: p.digest },
        breach,
        at: new Date(now).toISOString(),
        instance: this.options.instance,
        reason: `rollout watchdog: ${breach.limit} ${breach.allowed} exceeded (${breach.observed}); rollout ${JSON.stringify(breach.rollout)} vs stable ${JSON.stringify(breach.stable)}`,
      };
      await this.options.rollback(r);
      this.rollbacks.push(r);
      this.digest = undefined;
      if (this.options.notify) {
        const { at, instance, ...rest } = r;
        this.options
          .notify({ type: 'rampart.rollout-rollback', at, instance, ...rest })
          .catch(() => undefined);
      }
      return r;
    } finally {
      this.busy = false;
    }
  }
}
