/**
 * Finds changes that loosen high-risk protection between two policy views. A non-empty result raises
 * the number of approver signatures a bundle needs (governance `signatures.loosening`).
 *
 * The check is deliberately conservative: a changed condition on a high-risk rule counts as loosening
 * because proving one CEL expression narrower than another is not decidable in general.
 */
import { canonicalJson } from './canonical-json.js';
import { isHighRisk, type PolicyView } from './policy-view.js';

const STRICTNESS: Record<string, number> = { deny: 2, allow_with_conditions: 1, allow: 0 };

function strictness(effect: string | undefined): number {
  return effect === undefined ? 2 : (STRICTNESS[effect] ?? 2);
}

function thresholdOf(config: Record<string, unknown>): number | undefined {
  return typeof config.threshold === 'number' ? config.threshold : undefined;
}

/** One loosening, with the deviation key that would cover it (rule id, `defaults.<k>`, `tools.<n>`, `detectors.<n>`). */
export interface Loosening {
  target: string;
  what: string;
  /** True when the item is new rather than a change to an existing one. */
  added?: boolean;
}

/** Human-readable reasons, sorted; empty when nothing high-risk got looser. */
export function findLoosening(before: PolicyView, after: PolicyView): string[] {
  return [...new Set(findLooseningItems(before, after).map((l) => l.what))].sort();
}

/** The loosenings with their targets, in discovery order. */
export function findLooseningItems(before: PolicyView, after: PolicyView): Loosening[] {
  const items: Loosening[] = [];
  let target = '';
  const added = false;
  const out = {
    push(what: string) {
      items.push({ target, what, ...(added ? { added } : {}) });
    },
  };
  for (const [id, old] of before.rules) {
    if (!isHighRisk(before, old.risk)) continue;
    target = id;
    const now = after.rules.get(id);
    if (!now) {
      out.push(`rule ${id} (${old.risk}) removed`);
      continue;
    }
    if (strictness(now.effect) < strictness(old.effect))
      out.push(`rule ${id} (${old.risk}) effect ${old.effect} → ${now.effect}`);
    if (!isHighRisk(after, now.risk))
      out.push(`rule ${id} risk lowered ${old.risk} → ${now.risk ?? '(none)'}`);
    if ((old.when ?? '') !== (now.when ?? '')) out.push(`rule ${id} (${old.risk}) condition changed`);
    if (old.point !== now.point) out.push(`rule ${id} (${old.risk}) moved ${old.point} → ${now.point}`);
    if (canonicalJson(old.obligations) !== canonicalJson(now.obligations))
      out.push(`rule ${id} (${old.risk}) obligations changed`);
  }
  for (const [key, old] of Object.entries(before.defaults)) {
    target = `defaults.${key}`;
    const now = after.defaults[key];
    if (old === 'deny' && now !== 'deny')
      out.push(`default ${key} deny → ${now === undefined ? '(unset)' : String(now)}`);
  }
  for (const [key, now] of Object.entries(after.defaults)) {
    target = `defaults.${key}`;
    if (!(key in before.defaults) && now !== 'deny') out.push(`default ${key} set to ${String(now)}`);
  }
  for (const [name, now] of after.tools) {
    const old = before.tools.get(name);
    if (!old) {
      if (isHighRisk(after, now.risk) || now.risk === undefined)
        out.push(`tool ${name} (${now.risk ?? 'no risk'}) added`);
      continue;
    }
    if (isHighRisk(before, old.risk) && !isHighRisk(after, now.risk))
      out.push(`tool ${name} risk lowered ${old.risk} → ${now.risk ?? '(none)'}`);
    const dropped = old.scopes.filter((s) => !now.scopes.includes(s));
    if (isHighRisk(before, old.risk) && dropped.length > 0)
      out.push(`tool ${name} (${old.risk}) no longer requires ${dropped.join(', ')}`);
    if (
      isHighRisk(before, old.risk) &&
      canonicalJson(old.raw.params ?? null) !== canonicalJson(now.raw.params ?? null)
    )
      out.push(`tool ${name} (${old.risk}) parameter schema changed`);
  }
  for (const [name, old] of before.detectors) {
    target = `detectors.${name}`;
    const now = after.detectors.get(name);
    if (!now) {
      out.push(`detector ${name} removed`);
      continue;
    }
    const t0 = thresholdOf(old.config);
    const t1 = thresholdOf(now.config);
    if (t0 !== undefined && (t1 === undefined || t1 > t0))
      out.push(`detector ${name} threshold ${t0} → ${t1 ?? '(unset)'}`);
    if (old.config.onUnavailable === 'deny' && now.config.onUnavailable !== 'deny')
      out.push(`detector ${name} onUnavailable deny → ${String(now.config.onUnavailable ?? '(unset)')}`);
  }
  return items;
}
