/** Exit codes and last-resort error reporting shared by all commands. */

/** Success. */
export const EXIT_OK = 0;
/** A policy is invalid, a test failed, or a decision was a deny where the command treats that as failure. */
export const EXIT_FAILURE = 1;
/** The command was called wrongly: unknown flag, missing file, unreadable request. */
export const EXIT_USAGE = 2;

/** A usage problem the user can fix; printed without a stack trace, exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Prints an unexpected error without a stack trace (unless RAMPART_DEBUG is set) and returns the exit code. */
export function reportFatal(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`rampart: ${error.message}\n`);
    return EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rampart: ${message}\n`);
  if (process.env.RAMPART_DEBUG && error instanceof Error && error.stack)
    process.stderr.write(`${error.stack}\n`);
  return EXIT_FAILURE;
}
