/**
 * The spike guard of a decision server. Every decision is counted into per-route windows (and
 * per-rule windows for rules a trigger watches); once a second the policy's triggers are judged on
 * them. A trigger that fires claims a narrowing in the shared store (so every instance narrows at
 * once), and the instance whose claim won posts the escalation webhook. A narrowing stays until an
 * operator clears it; after a clear the same trigger and route stay quiet for one window, so the
 * spike that was just handled does not fire again from the counts still in the window.
 */
import type { CompiledPolicy } from '../../engine/index.js';
import type { SpikeTriggerSpec } from '../../policy/policy-document.js';
import type { Decision, DecisionRequest, Point } from '../../policy/types.js';
import type { ServerDecision } from '../decider.js';
import { type ActiveNarrowing, applyNarrowings, narrowingKey } from './narrowing.js';
import type { NarrowingStore } from './narrowing-store.js';
import { type SignalWindow, WINDOW_SECONDS, WindowMap } from './signal-window.js';
import { evaluateTrigger } from './triggers.js';

/** What the escalation webhook receives. */
export interface SpikeNotice {
  type: 'rampart.spike' | 'rampart.rollout-rollback';
  at: string;
  instance: string;
  [key: string]: unknown;
}

/** Options of {@link SpikeGuard}. */
export interface SpikeGuardOptions {
  store: NarrowingStore;
  /** This instance's name (on narrowings and notices). */
  instance: string;
  /** Sends a notice to the escalation webhook (see `postWebhook`); absent: no notification. */
  notify?: (notice: SpikeNotice) => Promise<void>;
  /** Clock (ms); tests drive it. */
  now?: () => number;
  /** Distinct routes tracked before the rest share `other` (default 200). */
  maxRoutes?: number;
  /** Told about each narrowing this instance fired (for logs and metrics). */
  onFire?: (n: ActiveNarrowing) => void;
}

/** Route key of requests without a route. */
const NO_ROUTE = '-';

/** See the file comment. */
export class SpikeGuard {
  private triggers: readonly SpikeTriggerSpec[] = [];
  private policyDigest = '';
  private highRank = Number.POSITIVE_INFINITY;
  private riskClasses: readonly string[] = [];
  private readonly routes: WindowMap;
  /** rule id → route windows, only for rules a trigger watches. */
  private ruleWindows = new Map<string, WindowMap>();
  private readonly quietUntil = new Map<string, number>();
  private readonly now: () => number;
  private ticking = false;
  /** Triggers fired by this instance since start. */
  fired = 0;
  /** Webhook deliveries that failed. */
  notifyFailures = 0;

  constructor(private readonly options: SpikeGuardOptions) {
    this.now = options.now ?? Date.now;
    this.routes = new WindowMap(options.maxRoutes ?? 200);
    const previous = options.store.onCleared;
    options.store.onCleared = (keys) => {
      const until = this.now() + WINDOW_SECONDS * 1000;
      for (const k of keys) this.quietUntil.set(k, until);
      previous?.(keys);
    };
  }

  /** The store narrowings live in. */
  get store(): NarrowingStore {
    return this.options.store;
  }

  /** Takes the triggers of the policy in force (none for the safe baseline). */
  setPolicy(policy: CompiledPolicy | undefined): void {
    const triggers = policy?.source?.document.spikeGuard ?? [];
    this.triggers = triggers;
    this.policyDigest = policy?.digest ?? '';
    this.riskClasses = policy?.riskClasses ?? [];
    // "High risk" is the top two classes, the same default a trigger's `minRisk` has.
    this.highRank = this.riskClasses.length >= 2 ? this.riskClasses.length - 2 : Number.POSITIVE_INFINITY;
    const watched = new Set(triggers.flatMap((t) => (t.rule === undefined ? [] : [t.rule])));
    const next = new Map<string, WindowMap>();
    for (const rule of watched)
      next.set(rule, this.ruleWindows.get(rule) ?? new WindowMap(this.options.maxRoutes ?? 200));
    this.ruleWindows = next;
  }

  /** Tightens a decision by the narrowings on its route (the hot-path read: one map lookup). */
  narrow(
    point: Point,
    req: DecisionRequest,
    decision: Decision,
    policy: CompiledPolicy | undefined,
  ): Decision {
    const list = this.options.store.forRoute(req.context?.route ?? NO_ROUTE);
    return list === undefined ? decision : applyNarrowings(list, policy, point, req, decision);
  }

  /** Counts one decision into its windows; nothing at all when the policy declares no triggers. */
  observe(point: Point, req: DecisionRequest, d: ServerDecision, latencyUs: number): void {
    if (this.triggers.length === 0) return;
    const route = req.context?.route ?? NO_ROUTE;
    const now = this.now();
    const blocked = d.effect === 'deny';
    const high = d.risk !== null && this.riskClasses.indexOf(d.risk) >= this.highRank;
    const tool = point === 'tool';
    const error = d.errors.length > 0 || d.failure !== undefined;
    this.routes.of(route).record(now, blocked, high, tool, error, latencyUs);
    if (this.ruleWindows.size === 0) return;
    for (let i = 0; i < d.rules.length; i++) {
      const w = this.ruleWindows.get(d.rules[i] as string);
      if (w !== undefined) w.of(route).record(now, blocked, high, tool, error, latencyUs);
    }
  }

  /** Judges every trigger once; returns the narrowings this call fired. */
  async tick(): Promise<ActiveNarrowing[]> {
    if (this.ticking) return [];
    this.ticking = true;
    try {
      const out: ActiveNarrowing[] = [];
      const now = this.now();
      for (const t of this.triggers) {
        const windows = t.rule === undefined ? this.routes : this.ruleWindows.get(t.rule);
        if (windows === undefined) continue;
        for (const [route, w] of windows.windows) {
          if (t.routes !== undefined && !t.routes.includes(route)) continue;
          const n = await this.judge(t, route, w, now);
          if (n) out.push(n);
        }
      }
      return out;
    } finally {
      this.ticking = false;
    }
  }

  private async judge(
    t: SpikeTriggerSpec,
    route: string,
    w: SignalWindow,
    now: number,
  ): Promise<ActiveNarrowing | undefined> {
    const key = narrowingKey(t.id, route);
    if (this.options.store.has(t.id, route)) return undefined;
    const quiet = this.quietUntil.get(key);
    if (quiet !== undefined) {
      if (now < quiet) return undefined;
      this.quietUntil.delete(key);
    }
    const evidence = evaluateTrigger(t, w.current(now), w.baseline(now));
    if (!evidence) return undefined;
    const n: ActiveNarrowing = {
      trigger: t.id,
      route,
      mode: t.narrow,
      minRisk: t.minRisk ?? this.riskClasses[this.highRank] ?? 'high',
      approver: t.approver,
      evidence,
      at: new Date(now).toISOString(),
      instance: this.options.instance,
      policy: this.policyDigest,
    };
    if (t.rule !== undefined) n.rule = t.rule;
    if (!(await this.options.store.claim(n))) return undefined;
    this.fired++;
    this.options.onFire?.(n);
    if (this.options.notify) {
      const { at, instance, ...rest } = n;
      this.options
        .notify({ type: 'rampart.spike', at, instance, ...rest })
        .catch(() => void this.notifyFailures++);
    }
    return n;
  }
}
