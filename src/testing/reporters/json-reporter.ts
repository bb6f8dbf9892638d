/** The machine report: the whole run as JSON; explain traces are kept only for failures to bound size. */
import type { TestRunReport } from '../run-types.js';

/** Renders the run as pretty JSON. */
export function formatJsonReport(report: TestRunReport): string {
  const results = report.results.map((r) => {
    if (!r.passed) return r;
    const { explain: _explain, ...decision } = r.decision;
    return { ...r, decision };
  });
  return `${JSON.stringify({ ...report, results }, null, 2)}\n`;
}
