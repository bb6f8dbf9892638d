/**
 * The active policy of a running process, with hot reload. Every candidate bundle is parsed,
 * verified against trusted governance and compiled before one reference swap makes it active, so a
 * decision always sees one whole policy. A bad candidate leaves the last-known-good policy active
 * and raises a `rejected` event; with no good bundle at all the safe baseline is active.
 */
import { EventEmitter } from 'node:events';
import type { CompiledPolicy } from '../engine/compiled-policy.js';
import type { DecisionRequest } from '../policy/types.js';
import type { ActivationEntry, ActivationHistory } from './activation-history.js';
import { type Bundle, fileText, parseBundle } from './bundle-format.js';
import { compileBundle } from './bundle-policy.js';
import { isBundleError } from './errors.js';
import { type Governance, parseGovernance } from './governance.js';
import { type RolloutStage, selectPolicy } from './rollout.js';
import { compiledSafeBaseline, SAFE_BASELINE_DIGEST } from './safe-baseline.js';
import { verifyBundle } from './verify-bundle.js';

/** The format tag of a document that deliberately selects the safe baseline (written by `rampart rollback --to safe-baseline`). */
export const SAFE_BASELINE_MARKER = 'rampart.safe-baseline/v1';

/** The policy decisions are made with right now. */
export interface ActivePolicy {
  kind: 'bundle' | 'safe-baseline';
  compiled: CompiledPolicy;
  name: string;
  version: string;
  digest: string;
  bundle?: Bundle;
  activatedAt: string;
}

/** Who offers a candidate and why; recorded in the history. */
export interface OfferMeta {
  source: string;
  actor?: string;
  reason?: string;
  action?: 'activate' | 'rollback';
}

/** How a candidate bundle runs beside the active one. */
export interface CandidateStage {
  /** `shadow`: decides beside the active policy, never enforces. `rollout`: enforces for its cohort. */
  mode: 'shadow' | 'rollout';
  percent?: number;
  hashBy?: 'tenant' | 'principal';
  cohorts?: string[];
  tenants?: string[];
  principals?: string[];
  /** Hash salt; defaults to the candidate's digest so each rollout reshuffles. */
  salt?: string;
}

/** The policies one request is decided with. */
export interface PolicySelection {
  /** Enforces. */
  policy: ActivePolicy;
  /** Evaluated beside it, never enforcing (record divergences with `evaluateShadow`). */
  shadow?: ActivePolicy;
  /** Cohort for the decision record: `stable`, or `rollout` when the candidate was picked. */
  cohort: string;
}

/** Outcome of offering a candidate. */
export type OfferResult =
  | { status: 'activated'; active: ActivePolicy }
  | { status: 'unchanged'; active: ActivePolicy }
  | { status: 'rejected'; active: ActivePolicy; error: { code: string; message: string } };

/** The error signal: a candidate was refused and `active` stayed in force. */
export interface RejectedEvent {
  source: string;
  error: { code: string; message: string };
  active: ActivePolicy;
}

/** Options of a runtime. */
export interface PolicyRuntimeOptions {
  governance: Governance;
  /**
   * Rotate trust with the policy: after a bundle verified under the current governance is activated,
   * its own `governance.yaml` (in its entry directory) becomes the governance later bundles are
   * verified against. A bundle whose governance file is invalid is refused. Off by default.
   */
  followBundleGovernance?: boolean;
  /** Compiles a verified bundle; defaults to `compileBundle` (default detectors, RE2). */
  compile?: (bundle: Bundle) => CompiledPolicy;
  history?: ActivationHistory;
  now?: () => Date;
  /** Actor recorded when an offer names none (e.g. the service's name). */
  actor?: string;
}

/** Typed events of the runtime. */
export interface PolicyRuntimeEvents {
  activated: [active: ActivePolicy, previous: ActivePolicy];
  rejected: [event: RejectedEvent];
}

