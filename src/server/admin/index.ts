/**
 * The admin API router: one table of routes with the scope each needs, authentication (401) and
 * authorization (403) before anything is read, and dispatch to one module per job (bundles,
 * exceptions, logs, kill switches). Every state-changing action, and every refused attempt by an
 * authenticated caller, is an audit record in the admin evidence stream.
 */
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { MAX_BUNDLE_BYTES } from '../../bundle/bundle-format.js';
import type { PolicyRuntime } from '../../bundle/policy-runtime.js';
import type { CompiledPolicy } from '../../engine/index.js';
import { ChainedSink } from '../../evidence/chained-sink.js';
import { MemorySink } from '../../evidence/memory-sink.js';
import type { EvidenceSink } from '../../evidence/sink.js';
import { isReadableStore } from '../../evidence/store.js';
import type { PolicyRef } from '../../policy/types.js';
import { listKillSwitches } from '../admin-kill-switch.js';
import { type Authenticator, type Caller, requireScope, type Scope } from '../auth.js';
import { jsonDepth, readBody, readJson, requireJson } from '../body.js';
import type { Decider } from '../decider.js';
import { ServerError } from '../errors.js';
import type { KillSwitchStore } from '../kill-switches.js';
import { ADMIN_STREAM, type AdminAction, AdminAudit, contentDigest } from './audit.js';
import { type AdminBundleStore, BundleAdmin } from './bundles.js';
import { ExceptionsAdmin, type SharedExceptionsBackend } from './exceptions.js';
import { onlyQueryParams } from './input.js';
import { auditedKillSwitch } from './killswitch.js';
import { LogsAdmin } from './logs.js';

/** Every admin path, its method and the scope it needs. */
export const ADMIN_ROUTE_TABLE = {
  '/v1/admin/killswitch': { method: 'POST', scope: 'killswitch', action: 'killswitch.set' },
  '/v1/admin/killswitches': { method: 'GET', scope: 'admin:read' },
  '/v1/admin/bundles': { method: 'GET', scope: 'admin:read' },
  '/v1/admin/bundles/history': { method: 'GET', scope: 'admin:read' },
  '/v1/admin/bundles/upload': { method: 'POST', scope: 'bundles:activate', action: 'bundles.upload' },
  '/v1/admin/bundles/verify': { method: 'POST', scope: 'admin:read', action: 'bundles.verify' },
  '/v1/admin/bundles/activate': { method: 'POST', scope: 'bundles:activate', action: 'bundles.activate' },
  '/v1/admin/bundles/shadow': { method: 'POST', scope: 'bundles:activate', action: 'bundles.shadow' },
  '/v1/admin/bundles/rollout': { method: 'POST', scope: 'bundles:activate', action: 'bundles.rollout' },
  '/v1/admin/bundles/withdraw': { method: 'POST', scope: 'bundles:activate', action: 'bundles.withdraw' },
  '/v1/admin/bundles/rollback': { method: 'POST', scope: 'bundles:activate', action: 'bundles.rollback' },
  '/v1/admin/exceptions': { method: 'GET', scope: 'admin:read' },
  '/v1/admin/exceptions/grant': { method: 'POST', scope: 'exceptions:grant', action: 'exceptions.grant' },
  '/v1/admin/exceptions/revoke': { method: 'POST', scope: 'exceptions:grant', action: 'exceptions.revoke' },
  '/v1/admin/logs': { method: 'GET', scope: 'admin:read' },
  '/v1/admin/logs/stats': { method: 'GET', scope: 'admin:read' },
} as const satisfies Record<string, { method: 'GET' | 'POST'; scope: Scope; action?: AdminAction }>;

/** An admin path. */
export type AdminPath = keyof typeof ADMIN_ROUTE_TABLE;

/** Admin paths and their methods, merged into the server's route table. */
export const ADMIN_ROUTES: Record<string, string> = Object.fromEntries(
  Object.entries(ADMIN_ROUTE_TABLE).map(([p, r]) => [p, r.method]),
);

/** True for an admin path. */
export function isAdminPath(path: string): path is AdminPath {
  return Object.hasOwn(ADMIN_ROUTE_TABLE, path);
}

