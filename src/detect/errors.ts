/** The one error type of the detect ring: a stable code, a human message and, when known, a location. */

/** Stable error codes raised by detector factories and redaction. */
export type DetectErrorCode =
  | 'detect/bad-config'
  | 'detect/unknown-option'
  | 'detect/unknown-entity'
  | 'detect/bad-pattern'
  | 'detect/unsafe-pattern'
  | 'detect/regex-engine-missing'
  | 'detect/bad-redaction'
  | 'detect/unknown-detector'
  | 'detect/classifier-runtime-missing'
  | 'detect/classifier-load-failed';

/** A misconfiguration of a detector or of redaction; thrown by factories, never by `scan`. */
export class DetectError extends Error {
  override readonly name = 'DetectError';
  readonly code: DetectErrorCode;
  /** Where the problem is, e.g. `detectors.pii.entities[2]`. */
  readonly location: string | undefined;

  constructor(code: DetectErrorCode, message: string, location?: string) {
    super(message);
    this.code = code;
    this.location = location;
  }
}

/** True when `error` is a DetectError. */
export function isDetectError(error: unknown): error is DetectError {
  return error instanceof DetectError;
}
