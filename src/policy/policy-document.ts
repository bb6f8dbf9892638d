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
