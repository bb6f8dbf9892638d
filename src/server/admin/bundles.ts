/**
 * Bundle administration over the activation state directory the server follows: upload (verify
 * against the trusted governance, compile, store), verify only, activate, stage as shadow or cohort
 * rollout, withdraw, roll back, list and history. Persistence and history go through
 * `ActivationStore` (the same code as `rampart activate / shadow / rollback`), and the running
 * `PolicyRuntime` is offered the same bytes at once, so the change is in force when the answer is
 * sent (the directory watcher then sees a digest it already has and does nothing).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActivationEntry } from '../../bundle/activation-history.js';
import type { ActorMeta, StoredBundle } from '../../bundle/activation-store.js';
import { writeFileAtomic } from '../../bundle/atomic-file.js';
import { type Bundle, parseBundle, serializeBundle } from '../../bundle/bundle-format.js';
import { compileBundle } from '../../bundle/bundle-policy.js';
import type { BundleErrorCode } from '../../bundle/errors.js';
import {
  type CandidateStage,
  type OfferResult,
  type PolicyRuntime,
  safeBaselineMarker,
} from '../../bundle/policy-runtime.js';
import { type VerifiedBundle, verifyBundle } from '../../bundle/verify-bundle.js';
import type { Caller } from '../auth.js';
import { ServerError } from '../errors.js';
import type { AdminAudit } from './audit.js';
import {
  asServerError,
  digestField,
  invalid,
  objectBody,
  onlyKeys,
  optionalString,
  requiredString,
  stringList,
} from './input.js';

/** What verification of an uploaded bundle proved. */
export interface BundleSummary {
  name: string;
  version: string;
  digest: string;
  parent: string | null;
  approvers: string[];
  required: number;
  loosening: string[];
}

const SOURCE = 'admin-api';

/**
 * What the bundle routes need from an activation store: the file `ActivationStore` of a state
 * directory and the PostgreSQL `PgActivationStore` of a cluster both fit.
 */
export interface AdminBundleStore {
  activate(data: string, meta: ActorMeta, source?: string): Promise<VerifiedBundle>;
  stage(data: string, stage: CandidateStage, meta: ActorMeta, source?: string): Promise<VerifiedBundle>;
  withdraw(meta: ActorMeta): Promise<boolean>;
  rollback(to: string, meta: ActorMeta): Promise<{ name: string; version: string; digest: string }>;
  list(): Promise<StoredBundle[]>;
  activeBundle(): Promise<Bundle | undefined>;
  readonly history: { read(): Promise<ActivationEntry[]> };
  /** A file store's directory: uploads are kept in its `bundles/` beside the activated ones. */
  readonly dir?: string;
  /** A database store: the stored text of an activated or staged bundle. */
  bundleText?(digest: string): Promise<string | undefined>;
}

/** Uploads kept in memory when the store has no directory (most recent first out beyond this). */
const MAX_MEMORY_UPLOADS = 32;

/** The bundle routes' state: the runtime that enforces and the directory that persists. */
export class BundleAdmin {
  constructor(
    private readonly runtime: PolicyRuntime,
    private readonly store: AdminBundleStore,
    private readonly audit: AdminAudit,
  ) {}

  /** Uploads not yet activated or staged, when the store has no directory (this process only). */
  private readonly uploads = new Map<string, string>();

  private path(dir: string, digest: string): string {
    return join(dir, 'bundles', `${digest.slice('sha256:'.length)}.json`);
  }

  private async lookup(digest: string): Promise<string | undefined> {
    const dir = this.store.dir;
    if (dir !== undefined) return readFile(this.path(dir, digest), 'utf8').catch(() => undefined);
    return this.uploads.get(digest) ?? (await this.store.bundleText?.(digest));
  }

  private async stored(digest: string): Promise<string> {
    const text = await this.lookup(digest);
    if (text === undefined)
      throw new ServerError('bundle/not-found', 404, `no uploaded bundle ${digest}; upload it first`);
    return text;
  }

  private async keep(bundle: Bundle): Promise<void> {
    const dir = this.store.dir;
    if (dir !== undefined) {
      await mkdir(join(dir, 'bundles'), { recursive: true });
      await writeFileAtomic(this.path(dir, bundle.digest), serializeBundle(bundle));
      return;
    }
    this.uploads.delete(bundle.digest);
    this.uploads.set(bundle.digest, serializeBundle(bundle));
    if (this.uploads.size > MAX_MEMORY_UPLOADS)
      this.uploads.delete(this.uploads.keys().next().value as string);
  }

  /** Parses, verifies against the trusted governance (and its parent when stored) and compiles. */
  private async check(bytes: Buffer | string): Promise<{ bundle: Bundle; summary: BundleSummary }> {
    const bundle = parseBundle(bytes);
    const parentDigest = bundle.manifest.parent;
    const parentText = parentDigest ? await this.lookup(parentDigest) : undefined;
    const parent = parentText === undefined ? undefined : parseBundle(parentText);
    const verified = verifyBundle(bundle, {
      governance: this.runtime.governance(),
      ...(parent ? { parent } : {}),
    });
    compileBundle(bundle);
    return {
      bundle,
      summary: {
        name: bundle.manifest.name,
        version: bundle.manifest.version,
        digest: bundle.digest,
        parent: parentDigest ?? null,
        approvers: verified.approvers,
        required: verified.required,
        loosening: verified.loosening,
      },
    };
  }

