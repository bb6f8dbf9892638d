/** Errors raised while loading test suites, incidents, simulations and replay files. */

/** One located problem in a test file. */
export interface TestingDiagnostic {
  /** Stable code, e.g. `testing/unknown-key`. */
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** Formats a diagnostic as `file:line:col error code: message`, like policy diagnostics. */
export function formatDiagnostic(d: TestingDiagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ''} ` : '';
  return `${where}error ${d.code}: ${d.message}`;
}

/** The one error class of the testing ring; carries every diagnostic found, not only the first. */
export class TestingError extends Error {
  override readonly name = 'TestingError';
  readonly code: string;
  readonly diagnostics: TestingDiagnostic[];

  constructor(diagnostics: TestingDiagnostic[]) {
    const first = diagnostics[0] ?? { code: 'testing/unknown', message: 'unknown testing error' };
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.code = first.code;
    this.diagnostics = diagnostics;
  }
}

/** Type guard for errors raised by the testing ring. */
export function isTestingError(error: unknown): error is TestingError {
  return error instanceof TestingError;
}
