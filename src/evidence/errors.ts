/** The single error class of the evidence ring, with stable codes. */

/** Stable error codes raised by the evidence ring. */
export type EvidenceErrorCode =
  | 'evidence/invalid-record'
  | 'evidence/not-open'
  | 'evidence/closed'
  | 'evidence/queue-full'
  | 'evidence/store-unavailable'
  | 'evidence/bad-key'
  | 'evidence/bad-config'
  | 'evidence/bad-query';

/** An evidence failure: a stable `code`, a human message, and the file or store it concerns when known. */
export class EvidenceError extends Error {
  override readonly name = 'EvidenceError';
  constructor(
    readonly code: EvidenceErrorCode,
    message: string,
    readonly location?: string,
  ) {
    super(message);
  }
}

/** True when `e` is an {@link EvidenceError}. */
export function isEvidenceError(e: unknown): e is EvidenceError {
  return e instanceof EvidenceError;
}
