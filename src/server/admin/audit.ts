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
  private opened: Promise<void> | undefined;
  private openError: string | undefined;

  constructor(
    private readonly sink: EvidenceSink,
    private readonly activePolicy: () => PolicyRef,
    /** True when this audit owns the sink (opens and closes it). */
    private readonly owned: boolean,
  ) {}

  /** Opens the sink when owned; an unopenable audit log makes every admin action answer 503. */
  open(): Promise<void> {
    this.opened ??= this.owned
      ? this.sink.open().catch((e: unknown) => {
          this.openError = e instanceof Error ? e.message : String(e);
        })
      : Promise.resolve();
    return this.opened;
  }

  /** Throws 503 when the audit log could not be opened, before an action is attempted. */
  async ready(): Promise<void> {
    await this.open();
    if (this.openError !== undefined)
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
      await this.open();
      if (this.openError !== undefined) throw new Error(this.openError);
      await this.sink.write({ decision, subjectId: caller.id, latencyUs: 0 });
    } catch {
      throw new ServerError('server/unavailable', 503, 'the admin audit log is unavailable');
    }
    return id;
  }

  /** Flushes, and closes the sink when owned. */
  async close(): Promise<void> {
    await this.sink.flush().catch(() => undefined);
    if (this.owned) await this.sink.close().catch(() => undefined);
  }
}
