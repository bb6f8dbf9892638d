/**
 * The reviewable, structural part of `rampart diff`: rules added, removed and changed (field by
 * field), defaults, tools, detector thresholds, guardrails, exceptions, and what loosens high-risk
 * protection. Output is plain text in a fixed order so it can be pasted into a review and golden-tested.
 */
import { canonicalJson } from './canonical-json.js';
import type { SignedExceptionGrant } from './exceptions.js';
import { findLoosening } from './loosening.js';
import type { PolicyView } from './policy-view.js';

/** One changed field. */
export interface FieldChange {
  field: string;
  before: string;
  after: string;
}

/** A named item that was added, removed or changed. */
export interface ItemChange {
  id: string;
  kind: 'added' | 'removed' | 'changed';
  /** Short description for added/removed items. */
  summary?: string;
  fields: FieldChange[];
}

/** The structural diff of two policies. */
export interface PolicyDiff {
  rules: ItemChange[];
  defaults: FieldChange[];
  tools: ItemChange[];
  detectors: ItemChange[];
  guardrails: ItemChange[];
  deviations: ItemChange[];
  exceptions: ItemChange[];
  loosening: string[];
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  if (typeof v === 'string') return v;
  return canonicalJson(v);
}

function fieldChanges(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  ignore: string[] = [],
): FieldChange[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter((k) => !ignore.includes(k))
    .sort();
  const out: FieldChange[] = [];
  for (const k of keys) {
    const a = show(before[k]);
    const b = show(after[k]);
    if (a !== b) out.push({ field: k, before: a, after: b });
  }
  return out;
}

function diffMaps<T>(
  before: ReadonlyMap<string, T>,
  after: ReadonlyMap<string, T>,
  raw: (item: T) => Record<string, unknown>,
  summary: (item: T) => string,
  ignore: string[] = [],
): ItemChange[] {
  const out: ItemChange[] = [];
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const id of ids) {
    const a = before.get(id);
    const b = after.get(id);
    if (a === undefined && b !== undefined) out.push({ id, kind: 'added', summary: summary(b), fields: [] });
    else if (a !== undefined && b === undefined)
      out.push({ id, kind: 'removed', summary: summary(a), fields: [] });
    else if (a !== undefined && b !== undefined) {
      const fields = fieldChanges(raw(a), raw(b), ignore);
      if (fields.length > 0) out.push({ id, kind: 'changed', fields });
    }
  }
  return out;
}

function grantMap(grants: SignedExceptionGrant[] | undefined): Map<string, SignedExceptionGrant> {
  return new Map((grants ?? []).map((g) => [g.grant.id, g]));
}

function grantSummary(g: SignedExceptionGrant): string {
  const scope = Object.entries(g.grant.scope)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `waives ${g.grant.rules.join(', ')} (${g.risk}) for ${scope} until ${g.grant.expires} — ${g.grant.granter}: ${g.grant.reason}`;
}

/** Compares two policy views (and optionally their exceptions files). */
export function diffPolicies(
  before: PolicyView,
  after: PolicyView,
  exceptions: { before?: SignedExceptionGrant[]; after?: SignedExceptionGrant[] } = {},
): PolicyDiff {
  return {
    rules: diffMaps(
      before.rules,
      after.rules,
      (r) => r.raw,
      (r) => [r.point, r.effect, r.risk].filter(Boolean).join(' ') + (r.when ? ` when ${r.when}` : ''),
      ['id'],
    ),
    defaults: fieldChanges(before.defaults, after.defaults),
    tools: diffMaps(
      before.tools,
      after.tools,
      (t) => t.raw,
      (t) => `${t.risk ?? 'no risk'}${t.scopes.length > 0 ? ` scopes ${t.scopes.join(', ')}` : ''}`,
    ),
    detectors: diffMaps(
      before.detectors,
      after.detectors,
      (d) => d.config,
      (d) =>
        `${show(d.config.use)}${typeof d.config.threshold === 'number' ? ` threshold ${d.config.threshold}` : ''}`,
    ),
    guardrails: diffMaps(
      before.guardrails,
      after.guardrails,
      (g) => g.raw,
      (g) => show(g.raw.text).slice(0, 80),
      ['id'],
    ),
    deviations: diffMaps(
      new Map(before.deviations.map((d) => [d.rule ?? canonicalJson(d.raw), d])),
      new Map(after.deviations.map((d) => [d.rule ?? canonicalJson(d.raw), d])),
      (d) => d.raw,
      (d) => `owner ${d.owner ?? '?'} until ${d.expires ?? '?'}: ${d.reason ?? ''}`,
    ),
    exceptions: diffMaps(
      grantMap(exceptions.before),
      grantMap(exceptions.after),
      (g) => ({ ...g.grant, review: g.review }),
      grantSummary,
    ),
    loosening: findLoosening(before, after),
  };
}

const MARK = { added: '+', removed: '-', changed: '~' } as const;

function section(title: string, items: ItemChange[], lines: string[]): void {
  if (items.length === 0) return;
  lines.push('', `${title} (${items.length})`);
  for (const item of items) {
    lines.push(`  ${MARK[item.kind]} ${item.id}${item.summary ? `: ${item.summary}` : ''}`);
    for (const f of item.fields) lines.push(`      ${f.field}: ${f.before} → ${f.after}`);
  }
}

/** True when nothing differs structurally. */
export function isEmptyDiff(diff: PolicyDiff): boolean {
  return (
    diff.rules.length +
      diff.defaults.length +
      diff.tools.length +
      diff.detectors.length +
      diff.guardrails.length +
      diff.deviations.length +
      diff.exceptions.length ===
    0
  );
}

/** Renders the structural diff as review text (no trailing newline). */
export function formatPolicyDiff(diff: PolicyDiff): string {
  const lines: string[] = [];
  if (isEmptyDiff(diff)) lines.push('', 'No structural changes.');
  section('Rules', diff.rules, lines);
  if (diff.defaults.length > 0) {
    lines.push('', `Defaults (${diff.defaults.length})`);
    for (const f of diff.defaults) lines.push(`  ~ ${f.field}: ${f.before} → ${f.after}`);
  }
  section('Tools', diff.tools, lines);
  section('Detectors', diff.detectors, lines);
  section('Guardrails', diff.guardrails, lines);
  section('Deviations', diff.deviations, lines);
  section('Exceptions', diff.exceptions, lines);
  if (diff.loosening.length > 0) {
    lines.push(
      '',
      `Loosens high-risk protection (${diff.loosening.length}) — needs the higher signature count`,
    );
    for (const l of diff.loosening) lines.push(`  ! ${l}`);
  }
  return lines.join('\n');
}
