/**
 * The typed client of the Rampart decision server. Uses only `fetch`, so it runs in Node, Deno, Bun,
 * browsers and edge runtimes. Every refusal becomes a {@link RampartHttpError} carrying the server's
 * stable error code.
 */
import type { DecisionRequest, Finding, Obligation, Point, PolicyRef } from '../policy/types.js';

/** A decision as the server returns it; `reason` and `evidence` only for callers with `admin:read`. */
export interface ClientDecision {
  decisionId: string;
  point: Point;
  effect: 'allow' | 'deny' | 'allow_with_conditions';
  outcome: 'allowed' | 'blocked' | 'allowed_with_conditions';
  obligations: Obligation[];
  rules: string[];
  risk: string | null;
  message: string;
  policy: PolicyRef;
  errors: { code: string; message: string }[];
  interaction: string;
  exceptions?: string[];
  failure?: string;
  reason?: string;
  evidence?: Record<string, unknown>;
}

/** One entry of a batch answer. */
export type BatchResult = { decision: ClientDecision } | { error: { code: string; message: string } };

/** Redaction modes the server offers. */
export type RedactMode = 'mask' | 'partial' | 'drop';

/** A kill switch as the admin API reports it. */
export interface ClientKillSwitch {
  kind: 'tool' | 'route';
  name: string;
  enabled?: boolean;
  reason?: string;
  actor?: string;
  at?: string;
  changed?: boolean;
}

/** What the server proved about an uploaded or verified bundle. */
export interface ClientBundleSummary {
  name: string;
  version: string;
  digest: string;
  parent: string | null;
  /** Approver ids whose signatures counted. */
  approvers: string[];
  /** Signatures needed (k). */
  required: number;
  loosening: string[];
}

/** A policy version as the admin API reports it. */
export interface ClientPolicyVersion {
  kind?: 'bundle' | 'safe-baseline';
  name: string;
  version: string;
  digest: string;
}

/** Who a rollout candidate enforces for. */
export interface ClientRolloutStage {
  /** 0–100: a stable hash of the tenant (or principal) into this percentage. */
  percent?: number;
  hashBy?: 'tenant' | 'principal';
  /** Named cohorts, matched against `context.cohort`. */
  cohorts?: string[];
  tenants?: string[];
  principals?: string[];
  salt?: string;
}

/** A staged candidate. */
export interface ClientCandidate extends ClientPolicyVersion {
  stage: { mode: 'shadow' | 'rollout' } & ClientRolloutStage;
}

/** One activation history entry. */
export interface ClientActivationEntry {
  at: string;
  action: 'activate' | 'rollback' | 'reject' | 'fallback' | 'shadow' | 'rollout' | 'withdraw';
  name: string;
  version: string;
  digest: string;
  actor: string;
  reason: string;
  source?: string;
  error?: { code: string; message: string };
}

/** An exception grant as listed (without its signature). */
export interface ClientExceptionGrant {
  id: string;
  rules: string[];
  scope: { principal?: string; tenant?: string; tool?: string; route?: string };
  expires: string;
  granter: string;
  reason: string;
  grantedAt?: string;
  risk?: string;
  review?: string;
  keyId?: string;
}

/** A signed grant as `rampart exceptions grant` writes it (the server never holds granter keys). */
export interface ClientSignedGrant {
  grant: ClientExceptionGrant;
  risk: string;
  review: string;
  keyId: string;
  signature: string;
}

/** A stored decision record (or admin record: `point` `admin`, stream `admin`). */
export interface ClientRecord {
  v: number;
  id: string;
  stream: string;
  seq: number;
  time: string;
  policy: PolicyRef;
  point: string;
  outcome: string;
  effect: string;
  rules: string[];
  risk: string | null;
  context: Record<string, unknown>;
  exceptions: string[];
  cohort?: string;
  shadow?: { digest: string; version?: string; outcome: string; rules: string[] };
  route?: string;
  tenant?: string;
  interaction?: string;
  latency_us: number;
  prev: string;
  hash: string;
  [field: string]: unknown;
}

/** Filters of {@link RampartClient.queryLogs}. */
export interface ClientLogQuery {
  /** A duration back from now (`1h`) or an RFC 3339 time. */
  since?: string;
  until?: string;
  point?: string;
  outcome?: 'allowed' | 'blocked' | 'allowed_with_conditions';
  rule?: string;
  route?: string;
  interaction?: string;
  tenant?: string;
  /** `admin` for the admin audit records. */
  stream?: string;
  limit?: number;
  order?: 'asc' | 'desc';
}

/** Decision latency of a route in a stats window (µs), against the window before it. */
export interface ClientRouteLatency {
  p50: number | null;
  p99: number | null;
  previousP50: number | null;
  previousP99: number | null;
  /** (p99 − previous p99) / previous p99, or null when either is missing. */
  p99Change: number | null;
}

