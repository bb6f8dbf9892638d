/**
 * Exception administration. The server holds no granter key: a grant request carries a grant
 * already signed by an exception granter of the trusted governance (`rampart exceptions grant`
 * signs one, see docs/governance.md), and the server re-checks it exactly as `loadExceptions` does
 * (signature, unrevoked granter, the granter's `maxRisk`, the maximum duration for the rules'
 * current risk) plus that every waived rule exists in the active bundle and that the grant has not
 * expired. Verified grants are kept in `exceptions.json` in the state directory (the file the CLI
 * writes), or for `activation: postgres` instances in the shared PostgreSQL store the cluster node
 * passes in (`AdminState.exceptions`), and applied to decisions at once; revoking
 * removes a grant (stricter, so no signature). Whatever the store, grants are re-verified whenever
 * they are read, and a store that cannot be read leaves the grants last loaded in force (each still
 * stops applying at its expiry) while grant and revoke answer 503 `server/unavailable`.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../bundle/atomic-file.js';
import { bundleTexts } from '../../bundle/bundle-format.js';
import { isBundleError } from '../../bundle/errors.js';
import {
  EXCEPTIONS_FORMAT,
  grantsAfterAdding,
  loadExceptions,
  ruleRiskFromView,
  type SignedExceptionGrant,
  serializeExceptions,
} from '../../bundle/exceptions.js';
import type { Governance } from '../../bundle/governance.js';
import type { PolicyRuntime } from '../../bundle/policy-runtime.js';
import { readPolicyView } from '../../bundle/policy-view.js';
import type { ExceptionGrant } from '../../policy/types.js';
import type { Caller } from '../auth.js';
import { ServerError } from '../errors.js';
import { type AdminAudit, contentDigest } from './audit.js';
import { asServerError, objectBody, onlyKeys, requiredString } from './input.js';

/** Where the grants in force go: the decider applies them to every decision. */
export type ExceptionsTarget = (grants: readonly ExceptionGrant[] | undefined) => void;

/**
 * Where grants are kept. `read` returns the text of an exceptions file (undefined: none yet); `add`
 * and `remove` get the verified grants just read, for a store that rewrites them all. `add` also
 * drops grants expired for longer than `EXPIRED_GRANT_KEEP_MS` (30 days) at `now`.
 */
export interface ExceptionsBackend {
  read(): Promise<string | undefined>;
  add(grant: SignedExceptionGrant, verified: readonly SignedExceptionGrant[], now: Date): Promise<void>;
  /** False when the store holds no grant `id` (another instance may have revoked it first). */
  remove(id: string, rest: readonly SignedExceptionGrant[]): Promise<boolean>;
}

/** A store shared by several instances: it also tells the admin of each when to re-read. */
export interface SharedExceptionsBackend extends ExceptionsBackend {
  /** Called once by the admin that uses it, with the function that re-reads and applies the grants. */
  bind(reload: () => Promise<unknown>): void;
}

/** `exceptions.json` of a state directory, rewritten whole (one writer per process). */
export function fileExceptionsBackend(path: string): ExceptionsBackend {
  return {
    read: () =>
      readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw e;
      }),
    add: (grant, verified, now) =>
      writeFileAtomic(path, serializeExceptions(grantsAfterAdding(verified, grant, now))),
    async remove(id, rest) {
      await writeFileAtomic(path, serializeExceptions(rest.filter((g) => g.grant.id !== id)));
      return true;
    },
  };
}

/**
 * The checks a submitted grant passes before it is stored, wherever it comes from (the admin API,
 * `rampart exceptions grant` against a shared store): verified exactly as `loadExceptions` does,
 * every waived rule in the active bundle, not yet expired. Throws a `ServerError` (422) with the
 * stable code of the first failure.
 */