  /** `POST /v1/admin/bundles/verify`: the verdict only, nothing stored. */
  async verify(caller: Caller, bytes: Buffer): Promise<{ valid: true } & BundleSummary> {
    await this.audit.ready();
    try {
      const { summary } = await this.check(bytes);
      await this.audit.record(caller, {
        action: 'bundles.verify',
        target: summary.digest,
        outcome: 'ok',
        digest: summary.digest,
      });
      return { valid: true, ...summary };
    } catch (e) {
      throw await this.refused(caller, 'bundles.verify', bytes, e);
    }
  }

  /** `POST /v1/admin/bundles/upload`: verified bundles are stored for activate, shadow and rollout. */
  async upload(caller: Caller, bytes: Buffer): Promise<{ stored: true } & BundleSummary> {
    await this.audit.ready();
    let summary: BundleSummary;
    try {
      const checked = await this.check(bytes);
      summary = checked.summary;
      await this.keep(checked.bundle);
    } catch (e) {
      throw await this.refused(caller, 'bundles.upload', bytes, e);
    }
    await this.audit.record(caller, {
      action: 'bundles.upload',
      target: `${summary.name}@${summary.version}`,
      outcome: 'ok',
      digest: summary.digest,
      detail: { approvers: summary.approvers },
    });
    return { stored: true, ...summary };
  }

  /** Records a refused upload or verify under the digest of the submitted bytes, and returns the HTTP error. */
  private async refused(
    caller: Caller,
    action: 'bundles.upload' | 'bundles.verify',
    bytes: Buffer,
    e: unknown,
  ) {
    const err = asServerError(e);
    await this.audit.record(caller, {
      action,
      target: '(submitted bundle)',
      outcome: 'refused',
      code: err.code,
      digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
    });
    return err;
  }

  /** `POST /v1/admin/bundles/activate {digest, reason}`. */
  async activate(caller: Caller, body: unknown) {
    const b = objectBody(body, '{"digest", "reason"}');
    onlyKeys(b, ['digest', 'reason']);
    const digest = digestField(b);
    const reason = requiredString(b, 'reason');
    return this.act(caller, 'bundles.activate', digest, reason, {}, async () => {
      const text = await this.stored(digest);
      const v = await this.store.activate(text, { actor: caller.id, reason }, SOURCE);
      expectApplied(
        await this.runtime.offer(text, { source: SOURCE, actor: caller.id, reason, action: 'activate' }),
      );
      return { active: { name: v.bundle.manifest.name, version: v.bundle.manifest.version, digest } };
    });
  }

  /** `POST /v1/admin/bundles/shadow {digest, reason}`: the candidate decides beside the active policy. */
  async shadow(caller: Caller, body: unknown) {
    const b = objectBody(body, '{"digest", "reason"}');
    onlyKeys(b, ['digest', 'reason']);
    return this.stage(caller, 'bundles.shadow', digestField(b), requiredString(b, 'reason'), {
      mode: 'shadow',
    });
  }

  /** `POST /v1/admin/bundles/rollout {digest, reason, percent?, hashBy?, cohorts?, tenants?, principals?}`. */
  async rollout(caller: Caller, body: unknown) {
    const b = objectBody(
      body,
      '{"digest", "reason", "percent"?, "hashBy"?, "cohorts"?, "tenants"?, "principals"?}',
    );
    onlyKeys(b, ['digest', 'reason', 'percent', 'hashBy', 'cohorts', 'tenants', 'principals', 'salt']);
    const stage: CandidateStage = { mode: 'rollout' };
    if (b.percent !== undefined) {
      if (typeof b.percent !== 'number' || !(b.percent >= 0 && b.percent <= 100))
        throw invalid('`percent` must be a number from 0 to 100');
      stage.percent = b.percent;
    }
    if (b.hashBy !== undefined) {
      if (b.hashBy !== 'tenant' && b.hashBy !== 'principal')
        throw invalid('`hashBy` must be tenant or principal');
      stage.hashBy = b.hashBy;
    }
    for (const key of ['cohorts', 'tenants', 'principals'] as const) {
      const list = stringList(b, key);
      if (list) stage[key] = list;
    }
    const salt = optionalString(b, 'salt', 200);
    if (salt !== undefined) stage.salt = salt;
    if (!stage.percent && !stage.cohorts?.length && !stage.tenants?.length && !stage.principals?.length)
      throw invalid('a rollout needs `percent` above 0, or `cohorts`, `tenants` or `principals`');
    return this.stage(caller, 'bundles.rollout', digestField(b), requiredString(b, 'reason'), stage);
  }

