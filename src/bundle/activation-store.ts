/**
 * A local activation state directory, the operator's side of rollout and rollback:
 *
 *   <state>/bundles/<digest-hex>.json   every bundle ever activated (kept for rollback)
 *   <state>/active.json                 the active bundle, or the safe-baseline marker
 *   <state>/history.json                activation history (who, when, why, digest)
 *
 * Running services watch `active.json` (`watchBundleFile`), so `rampart activate` and
 * `rampart rollback` take effect everywhere that mounts the directory, after the same verification.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ActivationHistory } from './activation-history.js';
import { writeFileAtomic } from './atomic-file.js';
import { type Bundle, parseBundle, serializeBundle } from './bundle-format.js';
import { compileBundle } from './bundle-policy.js';
import { BundleError } from './errors.js';
import type { Governance } from './governance.js';
import { type CandidateStage, isSafeBaselineMarker, safeBaselineMarker } from './policy-runtime.js';
import { validateRolloutPlan } from './rollout.js';

/** The format tag of `candidate.json`. */
export const CANDIDATE_FORMAT = 'rampart.candidate/v1';

/** What `candidate.json` holds: the staged bundle's digest and how it runs. */
export interface CandidateFile {
  format: typeof CANDIDATE_FORMAT;
  digest: string;
  stage: CandidateStage;
}

import { SAFE_BASELINE_DIGEST } from './safe-baseline.js';
import { type VerifiedBundle, verifyBundle } from './verify-bundle.js';

/** Who acts and why; both are recorded. */
export interface ActorMeta {
  actor: string;
  reason: string;
  now?: Date;
}

/** A stored bundle, summarised. */
export interface StoredBundle {
  name: string;
  version: string;
  digest: string;
  createdAt: string;
  active: boolean;
}

/** Refuses a stage whose rollout audience is malformed (before anything is stored); shared by every store. */
export function checkCandidateStage(stage: CandidateStage): void {
  if (stage.mode !== 'rollout') return;
  const { mode: _m, salt: _s, ...who } = stage;
  validateRolloutPlan({ stable: null, salt: '', stages: [{ name: 'rollout', policy: null, ...who }] });
}

/** Verifies a bundle under `governance` (against its parent when the store holds it) and proves it compiles. */
export function verifyAndCompileBundle(
  bundle: Bundle,
  governance: Governance,
  parent: Bundle | undefined,
): VerifiedBundle {
  const verified = verifyBundle(bundle, { governance, ...(parent ? { parent } : {}) });
  compileBundle(bundle);
  return verified;
}

/** See the file comment. */
export class ActivationStore {
  readonly history: ActivationHistory;
  constructor(
    readonly dir: string,
    private readonly governance: Governance,
  ) {
    this.history = new ActivationHistory(join(dir, 'history.json'));
  }

  /** Path of the staged candidate (shadow or rollout). */
  get candidatePath(): string {
    return join(this.dir, 'candidate.json');
  }

  /** Verifies and stages a bundle for shadow evaluation or a cohort rollout beside the active one. */
  async stage(
    data: string | Uint8Array,
    stage: CandidateStage,
    meta: ActorMeta,
    source = 'cli',
  ): Promise<VerifiedBundle> {
    const bundle = parseBundle(data);
    checkCandidateStage(stage);
    const verified = await this.verifyAndCompile(bundle);
    await mkdir(join(this.dir, 'bundles'), { recursive: true });
    await writeFileAtomic(this.bundlePath(bundle.digest), serializeBundle(bundle));
    const file: CandidateFile = { format: CANDIDATE_FORMAT, digest: bundle.digest, stage };
    await writeFileAtomic(this.candidatePath, `${JSON.stringify(file, null, 2)}\n`);
    await this.history.append({
      at: (meta.now ?? new Date()).toISOString(),
      action: stage.mode,
      name: bundle.manifest.name,
      version: bundle.manifest.version,
      digest: bundle.digest,
      actor: meta.actor,
      reason: meta.reason,
      source,
    });
    return verified;
  }

  /** Ends a shadow or rollout without promoting it; false when nothing was staged. */
  async withdraw(meta: ActorMeta): Promise<boolean> {
    const text = await readFile(this.candidatePath, 'utf8').catch(() => undefined);
    if (text === undefined) return false;
    await rm(this.candidatePath, { force: true });
    let digest = '';
    try {
      digest = (JSON.parse(text) as Partial<CandidateFile>).digest ?? '';
    } catch {
      // a damaged candidate file is removed all the same
    }
    await this.history.append({
      at: (meta.now ?? new Date()).toISOString(),
      action: 'withdraw',
      name: '',
      version: '',
      digest,
      actor: meta.actor,
      reason: meta.reason,
      source: 'cli',
    });
    return true;
  }