export function admitGrant(
  env: unknown,
  opts: { governance: Governance; now: Date; ruleRisk: (id: string) => string | undefined },
): SignedExceptionGrant {
  const loaded = loadExceptions(JSON.stringify({ format: EXCEPTIONS_FORMAT, grants: [env] }), opts);
  const bad = loaded.rejected[0];
  if (bad) throw new ServerError(bad.code, 422, bad.message);
  const ok = loaded.verified[0] as SignedExceptionGrant;
  const unknown = ok.grant.rules.filter((r) => opts.ruleRisk(r) === undefined);
  if (unknown.length > 0)
    throw new ServerError(
      'exception/unknown-rule',
      422,
      `the active bundle has no rule ${unknown.join(', ')}`,
    );
  if (loaded.active.length === 0)
    throw new ServerError('exception/expired', 422, `grant ${ok.grant.id} expired at ${ok.grant.expires}`);
  return ok;
}

/**
 * A store that cannot be reached is the server's 503, not a verdict on the grant. The driver's
 * message (hosts, ports) stays out of the answer, as for the evidence store; `/readyz` has it.
 */
function unavailable(e: unknown): unknown {
  if (isBundleError(e) && e.code === 'source/fetch-failed')
    return new ServerError(
      'server/unavailable',
      503,
      'the exceptions store is unavailable; the grants last loaded stay in force until they expire',
    );
  return e;
}

