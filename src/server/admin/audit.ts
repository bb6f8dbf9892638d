/**
 * The admin audit trail: every admin action (bundle upload, activation, rollback, exception grant,
 * kill-switch flip, refused attempts…) becomes a record in its own hash-chained evidence stream
 * (`admin` by default), written through the same sink machinery as decision records, so
 * `rampart logs verify` checks it with everything else. A record keeps who (caller id and kind),
 * what (action, target), the outcome, and a digest of what was submitted — never keys, tokens,
 * bundle bodies or grant signatures.
 */
import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../../evidence/canonical-json.js';
import type { EvidenceSink } from '../../evidence/sink.js';
import type { Decision, Point, PolicyRef } from '../../policy/types.js';
import type { Caller } from '../auth.js';
import { ServerError } from '../errors.js';

/** The evidence stream admin records are chained in unless configured otherwise. */
export const ADMIN_STREAM = 'admin';

/** The `point` of admin records: they are not decisions at an enforcement point. */
export const ADMIN_POINT = 'admin';

/** Admin actions, one per endpoint that changes or reads admin state. */
export type AdminAction =
  | 'bundles.upload'
  | 'bundles.verify'
  | 'bundles.activate'
  | 'bundles.shadow'
  | 'bundles.rollout'
  | 'bundles.withdraw'
  | 'bundles.rollback'
  | 'exceptions.grant'
  | 'exceptions.revoke'
  | 'killswitch.set'
  | 'killswitch.clear'
  // A state-changing route an extension added (e.g. `route:/v1/admin/spikes/clear`).
  | `route:${string}`;

/** What one admin record says. */
export interface AdminEvent {
  action: AdminAction;
  /** What the action was on: a bundle digest or version, a grant id, `tool:payments.refund`… */
  target: string;
  /** `ok`: it took effect; `refused`: it was refused (error code in `code`); `failed`: it broke midway. */
  outcome: 'ok' | 'refused' | 'failed';
  /** Content digest of what was submitted or changed (`sha256:…`). */
  digest?: string;
  /** Stable error code of a refusal or failure. */
  code?: string;
  /** The operator's stated reason (bounded; it is theirs to write). */
  reason?: string;
  /** Extra non-secret facts (percent, cohorts, counts). */
  detail?: Record<string, string | number | boolean | string[]>;
}

/** `sha256:<hex>` of the canonical JSON of a value: a digest of a request without keeping it. */
export function contentDigest(value: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}

/** Writes admin records; a failed write fails the admin request (no record, no claim it happened). */
export class AdminAudit {
  /** True once the sink opened (or when it is not ours to open); kept for the life of the audit. */
  private opened: boolean;
  /** The open attempt in flight, shared by the callers that arrive during it; resolves to its error. */
  private opening: Promise<string | undefined> | undefined;
  /** Set by `close`: no open is attempted afterwards (a record after close fails). */
  private closed = false;

  constructor(
    private readonly sink: EvidenceSink,
    private readonly activePolicy: () => PolicyRef,
    /** True when this audit owns the sink (opens and closes it). */
    private readonly owned: boolean,
  ) {
    this.opened = !owned;
  }

  /**
   * Opens the sink when owned. A successful open is kept; a failed one is not: the next admin action
   * tries again (a stream lock held for a moment by a CLI command, a database briefly down), and
   * answers 503 while it keeps failing. Never rejects; `ready` and `record` report the failure.
   */
  async open(): Promise<void> {
    await this.attempt();
  }

  /** Resolves to why the audit log is not open, or undefined when it is. */
  private attempt(): Promise<string | undefined> {
    if (this.opened) return Promise.resolve(undefined);
    if (this.closed) return Promise.resolve('the admin audit log is closed');
    this.opening ??= Promise.resolve()
      .then(() => this.sink.open())
      .then(
        () => {
          this.opened = true;
          return undefined;
        },
        (e: unknown) => (e instanceof Error ? e.message : String(e)) || 'open failed',
      )
      .finally(() => {
        this.opening = undefined;
      });
    return this.opening;
  }

  /** Throws 503 when the audit log cannot be opened (now), before an action is attempted. */
  async ready(): Promise<void> {
    if ((await this.attempt()) !== undefined)
      throw new ServerError('server/unavailable', 503, 'the admin audit log is unavailable');
  }

  /** Appends one record; throws 503 `server/unavailable` when it cannot be written. */
  async record(caller: Caller, event: AdminEvent): Promise<string> {
    const id = `adm-${randomUUID()}`;
    const context: Record<string, unknown> = {
      actor: caller.id,
      actorKind: caller.kind,
      action: event.action,
      target: event.target,
      outcome: event.outcome,
    };
    if (event.digest !== undefined) context.digest = event.digest;
    if (event.code !== undefined) context.code = event.code;
    if (event.reason !== undefined && event.reason !== '') context.reason = event.reason.slice(0, 500);
    if (event.detail !== undefined) context.detail = event.detail;
    const ok = event.outcome === 'ok';
    const decision: Decision = {
      decisionId: id,
      // Admin records share the decision record format; their point says they are not decisions.
      point: ADMIN_POINT as Point,
      effect: ok ? 'allow' : 'deny',
      outcome: ok ? 'allowed' : 'blocked',
      obligations: [],
      rules: [`admin/${event.action}`],
      risk: null,
      message: '',
      reason: '',
      policy: this.activePolicy(),
      errors: event.code !== undefined && !ok ? [{ code: event.code, message: '' }] : [],
      evidence: context,
    };
    try {
      const error = await this.attempt();
      if (error !== undefined) throw new Error(error);
      await this.sink.write({ decision, subjectId: caller.id, latencyUs: 0 });
    } catch {
      throw new ServerError('server/unavailable', 503, 'the admin audit log is unavailable');
    }
    return id;
  }

  /** Flushes, and closes the sink when owned. */
  async close(): Promise<void> {
    this.closed = true;
    // An open in flight finishes first, so the sink it opens is closed here too.
    await this.opening;
    await this.sink.flush().catch(() => undefined);
    if (this.owned) await this.sink.close().catch(() => undefined);
  }
}
