/** The HTTP decision server: decision API, scan/redact, health, readiness, metrics, authentication. */
export type { AdminAction, AdminEvent } from './admin/audit.js';
/** The admin audit stream name and the digest used in admin records. */
export { ADMIN_POINT, ADMIN_STREAM, contentDigest } from './admin/audit.js';
/** The admin audit writer for each evidence kind of `rampart serve`. */
export { openAuditSink } from './admin/audit-sink.js';
export type { AdminBundleStore } from './admin/bundles.js';
export type { Admin, AdminOptions, AdminPath, AdminState } from './admin/index.js';
/** Admin routes with their methods and scopes. */
export { ADMIN_ROUTE_TABLE, ADMIN_ROUTES } from './admin/index.js';
export type { ApiKeyEntry, AuthConfig, Authenticator, Caller, JwtConfig, Scope } from './auth.js';
/** Authentication: API keys stored as sha256, JWTs verified with jose, scopes. */
export {
  createAuthenticator,
  hashApiKey,
  requireScope,
  SCOPE_ROLES,
  SCOPES,
  validateApiKeys,
} from './auth.js';
/** Body reading with size and depth limits. */
export { jsonDepth } from './body.js';
export { ActivationFollower, ActivationNotices } from './cluster/activation-follower.js';
/** Several instances: activation state in PostgreSQL, notices and narrowings through Redis. */
export {
  type ClusterNode,
  type ClusterNodeOptions,
  type DependencyHealth,
  joinCluster,
} from './cluster/cluster-node.js';
export type { ServeConfig, ServeFlags } from './config.js';
/** Resolves serve settings from flags, environment and a config file. */
export { DEFAULT_POLICY_DIR, resolveServeConfig } from './config.js';
export type { ServerDecision } from './decider.js';
/** Decides with the engine and writes every decision record (obligations go back to the caller). */
/** The rule id and message of kill-switch denials. */
export { Decider, KILL_SWITCH_MESSAGE, KILL_SWITCH_RULE } from './decider.js';
export type { ServerErrorCode } from './errors.js';
/** The server's error class and its type guard. */
export { isServerError, ServerError } from './errors.js';
export type { KillKind, KillSwitch, KillSwitchStore, RedisKillSwitchOptions } from './kill-switches.js';
/** Kill switches: in-process, or shared through Redis (hash + pub/sub). */
export { KILL_KINDS, MemoryKillSwitches, RedisKillSwitches } from './kill-switches.js';
/** The OpenAPI 3.1 document. */
export { OPENAPI_DOCUMENT } from './openapi.js';
export type { PublicDecision } from './public-decision.js';
export type {
  DecisionServer,
  DecisionServerOptions,
  DependencyState,
  ExtraRoute,
  PolicyKind,
  ServerLimits,
} from './server.js';
/** Creates the decision server on node:http. */
export { createDecisionServer } from './server.js';
/** Spike guard and rollout watchdog. */
export { type AttachedSpikeGuard, attachSpikeGuard } from './spike/attach.js';
export { type ActiveNarrowing, SPIKE_GUARD_MESSAGE, SPIKE_GUARD_RULE } from './spike/narrowing.js';
export { MemoryNarrowings, type NarrowingStore, RedisNarrowings } from './spike/narrowing-store.js';
export { RolloutWatchdog, type WatchdogRollback } from './spike/rollout-watchdog.js';
export { SpikeGuard, type SpikeNotice } from './spike/spike-guard.js';
export { webhookNotifier } from './spike/webhook.js';
/** Opens evidence, loads the policy and starts a server from resolved settings. */
export { type StartedServer, startServer } from './start.js';
