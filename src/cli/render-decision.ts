/** Human-readable rendering of a decision and its explain trace for the terminal. */
import type { ExplainedDecision } from '../engine/decide.js';

const MARK = { allow: '✓ allow', deny: '✗ deny', allow_with_conditions: '◐ allow with conditions' } as const;

/** Renders a decision as a short block of aligned lines. */
export function renderDecision(d: ExplainedDecision): string {
  const lines = [
    `${MARK[d.effect]}  (${d.point}, outcome ${d.outcome}, risk ${d.risk ?? '-'})`,
    `  rules:       ${d.rules.length > 0 ? d.rules.join(', ') : '(none: default)'}`,
  ];
  if (d.obligations.length > 0) {
    lines.push('  obligations:');
    for (const o of d.obligations) {
      const { type, rule, ...params } = o;
      lines.push(`    - ${type} ${JSON.stringify(params)}  (from ${rule ?? '?'})`);
    }
  }
  lines.push(`  message:     ${d.message || '(none)'}`, `  reason:      ${d.reason}  [internal]`);
  if (d.exceptions?.length) lines.push(`  exceptions:  ${d.exceptions.join(', ')}`);
  for (const e of d.errors)
    lines.push(`  error:       ${e.code}${e.rule ? ` in ${e.rule}` : ''}: ${e.message}`);
  lines.push(`  policy:      ${d.policy.name} ${d.policy.version} ${d.policy.digest}`);
  if (d.explain) {
    lines.push('  explain:');
    const width = Math.max(...d.explain.map((e) => e.rule.length));
    for (const e of d.explain) {
      lines.push(`    ${e.status.padEnd(11)} ${e.rule.padEnd(width)}  ${e.detail}  (${e.file}:${e.line})`);
    }
  }
  return `${lines.join('\n')}\n`;
}
