/**
 * Spike-guard trigger evaluation: pure functions over window statistics. A trigger compares the
 * five-minute value of its signal with the previous hour's (`factor`) and/or with a fixed bound
 * (`threshold`); every bound given must be exceeded, and the window must hold `minDecisions`
 * (the baseline too when `factor` is used) so a handful of decisions cannot page anybody.
 */
import type { SpikeSignal, SpikeTriggerSpec } from '../../policy/policy-document.js';
import type { WindowStats } from './signal-window.js';

/** The value of a signal over a span: rates in 0–1, tool calls per second, p99 in ms. */
export function signalValue(signal: SpikeSignal, s: WindowStats): number {
  switch (signal) {
    case 'blocked_rate':
      return s.decisions === 0 ? 0 : s.blocked / s.decisions;
    case 'high_risk_ratio':
      return s.decisions === 0 ? 0 : s.highRisk / s.decisions;
    case 'tool_call_rate':
      return s.toolCalls / s.seconds;
    case 'latency_p99':
      return s.p99Ms;
  }
}

/** Why a trigger fired: the figures that crossed its bounds. */
export interface SpikeEvidence {
  signal: SpikeSignal;
  /** The five-minute value. */
  value: number;
  /** The previous hour's value. */
  baseline: number;
  decisions: number;
  baselineDecisions: number;
  factor?: number;
  threshold?: number;
}

/** Evaluates one trigger on one key's windows; the evidence when it fires, else undefined. */
export function evaluateTrigger(
  trigger: Pick<SpikeTriggerSpec, 'signal' | 'factor' | 'threshold' | 'minDecisions'>,
  current: WindowStats,
  baseline: WindowStats,
): SpikeEvidence | undefined {
  if (current.decisions < trigger.minDecisions) return undefined;
  if (trigger.factor === undefined && trigger.threshold === undefined) return undefined;
  const value = signalValue(trigger.signal, current);
  const base = signalValue(trigger.signal, baseline);
  if (trigger.threshold !== undefined && !(value > trigger.threshold)) return undefined;
  if (trigger.factor !== undefined) {
    // Without a settled previous hour there is nothing to be a multiple of.
    if (baseline.decisions < trigger.minDecisions) return undefined;
    if (!(value > trigger.factor * base)) return undefined;
  }
  const evidence: SpikeEvidence = {
    signal: trigger.signal,
    value: round(value),
    baseline: round(base),
    decisions: current.decisions,
    baselineDecisions: baseline.decisions,
  };
  if (trigger.factor !== undefined) evidence.factor = trigger.factor;
  if (trigger.threshold !== undefined) evidence.threshold = trigger.threshold;
  return evidence;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The stats of the rollout and stable cohorts, and the limits they are held to. */
export interface RolloutComparison {
  stable: WindowStats;
  rollout: WindowStats;
  limits: {
    minDecisions: number;
    maxBlockedRateIncrease?: number;
    maxErrorRateIncrease?: number;
    maxLatencyP99Ratio?: number;
  };
}

/** A breached rollout limit, with the figures of both cohorts. */
export interface RolloutBreach {
  limit: 'maxBlockedRateIncrease' | 'maxErrorRateIncrease' | 'maxLatencyP99Ratio';
  allowed: number;
  observed: number;
  rollout: { decisions: number; blockedRate: number; errorRate: number; p99Ms: number };
  stable: { decisions: number; blockedRate: number; errorRate: number; p99Ms: number };
}

const summary = (s: WindowStats) => ({
  decisions: s.decisions,
  blockedRate: round(s.decisions === 0 ? 0 : s.blocked / s.decisions),
  errorRate: round(s.decisions === 0 ? 0 : s.errors / s.decisions),
  p99Ms: round(s.p99Ms),
});

/**
 * Judges a cohort rollout against the stable cohort; the first breached limit, or undefined. Each
 * cohort needs `minDecisions` before anything is judged.
 */
export function evaluateRollout(c: RolloutComparison): RolloutBreach | undefined {
  const { stable, rollout, limits } = c;
  if (stable.decisions < limits.minDecisions || rollout.decisions < limits.minDecisions) return undefined;
  const r = summary(rollout);
  const s = summary(stable);
  const breach = (limit: RolloutBreach['limit'], allowed: number, observed: number): RolloutBreach => ({
    limit,
    allowed,
    observed: round(observed),
    rollout: r,
    stable: s,
  });
  if (
    limits.maxBlockedRateIncrease !== undefined &&
    r.blockedRate - s.blockedRate > limits.maxBlockedRateIncrease
  )
    return breach('maxBlockedRateIncrease', limits.maxBlockedRateIncrease, r.blockedRate - s.blockedRate);
  if (limits.maxErrorRateIncrease !== undefined && r.errorRate - s.errorRate > limits.maxErrorRateIncrease)
    return breach('maxErrorRateIncrease', limits.maxErrorRateIncrease, r.errorRate - s.errorRate);
  if (limits.maxLatencyP99Ratio !== undefined && s.p99Ms > 0 && r.p99Ms / s.p99Ms > limits.maxLatencyP99Ratio)
    return breach('maxLatencyP99Ratio', limits.maxLatencyP99Ratio, r.p99Ms / s.p99Ms);
  return undefined;
}
