/**
 * The decision server on plain `node:http`. A framework was not used: the decision path is a few
 * microseconds and per-request router/middleware cost would be a visible share of it; the routes
 * are a fixed handful, matched with a switch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CompiledPolicy } from '../engine/index.js';
import type { EvidenceSink } from '../evidence/sink.js';
import { ADMIN_ROUTES, type Admin, type AdminOptions, createAdmin, isAdminPath } from './admin/index.js';
import { onlyQueryParams } from './admin/input.js';
import {
  type AuthConfig,
  type Authenticator,
  type Caller,
  createAuthenticator,
  requireScope,
  type Scope,
} from './auth.js';
import { readJson } from './body.js';
import { Decider } from './decider.js';
import { errorBody, isServerError, ServerError } from './errors.js';
import { decideBatch, decideOne, type HandlerDeps, isPoint, redactText, scan } from './handlers.js';
import { type KillSwitchStore, MemoryKillSwitches } from './kill-switches.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import { TextDetectors } from './text-detectors.js';

/** Size and time limits; every one has a conservative default. */
export interface ServerLimits {
  /** Largest request body (default 1 MiB). */
  maxBodyBytes?: number;
  /** Deepest JSON nesting (default 64). */
  maxJsonDepth?: number;
  /** Most requests in one batch (default 100). */
  maxBatch?: number;
  /** Time to receive all headers, ms (default 10 000). */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, ms (default 30 000). */
  requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this, ms (default 5 000). */
  keepAliveTimeoutMs?: number;
  /** How often node checks the two timeouts above, ms (default 1 000). */
  timeoutCheckIntervalMs?: number;
  /** Largest request header block, bytes (default 16 KiB). */
  maxHeaderBytes?: number;
}

/** How the active policy came to be, shown in `/readyz` and metrics. */
export type PolicyKind = 'bundle' | 'directory' | 'safe-baseline';

/** Options of {@link createDecisionServer}. */
export interface DecisionServerOptions {
  /** A verified, compiled policy; without one the guard decides on the safe baseline and `/readyz` is 503. */
  policy?: CompiledPolicy;
  /** Where the policy came from (default `directory` when `policy` is set). */
  policyKind?: Exclude<PolicyKind, 'safe-baseline'>;
  /** Evidence sink; the server opens it and flushes and closes it on shutdown. */
  evidence: EvidenceSink;
  /** What the evidence is, for the startup lines and `/readyz` (e.g. `sqlite .rampart/evidence.db`). */
  evidenceLabel?: string;
  auth?: AuthConfig;
  limits?: ServerLimits;
  /** Kill switches (default: in this process only); closed on shutdown. */
  killSwitches?: KillSwitchStore;
  /** The admin API: state directory runtime, audit sink (see `AdminOptions`). */
  admin?: AdminOptions;
}

/** A route added after creation by an extension (spike guard), with the scope it needs. */
export interface ExtraRoute {
  method: 'GET' | 'POST';
  scope: Scope;
  /** The JSON answer; `body` is the parsed request body of a POST. */
  handle(caller: Caller, body: unknown): unknown;
}

/** A shared dependency's state, listed in `/readyz` (cluster instances: redis, postgres). */
export interface DependencyState {
  name: string;
  ok: boolean;
  detail?: string;
}