/** Signals over a window (as `rampart logs stats --json`). */
export interface ClientStats {
  window: { since: string; until: string };
  total: number;
  blocked: number;
  blockedRate: number;
  highRisk: number;
  highRiskRatio: number;
  exceptionsUsed: number;
  shadowDivergences: number;
  byShadowCandidate: Record<string, number>;
  byRule: Record<string, { total: number; blocked: number; blockedRate: number; appeals: number }>;
  byRoute: Record<
    string,
    { total: number; blocked: number; blockedRate: number; latencyUs: ClientRouteLatency }
  >;
  [field: string]: unknown;
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** e.g. `http://127.0.0.1:8181`. */
  baseUrl: string;
  /** API key or JWT, sent as `Authorization: Bearer …`. */
  apiKey?: string;
  /** Abort a call after this many ms (default 5000). */
  timeoutMs?: number;
  /** A `fetch` implementation (default the global one). */
  fetch?: typeof fetch;
}

/** The client. */
export interface RampartClient {
  decide(point: Point, request: DecisionRequest): Promise<ClientDecision>;
  decideBatch(requests: { point: Point; request: DecisionRequest }[]): Promise<BatchResult[]>;
  scan(text: string, opts?: { detectors?: string[] }): Promise<Finding[]>;
  redact(
    text: string,
    opts?: { detectors?: string[]; mode?: RedactMode },
  ): Promise<{ text: string; findings: Finding[] }>;
  /** True when `/readyz` answers 200. */
  ready(): Promise<boolean>;
  /** Turns a kill switch on (`enabled` default true) or off; needs the `killswitch` scope. */
  setKillSwitch(sw: {
    kind: 'tool' | 'route';
    name: string;
    enabled?: boolean;
    reason?: string;
  }): Promise<ClientKillSwitch>;
  /** Active kill switches; needs `admin:read`. */
  listKillSwitches(): Promise<ClientKillSwitch[]>;
  /**
   * Verifies (against the server's trusted governance) and stores a bundle, sent as the exact text
   * `rampart build` / `rampart sign` wrote (its canonical form is part of its integrity). Needs `bundles:activate`.
   */
  uploadBundle(bundleText: string): Promise<ClientBundleSummary>;
  /** Verifies a bundle text without storing it; needs `admin:read`. */
  verifyBundle(bundleText: string): Promise<ClientBundleSummary>;
  /** Activates an uploaded bundle; needs `bundles:activate`. */
  activateBundle(digest: string, reason: string): Promise<ClientPolicyVersion>;
  /** Stages an uploaded bundle as shadow (decides beside, never enforces); needs `bundles:activate`. */
  shadowBundle(digest: string, reason: string): Promise<ClientCandidate>;
  /** Stages an uploaded bundle for a cohort; needs `bundles:activate`. */
  rolloutBundle(digest: string, reason: string, stage: ClientRolloutStage): Promise<ClientCandidate>;
  /** Ends a shadow or rollout; false when nothing was staged. Needs `bundles:activate`. */
  withdrawCandidate(reason: string): Promise<boolean>;
  /** Re-activates a stored version or digest, or `safe-baseline`; needs `bundles:activate`. */
  rollbackBundle(to: string, reason: string): Promise<ClientPolicyVersion>;
  /** The active policy, the staged candidate and the stored bundles; needs `admin:read`. */
  listBundles(): Promise<{
    active: ClientPolicyVersion;
    candidate: ClientCandidate | null;
    bundles: { name: string; version: string; digest: string; createdAt: string; active: boolean }[];
  }>;
  /** The newest `limit` activation history entries (default 100); needs `admin:read`. */
  bundleHistory(limit?: number): Promise<ClientActivationEntry[]>;
  /** Submits a granter-signed exception grant; needs `exceptions:grant`. */
  grantException(grant: ClientSignedGrant): Promise<ClientExceptionGrant>;
  /** Revokes a grant; needs `exceptions:grant`. */
  revokeException(id: string, reason: string): Promise<void>;
  /** Grants in force; needs `admin:read`. */
  listExceptions(): Promise<{ grants: ClientExceptionGrant[]; expired: number; stale?: string }>;
  /** Decision (and admin) records; needs `admin:read`. */
  queryLogs(query?: ClientLogQuery): Promise<ClientRecord[]>;
  /** Signals over a window (default `1h`); needs `admin:read`. */
  logStats(window?: string): Promise<ClientStats>;
}

/** The server refused, or could not be reached (`status` 0, code `client/unreachable` or `client/timeout`). */
export class RampartHttpError extends Error {
  override readonly name = 'RampartHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Type guard for {@link RampartHttpError}. */
export function isRampartHttpError(e: unknown): e is RampartHttpError {
  return e instanceof RampartHttpError;
}

/** Creates a client. */
export function createClient(options: ClientOptions): RampartClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;

