/**
 * Composes a product overlay on an organisation baseline. The overlay may add and tighten freely;
 * every loosening of a baseline item must be covered by an unexpired `deviations:` entry, or it is
 * a compile error. Loosening is judged syntactically and conservatively: a change we cannot prove
 * to be a tightening counts as a loosening.
 */
import type { PolicyDiagnostic } from './errors.js';
import type { PolicyDocument, RuleSpec } from './policy-document.js';
import { POINTS } from './types.js';
import type { SourceLocation } from './yaml-source.js';

interface Loosening {
  /** The deviation key that would cover it: a rule id, `defaults.<point>`, `tools.<name>`, `detectors.<name>`. */
  target: string;
  what: string;
  loc: SourceLocation;
}

/** Merges `overlay` onto `baseline`, reporting uncovered loosenings and stale deviations into `diagnostics`. */
export function composeOverlay(
  baseline: PolicyDocument,
  overlay: PolicyDocument,
  diagnostics: PolicyDiagnostic[],
  today: string,
): PolicyDocument {
  const loosenings: Loosening[] = [];
  const riskIndex = (classes: string[], r: string | undefined) => (r === undefined ? -1 : classes.indexOf(r));

  const riskClasses = overlay.declared.has('riskClasses') ? overlay.riskClasses : baseline.riskClasses;
  if (
    overlay.declared.has('riskClasses') &&
    overlay.riskClasses.join(',') !== baseline.riskClasses.join(',')
  ) {
    diagnostics.push({
      code: 'policy/risk-classes-differ',
      message: `an overlay must use the baseline's risk classes (${baseline.riskClasses.join(', ')})`,
      ...overlay.loc,
      severity: 'error',
    });
  }

  const defaults = { ...baseline.defaults };
  for (const point of POINTS) {
    if (!overlay.declared.has(`defaults.${point}`)) continue;
    if (baseline.defaults[point] === 'deny' && overlay.defaults[point] === 'allow') {
      loosenings.push({
        target: `defaults.${point}`,
        what: `default for \`${point}\` changes from deny to allow`,
        loc: overlay.defaultLocs.get(`defaults.${point}`) ?? overlay.loc,
      });
    }
    defaults[point] = overlay.defaults[point];
  }
  let onError = baseline.onError;
  if (overlay.declared.has('defaults.onError')) {
    if (baseline.onError === 'deny' && overlay.onError !== 'deny') {
      loosenings.push({
        target: 'defaults.onError',
        what: '`onError` no longer denies',
        loc: overlay.defaultLocs.get('defaults.onError') ?? overlay.loc,
      });
    }
    onError = overlay.onError;
  }

  const tools = new Map(baseline.tools);
  for (const [name, tool] of overlay.tools) {
    const base = baseline.tools.get(name);
    if (base) {
      if (riskIndex(riskClasses, tool.risk) < riskIndex(riskClasses, base.risk)) {
        loosenings.push({
          target: `tools.${name}`,
          what: `tool \`${name}\` risk lowered from ${base.risk} to ${tool.risk}`,
          loc: tool.loc,
        });
      }
      if (base.scopes.some((s) => !tool.scopes.includes(s))) {
        loosenings.push({
          target: `tools.${name}`,
          what: `tool \`${name}\` drops required scopes`,
          loc: tool.loc,
        });
      }
      if (JSON.stringify(base.params ?? null) !== JSON.stringify(tool.params ?? null)) {
        loosenings.push({
          target: `tools.${name}`,
          what: `tool \`${name}\` changes its parameter schema`,
          loc: tool.loc,
        });
      }
    }
    tools.set(name, tool);
  }

  const detectors = new Map(baseline.detectors);
  for (const [name, det] of overlay.detectors) {
    const base = baseline.detectors.get(name);
    if (base) {
      const raised = (det.config.threshold ?? 0) > (base.config.threshold ?? 0);
      const skipped = base.config.onUnavailable !== 'skip' && det.config.onUnavailable === 'skip';
      if (raised || skipped || det.config.use !== base.config.use) {
        loosenings.push({
          target: `detectors.${name}`,
          what: `detector \`${name}\` is made less strict`,
          loc: det.loc,
        });
      }
    }
    detectors.set(name, det);
  }

  const overlayRules = new Map(overlay.rules.map((r) => [r.id, r]));
  const rules: RuleSpec[] = [];
  for (const base of baseline.rules) {
    const replacement = overlayRules.get(base.id);
    if (!replacement) {
      rules.push({ ...base, layer: 'baseline' });
      continue;
    }
    const why = ruleLoosening(base, replacement, riskClasses);
    if (why) loosenings.push({ target: base.id, what: `rule \`${base.id}\`: ${why}`, loc: replacement.loc });
    rules.push(replacement);
    overlayRules.delete(base.id);
  }
  rules.push(...overlayRules.values());

  const used = new Set<string>();
  for (const l of loosenings) {
    const deviation = overlay.deviations.find((d) => d.rule === l.target);
    if (!deviation) {
      diagnostics.push({
        code: 'policy/undeclared-loosening',
        message: `${l.what}, which loosens the baseline`,
        ...l.loc,
        severity: 'error',
        suggestion: `tighten it, or add a deviation: \`deviations: [{ rule: ${l.target}, owner: …, reason: …, expires: YYYY-MM-DD }]\``,
      });
      continue;
    }
    used.add(deviation.rule);
    if (deviation.expires < today) {
      diagnostics.push({
        code: 'policy/deviation-expired',
        message: `the deviation for \`${deviation.rule}\` expired on ${deviation.expires}, so ${l.what} is no longer accepted`,
        ...deviation.loc,
        severity: 'error',
        suggestion: 'renew the deviation with its owner, or remove the loosening',
      });
    }
  }
  for (const d of overlay.deviations) {
    if (!used.has(d.rule)) {
      diagnostics.push({
        code: 'policy/unused-deviation',
        message: `deviation for \`${d.rule}\` covers no loosening of the baseline`,
        ...d.loc,
        severity: 'warning',
      });
    }
  }

  return {
    ...overlay,
    riskClasses,
    defaults,
    onError,
    messages: {
      ...baseline.messages,
      ...overlay.messages,
      points: { ...baseline.messages.points, ...overlay.messages.points },
    },
    detectors,
    tools,
    rules,
    guardrails: [...baseline.guardrails, ...overlay.guardrails],
    deviations: overlay.deviations,
    // Spike triggers only ever narrow, so the baseline's stay and the overlay adds its own.
    spikeGuard: [
      ...baseline.spikeGuard.filter((b) => !overlay.spikeGuard.some((o) => o.id === b.id)),
      ...overlay.spikeGuard,
    ],
    ...((overlay.rollout ?? baseline.rollout) ? { rollout: overlay.rollout ?? baseline.rollout } : {}),
  };
}

