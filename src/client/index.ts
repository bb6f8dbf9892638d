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
  ): Promise<{ status: number; body: T }> => {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
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
    async ready() {
      try {
        return (await call('GET', '/readyz')).status === 200;
      } catch {
        return false;
      }
    },
  };
}