/** A running-or-ready decision server. */
export interface DecisionServer {
  readonly http: Server;
  readonly decider: Decider;
  readonly metrics: ServerMetrics;
  readonly auth: Authenticator;
  readonly killSwitches: KillSwitchStore;
  /** The admin API; `admin.attach` wires a policy runtime and activation store after creation. */
  readonly admin: Admin;
  /** Starts listening; resolves with the base URL. */
  listen(port: number, host: string): Promise<string>;
  /** The base URL once listening. */
  url(): string;
  /** Swaps the active policy (hot reload); `undefined` falls back to the safe baseline and `/readyz` turns 503. */
  setPolicy(
    policy: CompiledPolicy | undefined,
    kind?: Exclude<PolicyKind, 'safe-baseline'>,
    cause?: string,
  ): void;
  /** Adds a route (e.g. `/v1/admin/spikes`); known paths cannot be replaced. */
  addRoute(path: string, route: ExtraRoute): void;
  /**
   * Reports shared dependencies in `/readyz`: one that is down marks the instance `degraded` but
   * keeps it ready, since it still decides on what it last knew (every instance shares the same
   * dependencies, so taking them out of rotation would turn an outage there into one here).
   */
  setDependencies(states: (() => DependencyState[]) | undefined): void;
  /** Stops accepting, lets in-flight requests finish, flushes and closes the evidence sink. */
  close(): Promise<void>;
}

const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function send(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  // The JSON headers of nearly every response as a literal: a spread here cost microseconds per response.
  res.writeHead(
    status,
    headers === undefined
      ? {
          'content-type': JSON_HEADERS['content-type'],
          'cache-control': JSON_HEADERS['cache-control'],
          'x-content-type-options': JSON_HEADERS['x-content-type-options'],
          'content-length': Buffer.byteLength(body),
        }
      : { ...headers, 'content-length': Buffer.byteLength(body) },
  );
  res.end(body);
}

/** Known paths and the methods they accept (for 405 vs 404); `/v1/decide/{point}` is matched by prefix. */
export const ROUTES: Record<string, string> = {
  '/healthz': 'GET',
  '/readyz': 'GET',
  '/metrics': 'GET',
  '/openapi.json': 'GET',
  '/v1/decide': 'POST',
  '/v1/scan': 'POST',
  '/v1/redact': 'POST',
  ...ADMIN_ROUTES,
};

