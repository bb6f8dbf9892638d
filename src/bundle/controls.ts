/**
 * The policy-to-control mapping a reviewer asks for: for each control id, the rules that implement
 * it (point, effect, risk, product, file:line) and the products that recorded a deviation from one
 * of those rules — a risk acceptance saying the control is not fully enforced there.
 */
import type { PolicySource } from '../policy/policy-document.js';

/** A rule implementing a control in one product. */
export interface ControlRule {
  product: string;
  rule: string;
  point: string;
  effect: string;
  risk?: string;
  layer: 'baseline' | 'overlay';
  file: string;
  line: number;
}

/** A product's recorded acceptance that a control is not (fully) enforced. */
export interface ControlAcceptance {
  product: string;
  target: string;
  owner: string;
  reason: string;
  expires: string;
}

/** One control's row. */
export interface ControlEntry {
  control: string;
  rules: ControlRule[];
  accepted: ControlAcceptance[];
}

/** The whole mapping, plus rules that name no control. */
export interface ControlsReport {
  controls: ControlEntry[];
  unmapped: { product: string; rule: string; point: string }[];
}

/** Builds the mapping from loaded policies (each a product, with its baseline when it has one). */
export function controlsReport(products: PolicySource[]): ControlsReport {
  const byControl = new Map<string, ControlEntry>();
  const entry = (c: string) => {
    const e = byControl.get(c) ?? { control: c, rules: [], accepted: [] };
    byControl.set(c, e);
    return e;
  };
  const unmapped: ControlsReport['unmapped'] = [];
  const seen = new Set<string>();
  for (const source of products) {
    const doc = source.document;
    for (const r of doc.rules) {
      // A baseline rule shared by several products is listed once per product that enforces it.
      const key = `${doc.name}\u0000${r.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (r.controls.length === 0) unmapped.push({ product: doc.name, rule: r.id, point: r.point });
      for (const c of r.controls)
        entry(c).rules.push({
          product: doc.name,
          rule: r.id,
          point: r.point,
          effect: r.obligations.length > 0 && r.effect === 'allow' ? 'allow_with_conditions' : r.effect,
          ...(r.risk ? { risk: r.risk } : {}),
          layer: r.layer,
          file: r.loc.file,
          line: r.loc.line,
        });
    }
    const baselineRules = new Map((source.baseline?.document.rules ?? []).map((r) => [r.id, r]));
    for (const d of doc.deviations) {
      const rule = baselineRules.get(d.rule) ?? doc.rules.find((r) => r.id === d.rule);
      for (const c of rule?.controls ?? [])
        entry(c).accepted.push({
          product: doc.name,
          target: d.rule,
          owner: d.owner,
          reason: d.reason,
          expires: d.expires,
        });
    }
  }
  const controls = [...byControl.values()].sort((a, b) => (a.control < b.control ? -1 : 1));
  for (const c of controls) c.rules.sort((a, b) => (a.product + a.rule < b.product + b.rule ? -1 : 1));
  return { controls, unmapped: unmapped.sort((a, b) => (a.product + a.rule < b.product + b.rule ? -1 : 1)) };
}

/** Renders the mapping as text. */
export function formatControls(report: ControlsReport): string {
  const lines: string[] = [];
  for (const c of report.controls) {
    lines.push(c.control);
    for (const r of c.rules)
      lines.push(
        `  ${r.rule} — ${r.point} ${r.effect}${r.risk ? ` (${r.risk})` : ''} in ${r.product}${r.layer === 'baseline' ? ' [baseline]' : ''} at ${r.file}:${r.line}`,
      );
    for (const a of c.accepted)
      lines.push(
        `  risk accepted by ${a.product}: deviation on ${a.target}, owner ${a.owner}, expires ${a.expires}: ${a.reason}`,
      );
  }
  if (report.unmapped.length > 0) {
    lines.push('', `Rules that implement no control (${report.unmapped.length})`);
    for (const u of report.unmapped) lines.push(`  ${u.rule} — ${u.point} in ${u.product}`);
  }
  return `${lines.join('\n')}\n`;
}
