/**
 * Drift: how each product overlay departs from the organisation baseline. Loosenings without a
 * deviation are errors; deviations past their expiry are flagged; the rest are listed with owner,
 * reason and expiry so a reviewer sees every recorded risk acceptance in one place.
 */
import { isPolicyError, type PolicyDiagnostic } from '../policy/errors.js';
import { parsePolicyFiles } from '../policy/parse-policy-files.js';
import type { PolicySource } from '../policy/policy-document.js';
import type { SourceFile } from '../policy/yaml-source.js';
import { findLooseningItems } from './loosening.js';
import { type PolicyView, readPolicyView } from './policy-view.js';

function layerFiles(source: PolicySource): SourceFile[] {
  return [...(source.baseline ? layerFiles(source.baseline) : []), ...source.files];
}

function overlaid(base: PolicyView, over: PolicyView): PolicyView {
  return {
    ...base,
    defaults: { ...base.defaults, ...over.defaults },
    rules: new Map([...base.rules, ...over.rules]),
    tools: new Map([...base.tools, ...over.tools]),
    detectors: new Map([...base.detectors, ...over.detectors]),
    guardrails: new Map([...base.guardrails, ...over.guardrails]),
    deviations: over.deviations,
  };
}

/** One deviation as reviewed. */
export interface DeviationStatus {
  target: string;
  owner?: string;
  reason?: string;
  expires?: string;
  status: 'active' | 'expiring' | 'expired';
  file: string;
}

/** One overlay's drift. */
export interface OverlayDrift {
  overlay: string;
  name: string;
  /** Loosenings with no deviation, and other reasons the overlay does not compose (located). */
  errors: PolicyDiagnostic[];
  deviations: DeviationStatus[];
}

/** Days before expiry at which a deviation is flagged as expiring. */
export const EXPIRING_WITHIN_DAYS = 30;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Composes `overlayFiles` on `baseline` and classifies what departs from it. `today` is YYYY-MM-DD. */
export function overlayDrift(
  overlay: string,
  overlayFiles: SourceFile[],
  baseline: PolicySource,
  today: string,
): OverlayDrift {
  const view = readPolicyView(overlayFiles);
  const errors: PolicyDiagnostic[] = [];
  try {
    // Judge loosenings against the start of time so expiry is reported once, below, not as a compile error.
    parsePolicyFiles(overlayFiles, { baseline, today: '0000-01-01' });
  } catch (error) {
    if (!isPolicyError(error)) throw error;
    errors.push(...error.diagnostics.filter((d) => d.severity === 'error'));
  }
  // A second, independent check of high-risk loosenings (same rules as bundle signing), so drift does
  // not depend on one implementation of the composition rules alone.
  const baseView = readPolicyView(layerFiles(baseline));
  const covered = new Set(view.deviations.map((d) => d.rule));
  const reported = new Set(errors.map((e) => e.message));
  for (const l of findLooseningItems(baseView, overlaid(baseView, view))) {
    if (l.added || covered.has(l.target) || [...reported].some((m) => m.includes(`\`${l.target}\``)))
      continue;
    const file = view.files[0] ?? overlay;
    errors.push({
      code: 'policy/undeclared-loosening',
      message: `${l.what}, which loosens the baseline (deviation key \`${l.target}\`)`,
      file,
      line: 1,
      column: 1,
      severity: 'error',
    });
  }
  const soon = addDays(today, EXPIRING_WITHIN_DAYS);
  const deviations = view.deviations.map((d): DeviationStatus => {
    const status =
      d.expires !== undefined && d.expires < today
        ? 'expired'
        : d.expires !== undefined && d.expires <= soon
          ? 'expiring'
          : 'active';
    return {
      target: d.rule ?? '(unnamed)',
      ...(d.owner ? { owner: d.owner } : {}),
      ...(d.reason ? { reason: d.reason } : {}),
      ...(d.expires ? { expires: d.expires } : {}),
      status,
      file: d.file,
    };
  });
  return { overlay, name: view.name, errors, deviations };
}

/** Renders drift for several overlays; the second value is true when anything must fail the run. */
export function formatDrift(baselineName: string, drifts: OverlayDrift[]): { text: string; failed: boolean } {
  const lines = [`rampart drift — baseline ${baselineName}, ${drifts.length} overlay(s)`];
  let errors = 0;
  let expired = 0;
  for (const d of drifts) {
    lines.push('', `${d.name || '(unnamed)'} (${d.overlay})`);
    for (const e of d.errors) {
      errors++;
      const label = e.code === 'policy/undeclared-loosening' ? 'undocumented loosening' : e.code;
      lines.push(`  ERROR ${e.file}:${e.line}:${e.column} ${label}: ${e.message}`);
    }
    for (const v of d.deviations) {
      if (v.status === 'expired') expired++;
      const tag = v.status === 'expired' ? 'EXPIRED ' : v.status === 'expiring' ? 'expiring' : 'active  ';
      lines.push(
        `  ${tag} deviation ${v.target} — owner ${v.owner ?? '?'}, expires ${v.expires ?? '?'}: ${v.reason ?? ''}`,
      );
    }
    if (d.errors.length === 0 && d.deviations.length === 0) lines.push('  no departures from the baseline');
  }
  lines.push(
    '',
    `${errors} undocumented loosening(s) or composition error(s), ${expired} expired deviation(s)`,
  );
  return { text: `${lines.join('\n')}\n`, failed: errors > 0 || expired > 0 };
}