/** Creates the server (not yet listening). */
export async function createDecisionServer(opts: DecisionServerOptions): Promise<DecisionServer> {
  const limits = {
    maxBodyBytes: opts.limits?.maxBodyBytes ?? 1024 * 1024,
    maxJsonDepth: opts.limits?.maxJsonDepth ?? 64,
    maxBatch: opts.limits?.maxBatch ?? 100,
  };
  const auth = await createAuthenticator(opts.auth);
  // A sink that cannot open fails every write, and each decision then fails closed; readiness says so.
  let sinkError: string | undefined;
  await opts.evidence.open().catch((e: unknown) => {
    sinkError = (e as Error).message;
  });
  const kills = opts.killSwitches ?? new MemoryKillSwitches();
  const decider = new Decider(opts.evidence, opts.policy, undefined, kills);
  let policy = opts.policy;
  let kind: PolicyKind = opts.policy ? (opts.policyKind ?? 'directory') : 'safe-baseline';
  let detectors = TextDetectors.fromPolicy(policy);
  let closing = false;
  const metrics = createMetrics({
    evidenceHealth: () => opts.evidence.health(),
    activePolicy: () =>
      policy
        ? { name: policy.name, version: policy.version, digest: policy.digest, kind }
        : { name: 'safe-baseline', version: '-', digest: '-', kind },
  });
  const deps: HandlerDeps = { decider, metrics, detectors: () => detectors, maxBatch: limits.maxBatch };
  const setPolicy = (
    next: CompiledPolicy | undefined,
    nextKind: Exclude<PolicyKind, 'safe-baseline'> = 'directory',
    cause?: string,
  ) => {
    policy = next;
    kind = next ? nextKind : 'safe-baseline';
    detectors = TextDetectors.fromPolicy(next);
    decider.setPolicy(next, cause);
  };
  const admin = createAdmin(
    {
      auth,
      decider,
      kills,
      evidence: opts.evidence,
      limits,
      setPolicy: (next, cause) => setPolicy(next, 'bundle', cause),
    },
    opts.admin,
  );
  await admin.start();

  const authorize = async (req: IncomingMessage, scope: Scope): Promise<Caller> => {
    const caller = await auth.authenticate(req);
    requireScope(caller, scope);
    return caller;
  };

  const extraRoutes = new Map<string, ExtraRoute>();
  let dependencies: (() => DependencyState[]) | undefined;
  const readiness = () => {
    const ready = kind !== 'safe-baseline' && sinkError === undefined && !closing;
    const deps = dependencies?.();
    return {
      status: ready ? 200 : 503,
      body: {
        ready,
        policy: policy
          ? { name: policy.name, version: policy.version, digest: policy.digest, kind }
          : { kind },
        evidence: opts.evidenceLabel ?? 'configured',
        ...(deps ? { degraded: deps.some((d) => !d.ok), dependencies: deps } : {}),
        ...(ready
          ? {}
          : {
              cause: closing
                ? 'shutting down'
                : sinkError !== undefined
                  ? 'evidence store unavailable'
                  : 'no verified policy active',
            }),
      },
    };
  };

  // Returns the route template for metrics; writes the response itself.
  const route = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<string> => {
    if (closing) res.setHeader('connection', 'close');
    const method = req.method ?? 'GET';
    const decidePoint = path.startsWith('/v1/decide/') ? path.slice('/v1/decide/'.length) : undefined;
    const template = decidePoint !== undefined ? '/v1/decide/{point}' : path;
    const extra = extraRoutes.size === 0 ? undefined : extraRoutes.get(path);
    const allowed = decidePoint !== undefined ? 'POST' : (ROUTES[path] ?? extra?.method);
    if (allowed === undefined)
      throw new ServerError('server/not-found', 404, `no route ${path.slice(0, 200)}`);
    if (method !== allowed && !(allowed === 'GET' && method === 'HEAD')) {
      res.setHeader('allow', allowed);
      throw new ServerError('server/method-not-allowed', 405, `${path.slice(0, 200)} accepts ${allowed}`);
    }
    switch (template) {
      case '/healthz':
        send(res, 200, JSON.stringify({ ok: true }));
        return template;
      case '/readyz': {
        const r = readiness();
        send(res, r.status, JSON.stringify(r.body));
        return template;
      }
      case '/openapi.json':
        send(res, 200, OPENAPI_JSON);
        return template;
      case '/metrics':
        if (!auth.open) await authorize(req, 'admin:read');
        send(res, 200, await metrics.render(), {
          'content-type': metrics.contentType,
          'cache-control': 'no-store',
        });
        return template;
      case '/v1/decide/{point}': {
        if (!isPoint(decidePoint))
          throw new ServerError(
            'server/not-found',
            404,
            'unknown enforcement point; use input, route, tool, output or persist',
          );
        const caller = await authorize(req, 'decide');
        const body = await readJson(req, { maxBytes: limits.maxBodyBytes, maxDepth: limits.maxJsonDepth });
        send(res, 200, JSON.stringify(await decideOne(deps, caller, decidePoint, body)));
        return template;
      }
      case '/v1/decide': {
        const caller = await authorize(req, 'decide');
        const body = await readJson(req, { maxBytes: limits.maxBodyBytes, maxDepth: limits.maxJsonDepth });
        send(res, 200, JSON.stringify(await decideBatch(deps, caller, body)));
        return template;
      }
      case '/v1/scan': {
        await authorize(req, 'decide');
        const body = await readJson(req, { maxBytes: limits.maxBodyBytes, maxDepth: limits.maxJsonDepth });
        send(res, 200, JSON.stringify(scan(deps, body)));
        return template;
      }
      case '/v1/redact': {
        await authorize(req, 'decide');
        const body = await readJson(req, { maxBytes: limits.maxBodyBytes, maxDepth: limits.maxJsonDepth });
        send(res, 200, JSON.stringify(redactText(deps, body)));
        return template;
      }
    }
    if (isAdminPath(template)) {
      const q = (req.url ?? '').indexOf('?');
      const query = new URLSearchParams(q === -1 ? '' : (req.url ?? '').slice(q + 1));
      send(res, 200, JSON.stringify(await admin.handle(req, template, query)));
      return template;
    }
    if (extra) {
      const caller = await authorize(req, extra.scope);
      // Extension routes take no query parameters; a typo such as `?dry-run=1` is refused, not ignored.
      const q = (req.url ?? '').indexOf('?');
      const run = () => {
        if (q !== -1) onlyQueryParams(new URLSearchParams((req.url ?? '').slice(q + 1)));
        return extra.handle(caller, body);
      };
      const body =
        extra.method === 'POST'
          ? await readJson(req, { maxBytes: limits.maxBodyBytes, maxDepth: limits.maxJsonDepth })
          : undefined;
      // State-changing extension routes are admin actions too: audited like the built-in ones
      // (a refused one included).
      const answer = extra.method === 'POST' ? await admin.audited(caller, path, body, run) : await run();
      send(res, 200, JSON.stringify(answer));
      return template;
    }
    throw new ServerError('server/not-found', 404, `no route ${path.slice(0, 200)}`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    route(req, res, path).then(
      (template) => metrics.observeHttp(template, res.statusCode),
      (e: unknown) => {
        const err = isServerError(e) ? e : new ServerError('server/internal', 500, 'internal error');
        if (res.headersSent) {
          res.destroy();
          return;
        }
        if (err.status === 401) res.setHeader('www-authenticate', 'Bearer');
        // A connection whose body was refused unread is not reused.
        if (err.status === 413) res.setHeader('connection', 'close');
        send(res, err.status, errorBody(err.code, err.message));
        metrics.observeHttp(templateOf(path), err.status);
      },
    );
  };

  const http = createServer(
    {
      headersTimeout: opts.limits?.headersTimeoutMs ?? 10_000,
      requestTimeout: opts.limits?.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: opts.limits?.keepAliveTimeoutMs ?? 5_000,
      connectionsCheckingInterval: opts.limits?.timeoutCheckIntervalMs ?? 1_000,
      maxHeaderSize: opts.limits?.maxHeaderBytes ?? 16 * 1024,
    },
    handle,
  );
  // Malformed HTTP and header timeouts: answer with the stable error body when the socket still allows.
  http.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (err as { code?: string }).code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT';
    const tooBig = err.code === 'HPE_HEADER_OVERFLOW';
    const [status, text, code] = timeout
      ? [408, 'Request Timeout', 'server/timeout']
      : tooBig
        ? [431, 'Request Header Fields Too Large', 'server/bad-http']
        : [400, 'Bad Request', 'server/bad-http'];
    const body = errorBody(code, timeout ? 'the request took too long to arrive' : 'malformed HTTP request');
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });

  let baseUrl = '';
  return {
    http,
    decider,
    metrics,
    auth,
    killSwitches: kills,
    admin,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, host, () => {
          http.off('error', reject);
          const a = http.address() as AddressInfo;
          const h = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          baseUrl = `http://${h}:${a.port}`;
          resolve(baseUrl);
        });
      });
    },
    url: () => baseUrl,
    addRoute(path, r) {
      if (ROUTES[path] !== undefined || path.startsWith('/v1/decide/'))
        throw new Error(`route ${path} is already served`);
      extraRoutes.set(path, r);
    },
    setDependencies(states) {
      dependencies = states;
    },
    setPolicy,
    async close() {
      if (closing) return;
      closing = true;
      await new Promise<void>((resolve) => {
        if (!http.listening) return resolve();
        http.close(() => resolve());
        http.closeIdleConnections();
      });
      await kills.close();
      await opts.evidence.flush();
      await opts.evidence.close();
      // After the decision sink: an admin writer sharing its store must not close it first.
      await admin.close();
    },
  };
}

/** The route template of a path, for metric labels (unknown paths share one label). */
function templateOf(path: string): string {
  if (path.startsWith('/v1/decide/')) return '/v1/decide/{point}';
  return ROUTES[path] ? path : 'unknown';
}

const OPENAPI_JSON = JSON.stringify(OPENAPI_DOCUMENT);
