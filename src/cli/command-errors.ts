/** Maps what a command threw to its exit code, printing policy and test-file diagnostics the editor way. */
import { formatDiagnostic as formatPolicyDiagnostic, isPolicyError } from '../policy/errors.js';
import { formatDiagnostic, isTestingError } from '../testing/errors.js';
import { EXIT_FAILURE, EXIT_USAGE, reportFatal, UsageError } from './exit.js';

/** Where a command writes; tests capture it. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

/** Prints the error for a human and returns the documented exit code (1 invalid files, 2 usage). */
export function exitCodeForError(error: unknown, io: CommandIo): number {
  if (isTestingError(error) || isPolicyError(error)) {
    const lines = isTestingError(error)
      ? error.diagnostics.map(formatDiagnostic)
      : error.diagnostics.map(formatPolicyDiagnostic);
    io.err(`${lines.join('\n')}\n`);
    return EXIT_FAILURE;
  }
  if (error instanceof UsageError) {
    io.err(`rampart: ${error.message}\n`);
    return EXIT_USAGE;
  }
  return reportFatal(error);
}
