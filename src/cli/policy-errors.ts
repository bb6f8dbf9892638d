/** Prints policy diagnostics the way editors and CI annotate them: `file:line:col error code: message`. */
import { formatDiagnostic, isPolicyError, type PolicyDiagnostic } from '../policy/errors.js';

/** Writes diagnostics to stderr (or as JSON to stdout) and returns how many were errors. */
export function printDiagnostics(diagnostics: PolicyDiagnostic[], json: boolean): number {
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, diagnostics }, null, 2)}\n`);
  else for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  return diagnostics.filter((d) => d.severity === 'error').length;
}

/** If `error` is a policy error, prints it and returns exit code 1; otherwise rethrows. */
export function handlePolicyError(error: unknown, json = false): number {
  if (!isPolicyError(error)) throw error;
  const errors = printDiagnostics(error.diagnostics, json);
  if (!json) process.stderr.write(`\n${errors} error${errors === 1 ? '' : 's'} found.\n`);
  return 1;
}