/** Why replacing `base` with `next` loosens it, or undefined when it provably does not. */
function ruleLoosening(base: RuleSpec, next: RuleSpec, riskClasses: string[]): string | undefined {
  if (base.point !== next.point) return 'it moves to another point';
  if (base.effect === 'deny' && next.effect !== 'deny') return 'it no longer denies';
  if (riskClasses.indexOf(next.risk ?? '') < riskClasses.indexOf(base.risk ?? ''))
    return 'its risk is lowered';
  const oldWhen = squash(base.when ?? 'true');
  const newWhen = squash(next.when ?? 'true');
  if (base.effect === 'deny') {
    // A deny may only widen: the new condition must be the old one, or the old one OR something.
    const widened =
      newWhen === oldWhen || newWhen.startsWith(`(${oldWhen})||`) || newWhen.endsWith(`||(${oldWhen})`);
    if (!widened) return 'its condition changes in a way that may deny less (write it as `(old) || (extra)`)';
    return undefined;
  }
  if (next.effect === 'deny') return undefined;
  const narrowed =
    newWhen === oldWhen || newWhen.startsWith(`(${oldWhen})&&`) || newWhen.endsWith(`&&(${oldWhen})`);
  if (!narrowed) return 'its condition changes in a way that may allow more (write it as `(old) && (extra)`)';
  const nextTypes = new Set(next.obligations.map((o) => o.type));
  const dropped = base.obligations.find((o) => !nextTypes.has(o.type));
  if (dropped) return `it drops the \`${dropped.type}\` obligation`;
  return undefined;
}

function squash(expr: string): string {
  return expr.replace(/\s+/g, '');
}
