/**
 * Policy-ring errors: every problem in a policy file is a located diagnostic with a stable code.
 * Loading collects all diagnostics of all files before failing, so authors fix everything in one pass.
 */
import { closest, distance } from 'fastest-levenshtein';

/** A located problem in policy source. Lines and columns are 1-based. */
export interface PolicyDiagnostic {
  /** Stable code, e.g. `policy/unknown-key`, `cel/no-such-field`. */
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
  /** A likely fix, e.g. "did you mean `effect`?". */
  suggestion?: string;
  severity: 'error' | 'warning';
}

/** Thrown by the policy ring when source cannot be loaded or compiled; carries every diagnostic. */
export class PolicyLoadError extends Error {
  override readonly name = 'PolicyLoadError';
  readonly code = 'policy/invalid';
  constructor(readonly diagnostics: PolicyDiagnostic[]) {
    super(
      diagnostics.length === 1
        ? formatDiagnostic(diagnostics[0] as PolicyDiagnostic)
        : `${diagnostics.length} problems in policy:\n${diagnostics.map(formatDiagnostic).join('\n')}`,
    );
  }
}

/** True for errors raised by the policy ring. */
export function isPolicyError(error: unknown): error is PolicyLoadError {
  return error instanceof PolicyLoadError;
}

/** Renders a diagnostic as `file:line:col code message (suggestion)`, the form editors jump to. */
export function formatDiagnostic(d: PolicyDiagnostic): string {
  const hint = d.suggestion ? ` (${d.suggestion})` : '';
  return `${d.file}:${d.line}:${d.column} ${d.severity === 'warning' ? 'warning' : 'error'} ${d.code}: ${d.message}${hint}`;
}

/** Suggests the closest known word when it is plausibly a typo (edit distance ≤ 2 or a third of its length). */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(word, known as string[]);
  const d = distance(word, best);
  if (d === 0) return undefined;
  return d <= Math.max(2, Math.floor(best.length / 3)) ? `did you mean \`${best}\`?` : undefined;
}

/** Orders diagnostics by file, line and column so output is stable. */
export function sortDiagnostics(list: PolicyDiagnostic[]): PolicyDiagnostic[] {
  return [...list].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.code.localeCompare(b.code),
  );
}