/** Admin settings of a decision server. */
export interface AdminOptions {
  /** The runtime of an activation state directory; bundle and exception routes need it and `store`. */
  runtime?: PolicyRuntime;
  /**
   * The activation store `runtime` follows: the file `ActivationStore` of a state directory, or a
   * cluster's `PgActivationStore` (uploads not yet activated then stay in the receiving process).
   */
  store?: AdminBundleStore;
  /** Where verified exception grants are kept (default `<state>/exceptions.json` for a file store). */
  exceptionsPath?: string;
  /**
   * The sink admin records are chained in, on stream `auditStream` of the same store as decisions.
   * Default: for a `MemorySink`, a second writer on its store; otherwise admin actions answer 503
   * until one is given (`startServer` builds one for every evidence kind).
   */
  audit?: EvidenceSink;
  /** The audit stream name (default `admin`). */
  auditStream?: string;
  /** Largest bundle upload in bytes (default 8 MiB; 64 KiB to 64 MiB), answered 413 `server/body-too-large` beyond. */
  maxBundleBytes?: number;
}

/** Settings applied after creation, by `rampart serve` from its config. */
export interface AdminSettings {
  /** See `AdminOptions.maxBundleBytes`. */
  maxBundleBytes?: number;
}

/** A policy runtime and the activation store it follows. */
export interface AdminState {
  runtime: PolicyRuntime;
  store: AdminBundleStore;
  exceptionsPath?: string;
  /** A shared grants store (cluster instances); wins over `exceptionsPath`. */
  exceptions?: SharedExceptionsBackend;
}

/** What the router needs from the server. */
export interface AdminDeps {
  auth: Authenticator;
  decider: Decider;
  kills: KillSwitchStore;
  evidence: EvidenceSink;
  limits: { maxBodyBytes: number; maxJsonDepth: number };
  /** Swaps the server's active policy (`undefined`: safe baseline). */
  setPolicy(policy: CompiledPolicy | undefined, cause: string): void;
}

/** The admin side of a server. */
export interface Admin {
  /** Answers one admin request (the JSON body of a 200), or throws a `ServerError`. */
  handle(req: IncomingMessage, path: AdminPath, query: URLSearchParams): Promise<unknown>;
  /**
   * Runs a state-changing route an extension added (spike clear…) as an audited admin action:
   * refused without a writable audit log, recorded with the digest of its body and its outcome.
   */
  audited(caller: Caller, path: string, body: unknown, run: () => unknown): Promise<unknown>;
  /**
   * Wires a policy runtime and its activation store after creation (a cluster instance opens them
   * once the server exists); the same as passing `runtime` and `store` in `AdminOptions`.
   */
  attach(state: AdminState): Promise<void>;
  /** Applies settings (the bundle upload limit) before serving; throws `server/config` on a bad value. */
  configure(settings: AdminSettings): void;
  /** Loads persisted exceptions; call once before serving. */
  start(): Promise<void>;
  /** Flushes and closes the audit log. */
  close(): Promise<void>;
}

function notConfigured(what: string): ServerError {
  return new ServerError(
    'server/not-configured',
    409,
    `${what} need a state directory and trusted governance (rampart serve --state <dir> --governance <file>)`,
  );
}