/** See the file comment. */
export class ExceptionsAdmin {
  private verified: SignedExceptionGrant[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly backend: ExceptionsBackend;

  constructor(
    /** `exceptions.json` of a state directory, or a shared store (a cluster's PostgreSQL grants). */
    source: string | SharedExceptionsBackend,
    private readonly runtime: PolicyRuntime,
    private readonly audit: AdminAudit,
    private readonly apply: ExceptionsTarget,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (typeof source === 'string') this.backend = fileExceptionsBackend(source);
    else {
      source.bind(() => this.load());
      this.backend = source;
    }
  }

  private ruleRisk(): ((id: string) => string | undefined) | undefined {
    const bundle = this.runtime.current().bundle;
    return bundle ? ruleRiskFromView(readPolicyView(bundleTexts(bundle))) : undefined;
  }

  /** Loads the file (grants failing verification are dropped, never applied) and applies what is in force. */
  async load(): Promise<{ rejected: number }> {
    // Unreadable: throws before anything changes, so the grants last loaded stay in force.
    const text = await this.backend.read().catch((e: unknown) => {
      throw unavailable(e);
    });
    if (text === undefined) {
      this.verified = [];
      this.publish();
      return { rejected: 0 };
    }
    const ruleRisk = this.ruleRisk();
    const loaded = loadExceptions(text, {
      governance: this.runtime.governance(),
      now: this.now(),
      ...(ruleRisk ? { ruleRisk } : {}),
    });
    this.verified = loaded.verified;
    this.publish();
    return { rejected: loaded.rejected.length };
  }

  private publish(): void {
    const t = this.now().getTime();
    const active = this.verified.filter((g) => Date.parse(g.grant.expires) > t).map((g) => g.grant);
    // `undefined` when none: the decide path then passes no exceptions at all.
    this.apply(active.length > 0 ? active : undefined);
  }

  /** Serialises changes to the file (one writer per process). */
  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** `POST /v1/admin/exceptions/grant {grant: <signed grant envelope>}`. */
  async grant(caller: Caller, body: unknown) {
    const b = objectBody(body, '{"grant": {"grant", "risk", "review", "keyId", "signature"}}');
    onlyKeys(b, ['grant']);
    const env = objectBody(b.grant, '{"grant": <a signed grant from `rampart exceptions grant`>}');
    const id = (env.grant as { id?: unknown } | undefined)?.id;
    const target = typeof id === 'string' ? id.slice(0, 100) : '(malformed grant)';
    // The digest covers the whole envelope, signature included: the exact grant submitted.
    const digest = contentDigest(env);
    await this.audit.ready();
    try {
      const result = await this.exclusive(() => this.admit(env));
      await this.audit.record(caller, {
        action: 'exceptions.grant',
        target,
        outcome: 'ok',
        digest,
        reason: result.grant.reason,
        detail: {
          rules: result.grant.rules,
          granter: result.grant.granter,
          expires: result.grant.expires,
          risk: result.risk,
        },
      });
      return { granted: result.grant, risk: result.risk, review: result.review };
    } catch (e) {
      const err = asServerError(e);
      await this.audit.record(caller, {
        action: 'exceptions.grant',
        target,
        outcome: 'refused',
        code: err.code,
        digest,
      });
      throw err;
    }
  }

  private async admit(env: Record<string, unknown>): Promise<SignedExceptionGrant> {
    await this.load();
    const ruleRisk = this.ruleRisk();
    if (!ruleRisk)
      throw new ServerError(
        'exception/unknown-rule',
        422,
        'no bundle is active (the safe baseline decides), so there are no rules to waive',
      );
    const ok = admitGrant(env, { governance: this.runtime.governance(), now: this.now(), ruleRisk });
    if (!this.verified.some((g) => g.grant.id === ok.grant.id)) {
      const now = this.now();
      await this.backend.add(ok, this.verified, now).catch((e: unknown) => {
        throw unavailable(e);
      });
      this.verified = grantsAfterAdding(this.verified, ok, now);
    }
    this.publish();
    return ok;
  }

  /** `POST /v1/admin/exceptions/revoke {id, reason}`. */
  async revoke(caller: Caller, body: unknown) {
    const b = objectBody(body, '{"id", "reason"}');
    onlyKeys(b, ['id', 'reason']);
    const id = requiredString(b, 'id', 100);
    const reason = requiredString(b, 'reason');
    await this.audit.ready();
    try {
      const removed = await this.exclusive(async () => {
        await this.load();
        const found = this.verified.find((g) => g.grant.id === id);
        if (!found) throw new ServerError('exception/not-found', 404, `no grant ${id}`);
        const rest = this.verified.filter((g) => g !== found);
        const removed = await this.backend.remove(id, rest).catch((e: unknown) => {
          throw unavailable(e);
        });
        // Gone already: revoked on another instance between our read and our delete.
        if (!removed) throw new ServerError('exception/not-found', 404, `no grant ${id}`);
        this.verified = rest;
        this.publish();
        return found;
      });
      await this.audit.record(caller, {
        action: 'exceptions.revoke',
        target: id,
        outcome: 'ok',
        digest: contentDigest(removed),
        reason,
        detail: { rules: removed.grant.rules },
      });
      return { revoked: id };
    } catch (e) {
      const err = asServerError(e);
      await this.audit.record(caller, {
        action: 'exceptions.revoke',
        target: id,
        outcome: 'refused',
        code: err.code,
        reason,
      });
      throw err;
    }
  }

  /** `GET /v1/admin/exceptions`: grants in force (expired ones are counted, not listed). */
  async list(): Promise<{ grants: unknown[]; expired: number; stale?: string }> {
    let stale: string | undefined;
    try {
      await this.exclusive(() => this.load());
    } catch (e) {
      const err = asServerError(e);
      // The store is away: answer with the grants this instance still applies, marked as such,
      // rather than hiding them during the outage they matter most in.
      if (!(err instanceof ServerError && err.code === 'server/unavailable')) throw err;
      stale =
        'the exceptions store is unavailable: these are the grants this instance loaded last, applied until they expire';
    }
    const t = this.now().getTime();
    const live = this.verified.filter((g) => Date.parse(g.grant.expires) > t);
    return {
      grants: live.map((g) => ({ ...g.grant, risk: g.risk, review: g.review, keyId: g.keyId })),
      expired: this.verified.length - live.length,
      ...(stale !== undefined ? { stale } : {}),
    };
  }
}
