/** The human report of a test run: failures with expected vs actual and the explain trace, then summaries. */
import type { CoverageReport } from '../coverage.js';
import type { CaseResult, TestRunReport } from '../run-types.js';
import { formatExplain } from './explain-format.js';

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function location(r: { file: string; line?: number; column?: number }): string {
  return r.line !== undefined ? `${r.file}:${r.line}${r.column !== undefined ? `:${r.column}` : ''}` : r.file;
}

function caseTitle(r: CaseResult): string {
  const prefix = r.kind === 'incident' ? `[incident ${r.group}] ` : '';
  const variant = r.variant ? ` ⟨${r.variant.label}⟩` : '';
  return `${prefix}${r.name}${variant}`;
}

/** Lines describing one failed case. */
export function formatFailure(r: CaseResult): string[] {
  const lines = [`  ✗ ${caseTitle(r)}  (${location(r)})`];
  for (const f of r.failures) {
    lines.push(`      ${pad(f.check, 18)} expected ${f.expected}`);
    lines.push(`      ${pad('', 18)} actual   ${f.actual}`);
  }
  const d = r.decision;
  lines.push(
    `      decision: ${d.effect} · rules [${d.rules.join(', ')}] · obligations [${d.obligations.map((o) => o.type).join(', ')}] · risk ${d.risk ?? 'none'}`,
  );
  if (d.errors.length > 0)
    lines.push(`      errors: ${d.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
  const trace = formatExplain(d.explain, '        ');
  if (trace.length > 0) lines.push('      explain:', ...trace);
  return lines;
}

/** The coverage section. */
export function formatCoverage(c: CoverageReport): string[] {
  const row = (label: string, d: { covered: number; total: number; uncovered: string[] }, missing: string) =>
    `  ${pad(label, 12)} ${pad(`${d.covered}/${d.total}`, 7)}${d.uncovered.length > 0 ? ` ${missing}: ${d.uncovered.join(', ')}` : ''}`;
  const lines = [
    `Coverage ${c.percent.toFixed(1)}%`,
    row('rules', c.rules, 'never matched'),
    row('points', c.points, 'no case'),
    row('tools', c.tools, 'no case'),
    row('obligations', c.obligations, 'never exercised'),
  ];
  const width = Math.max(
    20,
    ...c.rules.byFile.map((f) => f.file.length),
    ...c.byTestFile.map((f) => f.file.length),
  );
  if (c.rules.byFile.length > 0) {
    lines.push('  rules per policy file:');
    for (const f of c.rules.byFile) {
      lines.push(
        `    ${pad(f.file, width)} ${pad(`${f.covered}/${f.total}`, 7)}${f.uncovered.length > 0 ? ` never matched: ${f.uncovered.join(', ')}` : ''}`,
      );
    }
  }
  if (c.byTestFile.length > 0) {
    lines.push('  cases per test file:');
    for (const f of c.byTestFile) {
      const parts: string[] = [];
      if (f.cases > 0) parts.push(`${f.cases} cases${f.failed > 0 ? ` (${f.failed} failed)` : ''}`);
      if (f.variants > 0)
        parts.push(`${f.variants} variants${f.variantsFailed > 0 ? ` (${f.variantsFailed} failed)` : ''}`);
      if (f.simulations > 0) {
        parts.push(
          `${f.simulations} simulations${f.simulationsFailed > 0 ? ` (${f.simulationsFailed} failed)` : ''}`,
        );
      }
      lines.push(`    ${pad(f.file, width)} ${parts.join(', ')}`);
    }
  }
  return lines;
}

/** The mutation section: flip rate per kind. */
export function formatMutations(report: TestRunReport): string[] {
  if (report.mutations.length === 0) return [];
  const lines = [
    'Mutations',
    `  ${pad('kind', 12)} ${pad('variants', 9)} ${pad('flipped', 8)} ${pad('loosened', 9)} flip rate`,
  ];
  for (const m of report.mutations) {
    lines.push(
      `  ${pad(m.kind, 12)} ${pad(String(m.variants), 9)} ${pad(String(m.flipped), 8)} ${pad(String(m.loosened), 9)} ${(m.flipRate * 100).toFixed(1)}%`,
    );
  }
  return lines;
}

/** Every authored and incident case with its mark, grouped by file (variants summarized per case). */
export function formatCaseList(report: TestRunReport): string[] {
  const lines: string[] = [];
  let file: string | undefined;
  const results = report.results;
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as CaseResult;
    if (r.kind === 'variant') continue;
    if (r.file !== file) {
      file = r.file;
      lines.push(file);
    }
    let variants = 0;
    let failedVariants = 0;
    for (let j = i + 1; j < results.length && results[j]?.kind === 'variant'; j++) {
      variants += 1;
      if (!results[j]?.passed) failedVariants += 1;
    }
    const suffix = variants > 0 ? ` (${variants - failedVariants}/${variants} variants hold)` : '';
    lines.push(`  ${r.passed && failedVariants === 0 ? '✓' : '✗'} ${caseTitle(r)}${suffix}`);
  }
  return lines;
}

/** Options of the text report. */
export interface TextReportOptions {
  /** List every case, not only failures. */
  verbose?: boolean;
}

/** The whole text report. */
export function formatTextReport(report: TestRunReport, opts: TextReportOptions = {}): string {
  const p = report.policy;
  const lines = [`rampart test — ${p.name} ${p.version} (${p.digest.slice(0, 19)})`, ''];
  if (opts.verbose) lines.push(...formatCaseList(report), '');
  const failed = report.results.filter((r) => !r.passed);
  if (failed.length > 0) {
    lines.push('Failures');
    for (const r of failed) lines.push(...formatFailure(r));
    lines.push('');
  }
  const failedSims = report.simulations.filter((s) => !s.passed);
  if (report.simulations.length > 0) {
    lines.push(
      `Simulations ${report.simulations.length - failedSims.length}/${report.simulations.length} passed`,
    );
    for (const s of failedSims) {
      lines.push(`  ✗ ${s.name}  (${location(s)})`);
      for (const f of s.failures) {
        lines.push(`      ${pad(f.check, 18)} expected ${f.expected}`);
        lines.push(`      ${pad('', 18)} actual   ${f.actual}`);
      }
      for (const st of s.steps) {
        lines.push(
          `      step ${st.index} ${st.kind}${st.tool ? ` ${st.tool}` : ''}: ${st.outcome}${st.approvalRequested ? ' (approval requested)' : ''}${st.executed ? ' (executed)' : ''}`,
        );
      }
    }
    lines.push('');
  }
  const mutations = formatMutations(report);
  if (mutations.length > 0) lines.push(...mutations, '');
  lines.push(...formatCoverage(report.coverage), '');
  for (const problem of report.problems) lines.push(`! ${problem}`);
  for (let i = 0; i < lines.length; i++) lines[i] = (lines[i] ?? '').trimEnd();
  const c = report.counts;
  const summary = `${c.cases} cases, ${c.incidents} incident cases, ${c.variants} variants, ${c.simulations} simulations`;
  lines.push(report.passed ? `PASSED — ${summary}` : `FAILED — ${c.failed} failed of ${summary}`);
  return `${lines.join('\n')}\n`;
}