/** Builds the admin router and wires the runtime (policy swaps, staged candidates, exceptions) into the decider. */
export function createAdmin(deps: AdminDeps, opts: AdminOptions = {}): Admin {
  const stream = opts.auditStream ?? ADMIN_STREAM;
  const evidence = deps.evidence;
  const auditSink =
    opts.audit ?? (evidence instanceof MemorySink ? new MemorySink({ stream }, evidence.store) : undefined);
  const activePolicy = (): PolicyRef => {
    const p = deps.decider.active();
    return p
      ? { name: p.name, version: p.version, digest: p.digest }
      : { name: 'rampart/safe-baseline', version: '1', digest: 'builtin' };
  };
  const audit = auditSink ? new AdminAudit(auditSink, activePolicy, true) : undefined;
  const needAudit = (): AdminAudit => {
    if (!audit) throw new ServerError('server/unavailable', 503, 'no admin audit log is configured');
    return audit;
  };
  const readable =
    evidence instanceof ChainedSink && isReadableStore(evidence.store) ? evidence.store : undefined;
  const logs = readable ? new LogsAdmin(readable) : undefined;

  let runtime: PolicyRuntime | undefined;
  let store: AdminBundleStore | undefined;
  let bundles: BundleAdmin | undefined;
  let exceptions: ExceptionsAdmin | undefined;
  /** Wires a runtime and its store: policy swaps, staged candidates and exceptions reach the decider. */
  const attach = (state: AdminState): void => {
    if (runtime) throw new Error('the admin API already has a policy runtime');
    const rt = state.runtime;
    runtime = rt;
    store = state.store;
    bundles = audit ? new BundleAdmin(rt, state.store, audit) : undefined;
    const source =
      state.exceptions ??
      state.exceptionsPath ??
      (state.store.dir !== undefined ? join(state.store.dir, 'exceptions.json') : undefined);
    exceptions =
      audit && source !== undefined
        ? new ExceptionsAdmin(source, rt, audit, (g) => deps.decider.setExceptions(g))
        : undefined;
    const apply = () => {
      const a = rt.current();
      deps.setPolicy(
        a.kind === 'bundle' ? a.compiled : undefined,
        `safe baseline active (${rt.lastError?.message ?? 'no verified bundle'})`,
      );
    };
    rt.on('activated', () => {
      apply();
      // Rule risks may have changed with the policy: re-check the grants against it.
      void exceptions?.load().catch(() => undefined);
    });
    if (rt.current().kind === 'bundle') apply();
    // Shadow and rollout candidates: the decider asks the runtime per decision whether one is staged.
    deps.decider.setStaging(rt);
  };
  if (opts.runtime && opts.store)
    attach({
      runtime: opts.runtime,
      store: opts.store,
      ...(opts.exceptionsPath !== undefined ? { exceptionsPath: opts.exceptionsPath } : {}),
    });

  let maxBundleBytes = checkBundleLimit(opts.maxBundleBytes);
  const json = (req: IncomingMessage) =>
    readJson(req, { maxBytes: deps.limits.maxBodyBytes, maxDepth: deps.limits.maxJsonDepth });
  const bundleBody = async (req: IncomingMessage): Promise<Buffer> => {
    requireJson(req);
    const buf = await readBody(req, maxBundleBytes).catch((e: unknown) => {
      if (e instanceof ServerError && e.code === 'server/body-too-large')
        throw new ServerError(
          'server/body-too-large',
          413,
          `bundle is larger than the upload limit of ${maxBundleBytes} bytes (limits.maxBundleBytes, RAMPART_MAX_BUNDLE_BYTES)`,
        );
      throw e;
    });
    if (buf.length === 0) throw new ServerError('server/bad-json', 400, 'request body is empty');
    if (jsonDepth(buf.toString('utf8')) > deps.limits.maxJsonDepth)
      throw new ServerError(
        'server/too-deep',
        400,
        `JSON nesting is deeper than ${deps.limits.maxJsonDepth} levels`,
      );
    return buf;
  };

  const authorize = async (req: IncomingMessage, path: AdminPath): Promise<Caller> => {
    const caller = await deps.auth.authenticate(req);
    const route: { scope: Scope; action?: AdminAction } = ADMIN_ROUTE_TABLE[path];
    if (!caller.scopes.has(route.scope) && route.action && audit)
      // A refused attempt by a known caller is worth a record; unauthenticated noise (401) is not.
      await audit
        .record(caller, { action: route.action, target: path, outcome: 'refused', code: 'server/forbidden' })
        .catch(() => undefined);
    requireScope(caller, route.scope);
    return caller;
  };

  /** Reads an upload's body; an authenticated caller's refused upload (too large, not JSON…) is audited. */
  const submitted = async (
    req: IncomingMessage,
    caller: Caller,
    action: 'bundles.upload' | 'bundles.verify',
  ): Promise<Buffer> => {
    try {
      return await bundleBody(req);
    } catch (e) {
      if (e instanceof ServerError && audit)
        await audit
          .record(caller, { action, target: '(submitted bundle)', outcome: 'refused', code: e.code })
          // The refusal is the answer; an unwritable audit log must not turn it into a 503.
          .catch(() => undefined);
      throw e;
    }
  };

  return {
    configure(settings) {
      if (settings.maxBundleBytes !== undefined) maxBundleBytes = checkBundleLimit(settings.maxBundleBytes);
    },
    async start() {
      await audit?.open();
      if (exceptions) await exceptions.load().catch(() => undefined);
    },
    async attach(state) {
      attach(state);
      await exceptions?.load().catch(() => undefined);
    },
    async close() {
      await audit?.close();
    },
    async audited(caller, path, body, run) {
      const a = needAudit();
      await a.ready();
      const event = { action: `route:${path.slice(0, 200)}` as const, target: path.slice(0, 200) };
      const digest = body === undefined ? undefined : contentDigest(body);
      let answer: unknown;
      try {
        answer = await run();
      } catch (e) {
        const err = e instanceof ServerError ? e : undefined;
        await a.record(caller, {
          ...event,
          outcome: err && err.status < 500 ? 'refused' : 'failed',
          code: err?.code ?? 'server/internal',
          ...(digest ? { digest } : {}),
        });
        throw e;
      }
      await a.record(caller, { ...event, outcome: 'ok', ...(digest ? { digest } : {}) });
      return answer;
    },
    async handle(req, path, query) {
      const caller = await authorize(req, path);
      checkQuery(path, query);
      switch (path) {
        case '/v1/admin/killswitch':
          return auditedKillSwitch(deps.kills, needAudit(), caller, await json(req));
        case '/v1/admin/killswitches':
          return listKillSwitches(deps.kills);
        case '/v1/admin/logs':
          if (!logs) throw notConfigured('log queries');
          return logs.query(query);
        case '/v1/admin/logs/stats':
          if (!logs) throw notConfigured('log stats');
          return logs.stats(query);
      }
      if (path.startsWith('/v1/admin/exceptions')) {
        if (!runtime || !store) throw notConfigured('exceptions');
        needAudit();
        if (!exceptions) throw notConfigured('exceptions (a store with a directory, or `exceptionsPath`)');
        if (path === '/v1/admin/exceptions') return exceptions.list();
        const body = await json(req);
        return path === '/v1/admin/exceptions/grant'
          ? exceptions.grant(caller, body)
          : exceptions.revoke(caller, body);
      }
      if (!runtime || !store) throw notConfigured('bundle routes');
      needAudit();
      if (!bundles) throw notConfigured('bundle routes');
      switch (path) {
        case '/v1/admin/bundles':
          return bundles.list();
        case '/v1/admin/bundles/history':
          return bundles.history(query);
        case '/v1/admin/bundles/upload':
          return bundles.upload(caller, await submitted(req, caller, 'bundles.upload'));
        case '/v1/admin/bundles/verify':
          return bundles.verify(caller, await submitted(req, caller, 'bundles.verify'));
        case '/v1/admin/bundles/activate':
          return bundles.activate(caller, await json(req));
        case '/v1/admin/bundles/shadow':
          return bundles.shadow(caller, await json(req));
        case '/v1/admin/bundles/rollout':
          return bundles.rollout(caller, await json(req));
        case '/v1/admin/bundles/withdraw':
          return bundles.withdraw(caller, await json(req));
        case '/v1/admin/bundles/rollback':
          return bundles.rollback(caller, await json(req));
      }
      throw new ServerError('server/not-found', 404, `no route ${path}`);
    },
  };
}

