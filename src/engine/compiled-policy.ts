/**
 * The compiled form of a policy: rules with their CEL planned once and indexed by point and by the
 * discriminators they test. Built by `compilePolicy`, read by `decide`; immutable after compile.
 */
import type { Detector, DetectorConfig } from '../policy/detector-contract.js';
import type { PolicyDiagnostic } from '../policy/errors.js';
import type { MessageDefaults, PolicySource } from '../policy/policy-document.js';
import type { Effect, Obligation, Point, PolicyRef } from '../policy/types.js';
import type { SourceLocation } from '../policy/yaml-source.js';
import type { RuleGuards } from './rule-index.js';
import type { ParamsValidator } from './tool-params.js';

/** A CEL program bound to the evaluation environment. */
export type CelProgram = (activation: Record<string, unknown>) => unknown;

/** A rule ready to evaluate. */
export interface CompiledRule {
  readonly id: string;
  readonly index: number;
  readonly point: Point;
  readonly effect: Effect;
  readonly risk?: string;
  readonly riskRank: number;
  readonly obligations: readonly Obligation[];
  readonly reason?: string;
  readonly message?: string;
  readonly controls: readonly string[];
  readonly owner?: string;
  readonly evidence: readonly string[];
  readonly when?: string;
  readonly loc: SourceLocation;
  readonly layer: 'baseline' | 'overlay';
  /** Discriminators checked before any CEL runs. */
  readonly guards: RuleGuards;
  /** The whole condition (undefined: always true). */
  readonly condition?: CelProgram;
  /** The condition minus the conjuncts the guards already decide (undefined: guards suffice). */
  readonly residual?: CelProgram;
  /** Detectors whose findings the condition reads. */
  readonly detectors: readonly string[];
}

/** A declared tool. */
export interface ToolInfo {
  readonly name: string;
  readonly description?: string;
  readonly risk: string;
  readonly scopes: readonly string[];
  readonly params?: Readonly<Record<string, unknown>>;
}

/** A guardrail prompt fragment. */
export interface GuardrailInfo {
  readonly id: string;
  readonly routes?: readonly string[];
  readonly points?: readonly Point[];
  readonly text: string;
}

/** Per point: rules in policy order, and candidate lists per tool name. */
export interface PointIndex {
  readonly all: readonly CompiledRule[];
  /** Candidates for a known tool name (its own rules merged with tool-agnostic ones, in policy order). */
  readonly byTool: ReadonlyMap<string, readonly CompiledRule[]>;
  /** Rules that apply whatever the tool. */
  readonly anyTool: readonly CompiledRule[];
}

/** A policy compiled for decisions. */
export interface CompiledPolicy {
  readonly name: string;
  readonly version: string;
  readonly digest: string;
  readonly owner?: string;
  readonly riskClasses: readonly string[];
  readonly defaults: Readonly<Record<Point, 'allow' | 'deny'>>;
  readonly onError: 'deny' | 'conservative';
  readonly messages: MessageDefaults;
  readonly tools: Readonly<Record<string, ToolInfo>>;
  readonly detectors: Readonly<Record<string, DetectorConfig>>;
  readonly guardrails: readonly GuardrailInfo[];
  readonly rules: readonly CompiledRule[];
  readonly source: PolicySource;
  /** Non-fatal diagnostics (e.g. unused deviations). */
  readonly warnings: readonly PolicyDiagnostic[];
  /** @internal engine data */
  readonly internal: {
    readonly points: Readonly<Record<Point, PointIndex>>;
    readonly params: ReadonlyMap<string, ParamsValidator>;
    readonly detectorInstances: ReadonlyMap<string, Detector | undefined>;
    readonly usesNow: boolean;
    /** Shared, frozen: every decision points at the same policy reference. */
    readonly policyRef: Readonly<PolicyRef>;
  };
}