  /** Path services watch. */
  get activePath(): string {
    return join(this.dir, 'active.json');
  }

  private bundlePath(digest: string): string {
    return join(this.dir, 'bundles', `${digest.replace(/^sha256:/, '')}.json`);
  }

  /** The active bundle, or undefined when the safe baseline (or nothing) is active. */
  async activeBundle(): Promise<Bundle | undefined> {
    const text = await readFile(this.activePath, 'utf8').catch(() => undefined);
    if (text === undefined || isSafeBaselineMarker(text)) return undefined;
    return parseBundle(text);
  }

  /** Every stored bundle, newest first. */
  async list(): Promise<StoredBundle[]> {
    const names = await readdir(join(this.dir, 'bundles')).catch(() => [] as string[]);
    const active = await this.activeBundle().catch(() => undefined);
    const out: StoredBundle[] = [];
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      try {
        const b = parseBundle(await readFile(join(this.dir, 'bundles', name), 'utf8'));
        out.push({
          name: b.manifest.name,
          version: b.manifest.version,
          digest: b.digest,
          createdAt: b.manifest.createdAt,
          active: b.digest === active?.digest,
        });
      } catch {
        // a damaged stored bundle is skipped here and refused if anyone tries to roll back to it
      }
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  private async verifyAndCompile(bundle: Bundle): Promise<VerifiedBundle> {
    let parent: Bundle | undefined;
    if (bundle.manifest.parent) {
      parent = await readFile(this.bundlePath(bundle.manifest.parent), 'utf8')
        .then((t) => parseBundle(t))
        .catch(() => undefined);
    }
    return verifyAndCompileBundle(bundle, this.governance, parent);
  }

  private async install(
    bundle: Bundle,
    action: 'activate' | 'rollback',
    meta: ActorMeta,
    source: string,
  ): Promise<void> {
    await mkdir(join(this.dir, 'bundles'), { recursive: true });
    const text = serializeBundle(bundle);
    await writeFileAtomic(this.bundlePath(bundle.digest), text);
    await writeFileAtomic(this.activePath, text);
    // Promoting (or rolling back to) the staged bundle ends its shadow or rollout.
    const staged = await readFile(this.candidatePath, 'utf8').catch(() => undefined);
    if (staged?.includes(bundle.digest)) await rm(this.candidatePath, { force: true });
    await this.history.append({
      at: (meta.now ?? new Date()).toISOString(),
      action,
      name: bundle.manifest.name,
      version: bundle.manifest.version,
      digest: bundle.digest,
      actor: meta.actor,
      reason: meta.reason,
      source,
    });
  }

  /** Verifies, compiles and activates a bundle. Throws `BundleError`/`PolicyLoadError` and changes nothing on failure. */
  async activate(data: string | Uint8Array, meta: ActorMeta, source = 'cli'): Promise<VerifiedBundle> {
    const bundle = parseBundle(data);
    const verified = await this.verifyAndCompile(bundle);
    await this.install(bundle, 'activate', meta, source);
    return verified;
  }

  /**
   * Re-activates a stored bundle by version or digest (re-verified under today's governance, so a
   * bundle signed by a since-revoked key is refused), or the safe baseline.
   */
  async rollback(to: string, meta: ActorMeta): Promise<{ name: string; version: string; digest: string }> {
    const at = (meta.now ?? new Date()).toISOString();
    if (to === 'safe-baseline') {
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(this.activePath, safeBaselineMarker(meta.reason, meta.now ?? new Date()));
      const entry = { name: 'rampart-safe-baseline', version: '0.0.0-safe', digest: SAFE_BASELINE_DIGEST };
      await this.history.append({
        at,
        action: 'rollback',
        ...entry,
        actor: meta.actor,
        reason: meta.reason,
        source: 'cli',
      });
      return entry;
    }
    const matches = (await this.list()).filter(
      (b) => b.version === to || b.digest === to || b.digest === `sha256:${to}`,
    );
    if (matches.length === 0)
      throw new BundleError(
        'bundle/not-found',
        `no stored bundle with version or digest ${JSON.stringify(to)} in ${this.dir}`,
      );
    if (matches.length > 1)
      throw new BundleError(
        'bundle/not-found',
        `version ${to} matches ${matches.length} bundles; give the digest instead`,
      );
    const target = matches[0] as StoredBundle;
    const bundle = parseBundle(await readFile(this.bundlePath(target.digest), 'utf8'));
    // A rollback target is re-verified on its own: its parent may be long gone.
    verifyAndCompileBundle(bundle, this.governance, undefined);
    await this.install(bundle, 'rollback', meta, 'cli');
    return { name: bundle.manifest.name, version: bundle.manifest.version, digest: bundle.digest };
  }
}
