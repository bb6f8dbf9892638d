/** Detectors (PII, secrets, prompt injection, custom) and redaction, incl. streaming. Pure: no I/O. */

export type {
  Classifier,
  ClassifierResult,
  CombinedScan,
  CombineOptions,
  JudgeCallback,
  LlmJudgeOptions,
} from './classifier.js';
/** Pluggable classifiers combined with heuristic detectors. */
export { combineScores, createLlmJudgeClassifier, scanWithClassifier } from './classifier.js';
/** Types for the injected regex engine of `custom`. */
export type { CompiledRegex, CustomDetectorOptions, RegexCompiler } from './custom.js';
export { createCustomDetectorFactory } from './custom.js';
export type { DetectErrorCode } from './errors.js';
/** The detect ring's error and its type guard. */
export { DetectError, isDetectError } from './errors.js';
/** The finding type of `builtin/injection`. */
export { createInjectionDetector, INJECTION_TYPE } from './injection.js';
export type { RedactionSpan } from './overlap.js';
/** Deterministic overlap resolution used by redaction. */
export { resolveOverlaps } from './overlap.js';
/** Every `builtin/pii` entity type. */
/** Factories of the individual detectors. */
export { createPiiDetector, PII_ENTITIES } from './pii.js';
export type { RedactMode, RedactOptions, TokenVault } from './redact.js';
/** Redaction of findings in a text, token restore and an in-memory vault. */
export { createMemoryVault, REDACT_MODES, redact, restoreTokens } from './redact.js';
export type { StreamRedactOptions } from './redact-stream.js';
/** Streaming redaction with bounded lookbehind. */
export { redactStream } from './redact-stream.js';
/** The registry of built-in detectors (`custom` without a regex engine) and a builder that injects RE2. */
export { builtinDetectors, createDetectorRegistry } from './registry.js';
/** Every `builtin/secrets` type. */
export { createSecretsDetector, SECRET_TYPES } from './secrets.js';
/** Checksum validators (Luhn, card issuer ranges, IBAN mod-97, ABA routing, SSA rules). */
export { abaRoutingValid, cardIssuerValid, ibanValid, luhnValid, ssnValid } from './validators.js';
