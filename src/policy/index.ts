/** The policy language: load YAML policy files into a checked source, format them, read the schema. */
export type { Detector, DetectorConfig, DetectorFactory, DetectorRegistry } from './detector-contract.js';
export {
  didYouMean,
  formatDiagnostic,
  isPolicyError,
  type PolicyDiagnostic,
  PolicyLoadError,
} from './errors.js';
export { formatPolicy } from './format-policy.js';
export { POLICY_LIMITS } from './limits.js';
export { type ParseOptions, parsePolicyFiles } from './parse-policy-files.js';
export type { PolicyDocument, PolicySource, RuleSpec, ToolSpec } from './policy-document.js';
export { KEY_ORDER, POLICY_FILE_SCHEMA } from './policy-schema.js';
export {
  type Decision,
  type DecisionError,
  type DecisionRequest,
  type Effect,
  type ExceptionGrant,
  type ExceptionScope,
  type Finding,
  OBLIGATION_TYPES,
  type Obligation,
  type ObligationType,
  type Outcome,
  outcomeOf,
  POINTS,
  type Point,
  type PolicyRef,
  type Principal,
} from './types.js';
export type { SourceFile, SourceLocation } from './yaml-source.js';