  private stage(
    caller: Caller,
    action: 'bundles.shadow' | 'bundles.rollout',
    digest: string,
    reason: string,
    stage: CandidateStage,
  ) {
    const detail: Record<string, string | number | string[]> = { mode: stage.mode };
    if (stage.percent !== undefined) detail.percent = stage.percent;
    if (stage.hashBy) detail.hashBy = stage.hashBy;
    if (stage.cohorts) detail.cohorts = stage.cohorts;
    if (stage.tenants) detail.tenants = stage.tenants.length;
    if (stage.principals) detail.principals = stage.principals.length;
    return this.act(caller, action, digest, reason, detail, async () => {
      const text = await this.stored(digest);
      const meta = { actor: caller.id, reason };
      const v = await this.store.stage(text, stage, meta, SOURCE);
      expectApplied(await this.runtime.offerCandidate(text, stage, { source: SOURCE, ...meta }));
      return {
        candidate: {
          name: v.bundle.manifest.name,
          version: v.bundle.manifest.version,
          digest,
          stage,
        },
      };
    });
  }

  /** `POST /v1/admin/bundles/withdraw {reason}`: ends a shadow or rollout without promoting it. */
  async withdraw(caller: Caller, body: unknown) {
    const b = objectBody(body, '{"reason"}');
    onlyKeys(b, ['reason']);
    const reason = requiredString(b, 'reason');
    const staged = this.runtime.candidate()?.policy.digest ?? '(none)';
    return this.act(caller, 'bundles.withdraw', staged, reason, {}, async () => {
      const meta = { actor: caller.id, reason };
      const withdrawn = await this.store.withdraw(meta);
      await this.runtime.clearCandidate({ source: SOURCE, ...meta });
      return { withdrawn };
    });
  }

  /** `POST /v1/admin/bundles/rollback {to, reason}`: a stored version or digest, or `safe-baseline`. */
  async rollback(caller: Caller, body: unknown) {
    const b = objectBody(body, '{"to", "reason"}');
    onlyKeys(b, ['to', 'reason']);
    const to = requiredString(b, 'to', 200);
    const reason = requiredString(b, 'reason');
    return this.act(caller, 'bundles.rollback', to, reason, {}, async () => {
      const meta = { actor: caller.id, reason };
      const target = await this.store.rollback(to, meta);
      const active = await this.store.activeBundle();
      const text = active ? serializeBundle(active) : safeBaselineMarker(reason, new Date());
      expectApplied(await this.runtime.offer(text, { source: SOURCE, ...meta, action: 'rollback' }));
      return { active: target };
    });
  }

  /**
   * Runs one state-changing action: the audit log must be writable first; a refusal is recorded
   * with its code, a success with the action's target and digest.
   */
  private async act<T>(
    caller: Caller,
    action:
      | 'bundles.activate'
      | 'bundles.shadow'
      | 'bundles.rollout'
      | 'bundles.withdraw'
      | 'bundles.rollback',
    target: string,
    reason: string,
    detail: Record<string, string | number | boolean | string[]>,
    run: () => Promise<T>,
  ): Promise<T> {
    await this.audit.ready();
    let result: T;
    try {
      result = await run();
    } catch (e) {
      const err = asServerError(e);
      await this.audit.record(caller, {
        action,
        target,
        outcome: err.status >= 500 ? 'failed' : 'refused',
        code: err.code,
        reason,
        detail,
      });
      throw err;
    }
    const digest = /^sha256:[0-9a-f]{64}$/.test(target) ? target : undefined;
    const active = (result as { active?: { digest?: string } }).active?.digest;
    await this.audit.record(caller, {
      action,
      target,
      outcome: 'ok',
      ...((digest ?? active) ? { digest: (digest ?? active) as string } : {}),
      reason,
      detail,
    });
    return result;
  }

  /** `GET /v1/admin/bundles`: what enforces, what is staged, and every stored bundle. */
  async list() {
    const active = this.runtime.current();
    const staged = this.runtime.candidate();
    return {
      active: { kind: active.kind, name: active.name, version: active.version, digest: active.digest },
      candidate: staged
        ? {
            name: staged.policy.name,
            version: staged.policy.version,
            digest: staged.policy.digest,
            stage: staged.stage,
          }
        : null,
      bundles: await this.store.list(),
    };
  }

  /** `GET /v1/admin/bundles/history?limit=N`: the newest N activation history entries, oldest first. */
  async history(query: URLSearchParams) {
    const raw = query.get('limit') ?? '100';
    if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1)
      throw new ServerError('server/invalid-request', 422, '`limit` must be a positive integer');
    try {
      const entries = await this.store.history.read();
      return { entries: entries.slice(-Number(raw)) };
    } catch (e) {
      throw asServerError(e);
    }
  }
}

/** The runtime refused what the store accepted (it verifies again): report the runtime's code. */
function expectApplied(result: OfferResult): void {
  if (result.status === 'rejected')
    throw new ServerError(
      result.error.code as BundleErrorCode,
      422,
      `the running policy refused the bundle: ${result.error.message}`,
    );
}
