/**
 * Explain mode: for one request, every rule at the point, whether it was a candidate, whether it
 * matched, and why not. Built only when asked for; the fast path never pays for it.
 */
import type { DecisionRequest, Point } from '../policy/types.js';
import type { CompiledPolicy, CompiledRule } from './compiled-policy.js';

/** One rule's part in a decision. */
export interface ExplainEntry {
  rule: string;
  effect: string;
  /** `matched`, `not-matched`, `error`, or `skipped` (its discriminators ruled it out without evaluation). */
  status: 'matched' | 'not-matched' | 'error' | 'skipped';
  detail: string;
  file: string;
  line: number;
}

/** Builds the explain trace from what the evaluation loop recorded. */
export function explainRules(
  policy: CompiledPolicy,
  point: Point,
  request: DecisionRequest,
  candidates: readonly CompiledRule[],
  trace: Map<string, { matched: boolean; error?: string }>,
): ExplainEntry[] {
  const candidateSet = new Set(candidates);
  return policy.internal.points[point].all.map((rule) => {
    const base = { rule: rule.id, effect: rule.effect, file: rule.loc.file, line: rule.loc.line };
    const seen = trace.get(rule.id);
    if (!candidateSet.has(rule)) {
      return {
        ...base,
        status: 'skipped' as const,
        detail: `only applies to tool ${[...(rule.guards.tools ?? [])].join(', ')}; this is ${request.tool?.name ?? '?'}`,
      };
    }
    if (!seen) return { ...base, status: 'skipped' as const, detail: 'not evaluated' };
    if (seen.error) return { ...base, status: 'error' as const, detail: seen.error };
    if (seen.matched)
      return {
        ...base,
        status: 'matched' as const,
        detail: rule.when ? `when: ${rule.when.trim()}` : 'no condition: always applies',
      };
    const g = rule.guards;
    if (g.routes && !g.routes.has(request.context?.route ?? '')) {
      return {
        ...base,
        status: 'not-matched' as const,
        detail: `route is ${request.context?.route ?? 'unset'}, rule needs ${[...g.routes].join(' or ')}`,
      };
    }
    if (g.roles && !g.roles.every((r) => (request.principal.roles ?? []).includes(r))) {
      return {
        ...base,
        status: 'not-matched' as const,
        detail: `principal lacks role ${g.roles.join(', ')}`,
      };
    }
    return {
      ...base,
      status: 'not-matched' as const,
      detail: `condition is false: ${rule.when?.trim() ?? ''}`,
    };
  });
}
