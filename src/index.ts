/**
 * Rampart's main entry: load and compile a policy, decide requests at the five enforcement points.
 * The rings have their own subpath entries (`rampart/policy`, `rampart/engine`, `rampart/detect`,
 * `rampart/guard`, `rampart/evidence`).
 */

/** Reads a policy directory from disk and compiles it with RE2 and the built-in detectors. */
export { compileWithDefaults, type LoadPolicyOptions, loadPolicy, re2Engine } from './bundle/load-policy.js';
/** Reads a policy directory (following `extends:`) without compiling it. */
export { type ReadPolicyOptions, readPolicyDir } from './bundle/policy-dir.js';
/** ONNX text classifiers from a local model file (optional onnxruntime-node) with a WordPiece tokenizer. */
export {
  createOnnxClassifier,
  createWordPieceTokenizer,
  type OnnxClassifierOptions,
  readVocabFile,
  type WordPieceOptions,
} from './classifiers/index.js';
export {
  BUILTIN_RULES,
  type CompiledPolicy,
  type CompiledRule,
  type CompileOptions,
  compilePolicy,
  type DecideOptions,
  decide,
  type ExplainEntry,
  type ExplainedDecision,
  type RegexEngine,
  type ToolInfo,
} from './engine/index.js';
export { formatPolicy } from './policy/format-policy.js';
export {
  type Decision,
  type DecisionError,
  type DecisionRequest,
  type Detector,
  type DetectorConfig,
  type DetectorRegistry,
  type Effect,
  type ExceptionGrant,
  type Finding,
  formatDiagnostic,
  isPolicyError,
  type Obligation,
  type ObligationType,
  type Outcome,
  outcomeOf,
  POINTS,
  type Point,
  type PolicyDiagnostic,
  PolicyLoadError,
  type PolicySource,
  parsePolicyFiles,
  type SourceFile,
} from './policy/index.js';