/** Holds the active policy; see the file comment. */
export class PolicyRuntime extends EventEmitter<PolicyRuntimeEvents> {
  private active: ActivePolicy;
  private staged: { policy: ActivePolicy; stage: CandidateStage } | undefined;
  private trusted: Governance;
  private readonly options: PolicyRuntimeOptions;
  /** Refused candidates since start (exported as a metric by the server). */
  rejections = 0;
  lastError: { code: string; message: string } | undefined;

  constructor(options: PolicyRuntimeOptions) {
    super();
    this.options = options;
    this.trusted = options.governance;
    this.active = this.safeBaseline();
  }

  /** The governance candidates are verified against now. */
  governance(): Governance {
    return this.trusted;
  }

  /** The policy in force; read it once per decision. */
  current(): ActivePolicy {
    return this.active;
  }

  /** The staged candidate (shadow or rollout), if any. */
  candidate(): { policy: ActivePolicy; stage: CandidateStage } | undefined {
    return this.staged;
  }

  /**
   * Picks the policies for one request: the active policy (or, in a rollout, the candidate for
   * requests in its cohort) and the shadow candidate. Pure and deterministic for a given state.
   */
  select(request: DecisionRequest): PolicySelection {
    const staged = this.staged;
    if (!staged) return { policy: this.active, cohort: 'stable' };
    if (staged.stage.mode === 'shadow')
      return { policy: this.active, shadow: staged.policy, cohort: 'stable' };
    const { mode: _mode, salt, ...who } = staged.stage;
    const stage: RolloutStage<ActivePolicy> = { name: 'rollout', policy: staged.policy, ...who };
    const choice = selectPolicy(
      { stable: this.active, salt: salt ?? staged.policy.digest, stages: [stage] },
      request,
    );
    return choice.cohort === 'rollout'
      ? { policy: staged.policy, cohort: 'rollout' }
      : { policy: this.active, shadow: staged.policy, cohort: 'stable' };
  }

  /** Verifies and compiles a candidate and stages it for shadow or rollout; the active policy is untouched. */
  async offerCandidate(
    data: string | Uint8Array,
    stage: CandidateStage,
    meta: OfferMeta,
  ): Promise<OfferResult> {
    let next: ActivePolicy;
    try {
      const bundle = parseBundle(data);
      if (
        this.staged?.policy.digest === bundle.digest &&
        JSON.stringify(this.staged.stage) === JSON.stringify(stage)
      )
        return { status: 'unchanged', active: this.active };
      const parent = this.active.bundle?.digest === bundle.manifest.parent ? this.active.bundle : undefined;
      verifyBundle(bundle, { governance: this.trusted, ...(parent ? { parent } : {}) });
      const compiled = (this.options.compile ?? compileBundle)(bundle);
      next = {
        kind: 'bundle',
        compiled,
        name: bundle.manifest.name,
        version: bundle.manifest.version,
        digest: bundle.digest,
        bundle,
        activatedAt: this.now().toISOString(),
      };
    } catch (error) {
      return this.reject(error, meta);
    }
    this.staged = { policy: next, stage };
    await this.recordPolicy(stage.mode, next, meta);
    return { status: 'activated', active: this.active };
  }

  /** Withdraws the staged candidate. */
  async clearCandidate(meta: OfferMeta): Promise<void> {
    const staged = this.staged;
    if (!staged) return;
    this.staged = undefined;
    await this.recordPolicy('withdraw', staged.policy, meta);
  }

