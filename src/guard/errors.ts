/**
 * Errors of the guard ring. `PolicyDeniedError` is what application code sees when a call is
 * refused: it carries only the user-visible message and the decision id, never rule ids or reasons,
 * so a refusal cannot be probed to map the policy.
 */

/** Misconfiguration or an unusable adapter in the guard (stable `code`, human `message`). */
export class GuardError extends Error {
  override readonly name = 'GuardError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** True when `e` is a GuardError. */
export function isGuardError(e: unknown): e is GuardError {
  return e instanceof GuardError;
}

/** Raised by wrapped tools and integrations when the policy refuses a call. */
export class PolicyDeniedError extends Error {
  override readonly name = 'PolicyDeniedError';
  readonly code = 'guard/policy-denied';
  constructor(
    /** The user-visible message of the decision. */
    message: string,
    /** The decision id, to look the record up in the evidence store. */
    readonly decisionId: string,
  ) {
    super(message);
  }

  /** Only the safe fields: serialising the error never leaks internals. */
  toJSON(): { code: string; message: string; decisionId: string } {
    return { code: this.code, message: this.message, decisionId: this.decisionId };
  }
}

/** True when `e` is a PolicyDeniedError. */
export function isPolicyDeniedError(e: unknown): e is PolicyDeniedError {
  return e instanceof PolicyDeniedError;
}