/**
 * Query parameters each admin path accepts; the log routes check their own (many filters). Anything
 * else is refused, so a typo (`?limt=5`) is not silently ignored.
 */
const QUERY_PARAMS: Partial<Record<AdminPath, readonly string[] | 'own'>> = {
  '/v1/admin/bundles/history': ['limit'],
  '/v1/admin/logs': 'own',
  '/v1/admin/logs/stats': 'own',
};

function checkQuery(path: AdminPath, query: URLSearchParams): void {
  const allowed = QUERY_PARAMS[path] ?? [];
  if (allowed !== 'own') onlyQueryParams(query, allowed);
}

/** Default upload limit: real signed bundles are tens of KiB; this leaves room for detector data. */
export const DEFAULT_MAX_BUNDLE_BYTES = 8 * 1024 * 1024;
/** Bounds of the upload limit: below 64 KiB little real bundle fits; above 64 MiB no bundle parses. */
export const BUNDLE_LIMIT_RANGE = { min: 64 * 1024, max: MAX_BUNDLE_BYTES } as const;

/** The upload limit, defaulted and bounded; a bad value is a configuration error. */
function checkBundleLimit(n: number | undefined): number {
  if (n === undefined) return DEFAULT_MAX_BUNDLE_BYTES;
  if (!Number.isSafeInteger(n) || n < BUNDLE_LIMIT_RANGE.min || n > BUNDLE_LIMIT_RANGE.max)
    throw new ServerError(
      'server/config',
      500,
      `maxBundleBytes must be an integer from ${BUNDLE_LIMIT_RANGE.min} to ${BUNDLE_LIMIT_RANGE.max}, got ${n}`,
    );
  return n;
}
