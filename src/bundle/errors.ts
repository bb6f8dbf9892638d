/**
 * Bundle-ring errors. Every refusal (unsigned, tampered, revoked key, bad governance file…) carries a
 * stable code so operators and tests can tell them apart without parsing messages.
 */

/** Where a problem is, when it is in a file. Lines and columns are 1-based. */
export interface BundleLocation {
  file?: string;
  line?: number;
  column?: number;
  /** A path inside a document, e.g. `approvers[1].publicKey`. */
  path?: string;
}

/** One located problem; `BundleError.diagnostics` lists every problem found in one pass. */
export interface BundleDiagnostic {
  code: string;
  message: string;
  location?: BundleLocation;
}

/** Stable codes raised by the bundle ring. */
export type BundleErrorCode =
  | 'bundle/malformed'
  | 'bundle/too-large'
  | 'bundle/not-canonical'
  | 'bundle/unsafe-path'
  | 'bundle/file-digest-mismatch'
  | 'bundle/digest-mismatch'
  | 'bundle/unsigned'
  | 'bundle/under-signed'
  | 'bundle/bad-signature'
  | 'bundle/unknown-key'
  | 'bundle/revoked-key'
  | 'bundle/loosening-undeclared'
  | 'bundle/missing-changelog'
  | 'bundle/invalid-policy'
  | 'bundle/not-found'
  | 'governance/invalid'
  | 'key/invalid'
  | 'exception/invalid'
  | 'exception/bad-signature'
  | 'exception/not-granter'
  | 'exception/too-long'
  | 'exception/unknown-rule'
  | 'history/invalid'
  | 'source/fetch-failed'
  | 'rollout/invalid';

/** The one error class of the bundle ring. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
  readonly diagnostics: BundleDiagnostic[];
  constructor(
    readonly code: BundleErrorCode,
    message: string,
    readonly location?: BundleLocation,
    diagnostics?: BundleDiagnostic[],
  ) {
    super(message);
    this.diagnostics = diagnostics ?? [{ code, message, ...(location ? { location } : {}) }];
  }
}

/** True for errors raised by the bundle ring. */
export function isBundleError(error: unknown): error is BundleError {
  return error instanceof BundleError;
}

/** Renders a location as `file:line:col` (or the parts that are known). */
export function formatLocation(location: BundleLocation | undefined): string {
  if (!location) return '';
  const parts = [location.file, location.line, location.column].filter((p) => p !== undefined);
  const where = parts.join(':');
  if (location.path) return where ? `${where} (${location.path})` : location.path;
  return where;
}

/** Renders a diagnostic as `file:line:col code: message`. */
export function formatBundleDiagnostic(d: BundleDiagnostic): string {
  const where = formatLocation(d.location);
  return `${where ? `${where} ` : ''}${d.code}: ${d.message}`;
}
