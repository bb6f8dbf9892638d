/** The enforcement SDK: a Guard per policy with one method per enforcement point. */
export type {
  ApprovalRequest,
  ApprovalResult,
  ApprovalsAdapter,
  WebhookApprovalsOptions,
} from './approvals.js';
/** Approvals: in-memory queue, callback and webhook adapters. */
export { callbackApprovals, InMemoryApprovalQueue, webhookApprovals } from './approvals.js';
/** Denial helpers and the user-visible messages of guard-made denials. */
export { denyDecision, GUARD_MESSAGES } from './deny.js';
/** Parses policy durations such as `15m`. */
export { parseDuration } from './duration.js';
/** Guard errors and their type guards. */
export { GuardError, isGuardError, isPolicyDeniedError, PolicyDeniedError } from './errors.js';
export type { AsyncDetector, UnavailableDetector } from './findings.js';
export type {
  CheckOptions,
  Guard,
  GuardContext,
  GuardDecision,
  GuardOptions,
  Interaction,
  WrapToolOptions,
} from './guard.js';
/** Creates a guard; see {@link GuardOptions}. */
export { createGuard, newInteractionId } from './guard.js';
/** Guardrail text and tool descriptions. */
export { composeSystemPrompt, describeParams, describeTool, fragmentsFor } from './guardrails.js';
export type { GuardrailFragment, Notifier, SandboxRunner } from './obligations.js';
/** The counter key a `rate_limit` obligation uses. */
export { rateLimitKey } from './obligations.js';
export type { RateLimitHit, RateLimitStore } from './rate-limit.js';
/** In-memory sliding-window rate limits. */
export { MemoryRateLimitStore } from './rate-limit.js';
export type { RedactionKeys, RedactMode } from './redaction.js';
/** Redacts detector findings in a text (detect's redaction, with the guard's hash key and vault). */
export { redactFindings } from './redaction.js';
export type { RedisRateLimitOptions } from './redis-rate-limit.js';
/** Redis sliding-window rate limits (atomic Lua). */
export { RedisRateLimitStore } from './redis-rate-limit.js';
/** The policy recorded on safe-baseline decisions. */
export { SAFE_BASELINE_POLICY, safeBaselineDecision } from './safe-baseline.js';
export type { SignalTrackerOptions, ToolCallSignals } from './signals.js';
/** Anomaly signals per session. */
export { SignalTracker, toolCallKey } from './signals.js';
/** Evidence buffering to a spill file while the store is down. */
export { SpillingSink } from './spill-sink.js';
export type { StepUpAdapter, StepUpRequest, StepUpResult } from './step-up.js';
/** Step-up authentication helpers. */
export { authLevelSatisfies, callbackStepUp, DEFAULT_AUTH_LEVELS } from './step-up.js';
/** A decision plus its interaction id, copied in one fixed shape (the guard's and the server's hot path). */
export { decisionWithInteraction } from './with-interaction.js';
/** Text the output point scans for a tool result. */
export { resultText } from './wrap-tool.js';
