/**
 * The server ring's error: every refusal carries an HTTP status and a stable code, so callers can
 * branch on `error.code` and the body never contains a stack trace.
 */
import type { BundleErrorCode } from '../bundle/errors.js';
import type { EvidenceErrorCode } from '../evidence/errors.js';

/** Stable error codes of the decision server. */
export type ServerErrorCode =
  | 'server/bad-json'
  | 'server/too-deep'
  | 'server/not-found'
  | 'server/method-not-allowed'
  | 'server/unsupported-media-type'
  | 'server/body-too-large'
  | 'server/invalid-request'
  | 'server/batch-too-large'
  | 'server/unauthorized'
  | 'server/forbidden'
  | 'server/timeout'
  | 'server/bad-http'
  | 'server/unavailable'
  | 'server/internal'
  | 'server/config'
  | 'server/not-configured'
  // Admin refusals from lower rings keep that ring's stable code (`bundle/unsigned`, …).
  | BundleErrorCode
  | EvidenceErrorCode
  | 'exception/expired'
  | 'exception/not-found'
  | 'policy/invalid';

/** A refusal with an HTTP status; rendered as `{error:{code,message}}`. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly code: ServerErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Type guard for {@link ServerError}. */
export function isServerError(e: unknown): e is ServerError {
  return e instanceof ServerError;
}

/** The JSON body of an error response. */
export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}
