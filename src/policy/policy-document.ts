/**
 * The checked, merged form of a policy: what the compiler consumes. Every item keeps the location
 * it came from so compile-time and run-time diagnostics can point back at source.
 */
import type { DetectorConfig } from './detector-contract.js';
import type { PolicyDiagnostic } from './errors.js';
import type { Effect, Point } from './types.js';
import type { SourceFile, SourceLocation, YamlSource } from './yaml-source.js';

/** Default risk classes when a policy declares none, lowest first. */
export const DEFAULT_RISK_CLASSES = ['low', 'medium', 'high', 'critical'] as const;

/** An obligation as written in policy: its type and parameters. */
export interface ObligationSpec {
  type: string;
  params: Record<string, unknown>;
}

/** One rule as written, with where it came from. */
export interface RuleSpec {
  id: string;
  description?: string;
  point: Point;
  /** CEL condition; absent means the rule always applies at its point. */
  when?: string;
  effect: Effect;
  risk?: string;
  obligations: ObligationSpec[];
  reason?: string;
  message?: string;
  controls: string[];
  owner?: string;
  evidence: string[];
  loc: SourceLocation;
  /** Maps an offset inside `when` to a source location. */
  locateWhen(offset: number): SourceLocation;
  /** Locates one of the rule's own keys (e.g. `risk`). */
  locateKey(key: string): SourceLocation;
  /** Which layer defined it. */
  layer: 'baseline' | 'overlay';
}

/** A tool the policy knows, with its parameter schema. */
export interface ToolSpec {
  name: string;
  description?: string;
  risk: string;
  scopes: string[];
  params?: Record<string, unknown>;
  loc: SourceLocation;
  locateKey(key: string): SourceLocation;
}

/** A named detector's configuration. */
export interface DetectorSpec {
  name: string;
  config: DetectorConfig;
  loc: SourceLocation;
}

/** A guardrail prompt fragment. */
export interface GuardrailSpec {
  id: string;
  routes?: string[];
  points?: Point[];
  text: string;
  loc: SourceLocation;
}

/** A recorded risk acceptance that permits an overlay to loosen a baseline item. */
export interface DeviationSpec {
  rule: string;
  owner: string;
  reason: string;
  expires: string;
  loc: SourceLocation;
}

/** Signals the spike guard watches over sliding five-minute windows. */
export const SPIKE_SIGNALS = ['blocked_rate', 'high_risk_ratio', 'tool_call_rate', 'latency_p99'] as const;
/** One signal. */
export type SpikeSignal = (typeof SPIKE_SIGNALS)[number];
/** How a fired trigger narrows what is allowed on its route. */
export const SPIKE_NARROWINGS = ['require_approval', 'deny_high_risk', 'disable_route'] as const;
/** One narrowing mode. */
export type SpikeNarrowing = (typeof SPIKE_NARROWINGS)[number];

/** A spike-guard trigger: a signal on a route (or on one rule's matches there) and what to narrow when it spikes. */
export interface SpikeTriggerSpec {
  id: string;
  signal: SpikeSignal;
  /** Routes watched, each separately; absent means every route. */
  routes?: string[];
  /** Count only decisions where this rule matched. */
  rule?: string;
  /** Fires when the five-minute value exceeds this multiple of the previous hour's value. */
  factor?: number;
  /** Fires when the five-minute value exceeds this (rates 0–1, tool calls per second, p99 in ms). */
  threshold?: number;
  /** Decisions the window (and, with `factor`, the previous hour) must hold before the trigger can fire. */
  minDecisions: number;
  narrow: SpikeNarrowing;
  /** Lowest risk class the narrowing applies to (default the second-highest declared class). */
  minRisk?: string;
  /** Approver role of the `require_approval` obligation the narrowing adds. */
  approver: string;
  loc: SourceLocation;
}

/** Limits a cohort rollout of this policy must stay within against the stable cohort, or be rolled back. */
export interface RolloutLimitsSpec {
  /** Decisions each cohort needs before the limits are judged. */
  minDecisions: number;
  /** Largest allowed increase of the blocked rate (0–1, absolute). */
  maxBlockedRateIncrease?: number;
  /** Largest allowed increase of the error rate (decisions with evaluation errors or failures, 0–1). */
  maxErrorRateIncrease?: number;
  /** Largest allowed ratio of the rollout cohort's p99 decision latency to the stable cohort's. */
  maxLatencyP99Ratio?: number;
  loc: SourceLocation;
}

/** Default user-visible messages: global and per point. */
export interface MessageDefaults {
  deny?: string;
  allow_with_conditions?: string;
  points: Partial<Record<Point, { deny?: string; allow_with_conditions?: string }>>;
}

/** The merged policy document of one directory (one layer). */
export interface PolicyDocument {
  name: string;
  owner?: string;
  version: string;
  description?: string;
  extends?: string;
  riskClasses: string[];
  defaults: Record<Point, 'allow' | 'deny'>;
  onError: 'deny' | 'conservative';
  messages: MessageDefaults;
  detectors: Map<string, DetectorSpec>;
  tools: Map<string, ToolSpec>;
  rules: RuleSpec[];
  guardrails: GuardrailSpec[];
  deviations: DeviationSpec[];
  /** Spike-guard triggers (empty when the policy declares none). */
  spikeGuard: SpikeTriggerSpec[];
  /** Rollout limits, when declared. */
  rollout?: RolloutLimitsSpec;
  /** Where each explicitly set default (`defaults.<point>`, `defaults.onError`) is written. */
  defaultLocs: Map<string, SourceLocation>;
  /** Which top-level keys this layer set explicitly (for overlay composition). */
  declared: Set<string>;
  loc: SourceLocation;
}

/** A loaded policy: the effective document, its source files, and its baseline when it is an overlay. */
export interface PolicySource {
  document: PolicyDocument;
  files: SourceFile[];
  baseline?: PolicySource;
  /** Content digest (`sha256:…`) computed by the outer ring that read the files, if any. */
  digest?: string;
  /** Problems found while parsing that the compiler reports with its own (errors fail compilation). */
  diagnostics?: PolicyDiagnostic[];
}

/** The parsed files of one layer, kept for tools (fmt, explain) that need raw YAML access. */
export interface ParsedFile {
  file: SourceFile;
  yaml: YamlSource;
}