  const call = async <T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    raw?: string,
  ): Promise<{ status: number; body: T }> => {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
      throw new RampartHttpError(
        0,
        timedOut ? 'client/timeout' : 'client/unreachable',
        timedOut
          ? `no answer from ${base} within ${timeoutMs} ms`
          : `cannot reach ${base}: ${(e as Error).message}`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new RampartHttpError(
        res.status,
        'client/bad-response',
        `the server answered ${res.status} with non-JSON`,
      );
    }
    if (!res.ok && (method === 'POST' || path.startsWith('/v1/'))) {
      const err = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      throw new RampartHttpError(
        res.status,
        typeof err?.code === 'string' ? err.code : `http/${res.status}`,
        typeof err?.message === 'string' ? err.message : `the server answered ${res.status}`,
      );
    }
    return { status: res.status, body: parsed as T };
  };

  return {
    async decide(point, request) {
      return (await call<ClientDecision>('POST', `/v1/decide/${encodeURIComponent(point)}`, request)).body;
    },
    async decideBatch(requests) {
      return (await call<{ results: BatchResult[] }>('POST', '/v1/decide', { requests })).body.results;
    },
    async scan(text, opts = {}) {
      return (await call<{ findings: Finding[] }>('POST', '/v1/scan', { text, ...opts })).body.findings;
    },
    async redact(text, opts = {}) {
      return (await call<{ text: string; findings: Finding[] }>('POST', '/v1/redact', { text, ...opts }))
        .body;
    },
    async setKillSwitch(sw) {
      return (await call<ClientKillSwitch>('POST', '/v1/admin/killswitch', sw)).body;
    },
    async listKillSwitches() {
      return (await call<{ killSwitches: ClientKillSwitch[] }>('GET', '/v1/admin/killswitches')).body
        .killSwitches;
    },
    async uploadBundle(bundleText) {
      return (await call<ClientBundleSummary>('POST', '/v1/admin/bundles/upload', undefined, bundleText))
        .body;
    },
    async verifyBundle(bundleText) {
      return (await call<ClientBundleSummary>('POST', '/v1/admin/bundles/verify', undefined, bundleText))
        .body;
    },
    async activateBundle(digest, reason) {
      return (
        await call<{ active: ClientPolicyVersion }>('POST', '/v1/admin/bundles/activate', { digest, reason })
      ).body.active;
    },
    async shadowBundle(digest, reason) {
      return (
        await call<{ candidate: ClientCandidate }>('POST', '/v1/admin/bundles/shadow', { digest, reason })
      ).body.candidate;
    },
    async rolloutBundle(digest, reason, stage) {
      return (
        await call<{ candidate: ClientCandidate }>('POST', '/v1/admin/bundles/rollout', {
          ...stage,
          digest,
          reason,
        })
      ).body.candidate;
    },
    async withdrawCandidate(reason) {
      return (await call<{ withdrawn: boolean }>('POST', '/v1/admin/bundles/withdraw', { reason })).body
        .withdrawn;
    },
    async rollbackBundle(to, reason) {
      return (
        await call<{ active: ClientPolicyVersion }>('POST', '/v1/admin/bundles/rollback', { to, reason })
      ).body.active;
    },
    async listBundles() {
      return (await call<Awaited<ReturnType<RampartClient['listBundles']>>>('GET', '/v1/admin/bundles')).body;
    },
    async bundleHistory(limit) {
      const q = limit !== undefined ? `?limit=${encodeURIComponent(String(limit))}` : '';
      return (await call<{ entries: ClientActivationEntry[] }>('GET', `/v1/admin/bundles/history${q}`)).body
        .entries;
    },
    async grantException(grant) {
      return (await call<{ granted: ClientExceptionGrant }>('POST', '/v1/admin/exceptions/grant', { grant }))
        .body.granted;
    },
    async revokeException(id, reason) {
      await call('POST', '/v1/admin/exceptions/revoke', { id, reason });
    },
    async listExceptions() {
      return (
        await call<{ grants: ClientExceptionGrant[]; expired: number; stale?: string }>(
          'GET',
          '/v1/admin/exceptions',
        )
      ).body;
    },
    async queryLogs(query = {}) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
      const qs = q.toString();
      return (await call<{ records: ClientRecord[] }>('GET', `/v1/admin/logs${qs ? `?${qs}` : ''}`)).body
        .records;
    },
    async logStats(window) {
      const q = window !== undefined ? `?window=${encodeURIComponent(window)}` : '';
      return (await call<ClientStats>('GET', `/v1/admin/logs/stats${q}`)).body;
    },
    async ready() {
      try {
        return (await call('GET', '/readyz')).status === 200;
      } catch {
        return false;
      }
    },
  };
}