  private async reject(error: unknown, meta: OfferMeta): Promise<OfferResult> {
    const info = errorInfo(error);
    this.rejections++;
    this.lastError = info;
    await this.record(
      { action: 'reject', name: '', version: '', digest: '', source: meta.source, error: info },
      meta,
    ).catch(() => undefined);
    this.emit('rejected', { source: meta.source, error: info, active: this.active });
    return { status: 'rejected', active: this.active, error: info };
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private safeBaseline(): ActivePolicy {
    const compiled = compiledSafeBaseline();
    return {
      kind: 'safe-baseline',
      compiled,
      name: compiled.name,
      version: compiled.version,
      digest: SAFE_BASELINE_DIGEST,
      activatedAt: this.now().toISOString(),
    };
  }

  private async record(
    entry: Omit<ActivationEntry, 'at' | 'actor' | 'reason'>,
    meta: OfferMeta,
  ): Promise<void> {
    await this.options.history?.append({
      at: this.now().toISOString(),
      actor: meta.actor ?? this.options.actor ?? 'rampart',
      reason: meta.reason ?? '',
      ...entry,
    });
  }

  /** Records an action on one policy (activate, rollback, stage, withdraw) in the history. */
  private recordPolicy(
    action: ActivationEntry['action'],
    policy: Pick<ActivePolicy, 'name' | 'version' | 'digest'>,
    meta: OfferMeta,
  ): Promise<void> {
    return this.record(
      { action, name: policy.name, version: policy.version, digest: policy.digest, source: meta.source },
      meta,
    );
  }

  private swap(next: ActivePolicy): void {
    const previous = this.active;
    this.active = next;
    this.emit('activated', next, previous);
  }

  /** Deliberately activates the safe baseline (rollback to safe-baseline). */
  async activateSafeBaseline(meta: OfferMeta): Promise<OfferResult> {
    const next = this.safeBaseline();
    this.swap(next);
    await this.recordPolicy(meta.action ?? 'rollback', next, meta);
    return { status: 'activated', active: next };
  }

  /**
   * Offers candidate bytes. Verified and compiled before activation; on any failure the current
   * policy stays and a `rejected` event fires. Offering the active digest again is a no-op.
   */
  async offer(data: string | Uint8Array, meta: OfferMeta): Promise<OfferResult> {
    let bundle: Bundle;
    let compiled: CompiledPolicy;
    let nextGovernance: Governance | undefined;
    try {
      if (isSafeBaselineMarker(data)) return await this.activateSafeBaseline(meta);
      bundle = parseBundle(data);
      if (bundle.digest === this.active.digest) return { status: 'unchanged', active: this.active };
      const parent = this.active.bundle?.digest === bundle.manifest.parent ? this.active.bundle : undefined;
      verifyBundle(bundle, { governance: this.trusted, ...(parent ? { parent } : {}) });
      compiled = (this.options.compile ?? compileBundle)(bundle);
      nextGovernance = this.options.followBundleGovernance ? bundleGovernance(bundle) : undefined;
    } catch (error) {
      return this.reject(error, meta);
    }
    if (nextGovernance) this.trusted = nextGovernance;
    const next: ActivePolicy = {
      kind: 'bundle',
      compiled,
      name: bundle.manifest.name,
      version: bundle.manifest.version,
      digest: bundle.digest,
      bundle,
      activatedAt: this.now().toISOString(),
    };
    this.swap(next);
    // Promoting the staged candidate ends its shadow or rollout.
    if (this.staged?.policy.digest === next.digest) this.staged = undefined;
    await this.recordPolicy(meta.action ?? 'activate', next, meta);
    return { status: 'activated', active: next };
  }
}

/** The governance a bundle carries in its entry directory, parsed strictly; undefined when it has none. */
export function bundleGovernance(bundle: Bundle): Governance | undefined {
  const path = bundle.manifest.entry === '' ? 'governance.yaml' : `${bundle.manifest.entry}/governance.yaml`;
  const file = bundle.files[path];
  return file ? parseGovernance(fileText(file), path) : undefined;
}

function errorInfo(error: unknown): { code: string; message: string } {
  if (isBundleError(error)) return { code: error.code, message: error.message };
  const code = (error as { code?: unknown })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { code: typeof code === 'string' ? code : 'bundle/invalid-policy', message };
}

/** True when the bytes are the deliberate safe-baseline marker document. */
export function isSafeBaselineMarker(data: string | Uint8Array): boolean {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  if (text.length > 4096 || !text.includes(SAFE_BASELINE_MARKER)) return false;
  try {
    return (JSON.parse(text) as { format?: unknown }).format === SAFE_BASELINE_MARKER;
  } catch {
    return false;
  }
}

/** The marker document that selects the safe baseline. */
export function safeBaselineMarker(reason: string, at: Date): string {
  return `${JSON.stringify({ format: SAFE_BASELINE_MARKER, reason, at: at.toISOString() }, null, 2)}\n`;
}
