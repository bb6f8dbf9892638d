/** The policy lifecycle: bundles, governance and signatures, activation and hot reload, shadow, rollout, exceptions, drift. */

/** Appends activation entries (who, when, why, digest) to a JSON history file. */
export { type ActivationAction, type ActivationEntry, ActivationHistory } from './activation-history.js';
/** A local activation state directory that `rampart activate`/`rollback` write and services watch. */
export {
  ActivationStore,
  type ActorMeta,
  CANDIDATE_FORMAT,
  type CandidateFile,
  type StoredBundle,
} from './activation-store.js';
/** Builds a bundle from a policy directory and compiles it (with incident checks) before writing. */
export { type BuildCheck, type BuildOptions, type BuildResult, buildBundle } from './build-bundle.js';
/** The bundle container: types, canonical serialisation, integrity checks and the content digest. */
export {
  BUNDLE_FORMAT,
  type Bundle,
  type BundleFile,
  type BundleManifest,
  type BundleSignature,
  computeBundleDigest,
  MAX_BUNDLE_BYTES,
  parseBundle,
  serializeBundle,
} from './bundle-format.js';
/** Loads and compiles the policy embedded in a bundle, stamped with its digest and version. */
export { bundlePolicySource, compileBundle } from './bundle-policy.js';
/** Canonical JSON (sorted keys; RFC 8785 for the values bundles hold). */
export { canonicalJson } from './canonical-json.js';
/** Reads a policy directory and the baselines it extends into bundle files. */
export { collectSourceFiles } from './collect-sources.js';
/** The control → rules mapping with recorded risk acceptances. */
export { type ControlEntry, type ControlsReport, controlsReport, formatControls } from './controls.js';
/** Assembles an unsigned bundle from in-memory files (pure). */
export { type CreateBundleInput, createBundle, isBundleVersion } from './create-bundle.js';
/** Overlay drift against a baseline: undocumented loosenings and deviation expiry. */
export { type DeviationStatus, formatDrift, type OverlayDrift, overlayDrift } from './drift.js';
/** Durations such as `7d`, `12h`. */
export { formatDuration, parseDuration } from './duration.js';
/** The bundle ring's error class, codes and type guard. */
export {
  type BundleDiagnostic,
  BundleError,
  type BundleErrorCode,
  formatBundleDiagnostic,
  isBundleError,
} from './errors.js';
/** Signed, scoped, time-boxed exception grants: create, load (verify + expiry), list. */
export {
  createExceptionGrant,
  EXCEPTIONS_FORMAT,
  expiringWithin,
  type GrantRequest,
  type LoadedExceptions,
  loadExceptions,
  parseScope,
  ruleRiskFromView,
  type SignedExceptionGrant,
  serializeExceptions,
} from './exceptions.js';
/** The exceptions file beside the bundle, verified, reloaded on change, expiry applied per call. */
export {
  type ExceptionsSource,
  type ExceptionsSourceOptions,
  watchExceptionsFile,
} from './exceptions-source.js';
/** A watched bundle file source for hot reload. */
export { type BundleSource, type FileSourceOptions, watchBundleFile } from './file-source.js';
/** governance.yaml: approvers, k of n, exception granters, revoked keys, escalation. */
export { type Approver, type ExceptionGranter, type Governance, parseGovernance } from './governance.js';
/** An HTTP(S) bundle source polled with ETag / If-None-Match. */
export { type HttpSourceOptions, pollBundleHttp } from './http-source.js';
/** ed25519 keys: generate, load, key ids. */
export { type GeneratedKey, generateSigningKey, keyIdOf, loadSigningKey, type SigningKey } from './keys.js';
/** Reads and compiles a policy directory with the default detectors and RE2 (lead's loader). */
export { compileWithDefaults, loadPolicy } from './load-policy.js';
/** What a change loosens in high-risk protection (raises the signature count). */
export { findLoosening } from './loosening.js';
/** Activation state in PostgreSQL for several server instances (same operations as ActivationStore). */
export {
  type ActivationState,
  type PgActivationEntry,
  PgActivationStore,
  type PgActivationStoreOptions,
} from './pg-activation-store.js';
/** The structural diff of two policies, as data and review text. */
export { diffPolicies, formatPolicyDiff, type PolicyDiff } from './policy-diff.js';
/** Reads a policy directory (and the baseline it extends) into a checked policy source. */
export { readPolicyDir } from './policy-dir.js';
/** The active policy of a process: verify-then-swap activation, last-known-good, safe baseline. */
export {
  type ActivePolicy,
  type CandidateStage,
  type OfferResult,
  PolicyRuntime,
  type PolicyRuntimeOptions,
  type PolicySelection,
  type RejectedEvent,
  SAFE_BASELINE_MARKER,
  safeBaselineMarker,
} from './policy-runtime.js';
/** A structural view of policy YAML (rules, tools, detectors, deviations) for lifecycle tools. */
export { type PolicyView, readPolicyView } from './policy-view.js';
/** Cohort rollout: stable hashing, named cohorts, allowlists. */
export {
  cohortBucket,
  type RolloutChoice,
  type RolloutPlan,
  type RolloutStage,
  selectPolicy,
  validateRolloutPlan,
} from './rollout.js';
/** The safe baseline policy that failures and rollback fall back to. */
export {
  compiledSafeBaseline,
  SAFE_BASELINE_DIGEST,
  SAFE_BASELINE_YAML,
  safeBaselinePolicy,
} from './safe-baseline.js';
/** Shadow evaluation of a candidate policy and the divergence report. */
export {
  evaluateShadow,
  formatShadowReport,
  type ShadowDivergence,
  type ShadowReport,
  summarizeShadow,
} from './shadow.js';
/** Adds an approver signature to a bundle. */
export { type SignOptions, signBundle } from './sign-bundle.js';
/** Follows an activation state directory: active bundle and staged shadow/rollout candidate. */
export { type StateDirSourceOptions, watchStateDir } from './state-dir-source.js';
/** Verifies integrity and k-of-n signatures against trusted governance. */
export { type VerifiedBundle, type VerifyOptions, verifyBundle } from './verify-bundle.js';
