/**
 * Shadow evaluation: a candidate policy decides the same request beside the active one and never
 * enforces; when it would decide differently, the divergence goes on the decision record's `shadow`
 * field. `summarizeShadow` turns a stream of records into the per-rule report operators read.
 */
import type { CompiledPolicy } from '../engine/compiled-policy.js';
import { type DecideOptions, decide } from '../engine/decide.js';
import type { Decision, DecisionRequest, Point } from '../policy/types.js';

/** What the decision record's `shadow` field holds. */
export interface ShadowDivergence {
  digest: string;
  version?: string;
  outcome: string;
  rules: string[];
}

function signature(d: Pick<Decision, 'effect' | 'rules' | 'obligations'>): string {
  const obligations = [...new Set(d.obligations.map((o) => o.type))].sort();
  return `${d.effect}|${[...d.rules].sort().join(',')}|${obligations.join(',')}`;
}

/**
 * Decides with the candidate and compares with the active decision (computed here when a compiled
 * policy is passed, reused when the caller already has it). Returns undefined when both agree on
 * effect, matched rules and obligation types. Never throws (`decide` never does).
 */
export function evaluateShadow(
  active: CompiledPolicy | Decision,
  candidate: CompiledPolicy,
  point: Point,
  request: DecisionRequest,
  options: DecideOptions = {},
): ShadowDivergence | undefined {
  const activeDecision = 'effect' in active ? active : decide(active, point, request, options);
  const { explain: _explain, decisionId: _id, ...rest } = options;
  const shadow = decide(candidate, point, request, rest);
  if (signature(activeDecision) === signature(shadow)) return undefined;
  return {
    digest: candidate.digest,
    version: candidate.version,
    outcome: shadow.outcome,
    rules: [...shadow.rules].sort(),
  };
}

/** The parts of a decision record the report reads. */
export interface ShadowRecordView {
  outcome: string;
  rules: string[];
  point?: string;
  shadow?: ShadowDivergence;
}

/** One rule's share of the divergences. */
export interface ShadowRuleSummary {
  rule: string;
  count: number;
  /** `active outcome → candidate outcome` → count. */
  transitions: Record<string, number>;
}

/** The shadow report. */
export interface ShadowReport {
  records: number;
  divergent: number;
  candidates: { digest: string; version?: string; divergent: number }[];
  transitions: Record<string, number>;
  byRule: ShadowRuleSummary[];
  /** Lines that were not decision records. */
  skipped: number;
}

/** Summarises records; divergences are attributed to the rules that differ (or `(default)`). */
export function summarizeShadow(records: Iterable<ShadowRecordView>, skipped = 0): ShadowReport {
  let total = 0;
  let divergent = 0;
  const candidates = new Map<string, { digest: string; version?: string; divergent: number }>();
  const transitions: Record<string, number> = {};
  const byRule = new Map<string, ShadowRuleSummary>();
  for (const r of records) {
    total++;
    const s = r.shadow;
    if (!s) continue;
    divergent++;
    const c = candidates.get(s.digest) ?? {
      digest: s.digest,
      ...(s.version ? { version: s.version } : {}),
      divergent: 0,
    };
    c.divergent++;
    candidates.set(s.digest, c);
    const t = `${r.outcome} → ${s.outcome}`;
    transitions[t] = (transitions[t] ?? 0) + 1;
    const differing = [
      ...r.rules.filter((x) => !s.rules.includes(x)),
      ...s.rules.filter((x) => !r.rules.includes(x)),
    ];
    const attributed = differing.length > 0 ? differing : s.rules.length > 0 ? s.rules : ['(default)'];
    for (const rule of new Set(attributed)) {
      const g = byRule.get(rule) ?? { rule, count: 0, transitions: {} };
      g.count++;
      g.transitions[t] = (g.transitions[t] ?? 0) + 1;
      byRule.set(rule, g);
    }
  }
  return {
    records: total,
    divergent,
    candidates: [...candidates.values()].sort(
      (a, b) => b.divergent - a.divergent || (a.digest < b.digest ? -1 : 1),
    ),
    transitions,
    byRule: [...byRule.values()].sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : 1)),
    skipped,
  };
}

/** Renders the report as text. */
export function formatShadowReport(report: ShadowReport): string {
  const pct = report.records === 0 ? '0' : ((100 * report.divergent) / report.records).toFixed(2);
  const lines = [
    `shadow report: ${report.records} decision records, ${report.divergent} divergent (${pct}%)`,
  ];
  if (report.skipped > 0) lines.push(`(${report.skipped} line(s) skipped: not decision records)`);
  for (const c of report.candidates)
    lines.push(`candidate ${c.version ?? '?'} ${c.digest}: ${c.divergent} divergent`);
  const ts = Object.entries(report.transitions).sort(([a], [b]) => (a < b ? -1 : 1));
  if (ts.length > 0) {
    lines.push('', 'Transitions (active → candidate)');
    for (const [t, n] of ts) lines.push(`  ${t}: ${n}`);
  }
  if (report.byRule.length > 0) {
    lines.push('', 'By rule');
    for (const g of report.byRule) {
      const detail = Object.entries(g.transitions)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([t, n]) => `${t} ×${n}`)
        .join(', ');
      lines.push(`  ${g.rule} — ${g.count} (${detail})`);
    }
  }
  return `${lines.join('\n')}\n`;
}
