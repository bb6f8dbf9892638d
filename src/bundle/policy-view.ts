/**
 * A structural, engine-independent view of the policy documents in a bundle or directory: rules by
 * id, tools, detectors, defaults, guardrails and deviations, read straight from the YAML. Diff,
 * loosening detection, drift and the controls report compare these views; the engine stays the only
 * judge of what a policy decides.
 */
import { parseAllDocuments } from 'yaml';

/** One rule as written. */
export interface RuleView {
  id: string;
  point?: string;
  effect?: string;
  risk?: string;
  when?: string;
  obligations: unknown[];
  controls: string[];
  owner?: string;
  file: string;
  raw: Record<string, unknown>;
}

/** One declared tool as written. */
export interface ToolView {
  name: string;
  risk?: string;
  scopes: string[];
  file: string;
  raw: Record<string, unknown>;
}

/** One declared deviation (a recorded risk acceptance in an overlay). */
export interface DeviationView {
  /** Baseline rule the deviation loosens, when it names one. */
  rule?: string;
  /** Controls the product declares it cannot enforce. */
  controls: string[];
  owner?: string;
  reason?: string;
  expires?: string;
  file: string;
  raw: Record<string, unknown>;
}

/** Everything the lifecycle tools compare. */
export interface PolicyView {
  name: string;
  version: string;
  owner?: string;
  extends: string[];
  riskClasses: string[];
  defaults: Record<string, unknown>;
  rules: Map<string, RuleView>;
  tools: Map<string, ToolView>;
  detectors: Map<string, { name: string; file: string; config: Record<string, unknown> }>;
  guardrails: Map<string, { id: string; file: string; raw: Record<string, unknown> }>;
  deviations: DeviationView[];
  /** Policy files read, in order. */
  files: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** True when the text looks like a policy document (YAML with `kind: Policy`). */
export function isPolicyPath(path: string): boolean {
  return /\.ya?ml$/.test(path);
}

/**
 * Builds the view from policy files. Documents other than `kind: Policy` are skipped; a file that
 * does not parse contributes nothing (the compiler reports it with a location).
 */
export function readPolicyView(files: { path: string; text: string }[]): PolicyView {
  const view: PolicyView = {
    name: '',
    version: '',
    extends: [],
    riskClasses: ['low', 'medium', 'high', 'critical'],
    defaults: {},
    rules: new Map(),
    tools: new Map(),
    detectors: new Map(),
    guardrails: new Map(),
    deviations: [],
    files: [],
  };
  for (const { path, text } of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (!isPolicyPath(path)) continue;
    let docs: unknown[];
    try {
      docs = parseAllDocuments(text).map((d) =>
        'errors' in d && d.errors.length > 0 ? undefined : d.toJS(),
      );
    } catch {
      continue;
    }
    for (const doc of docs) {
      if (!isRecord(doc) || doc.kind !== 'Policy') continue;
      view.files.push(path);
      const meta = isRecord(doc.metadata) ? doc.metadata : {};
      // A file that others extend is a baseline; the overlay's metadata names the bundle.
      if (!view.name || doc.extends !== undefined) {
        view.name = str(meta.name) ?? view.name;
        view.version = str(meta.version) ?? view.version;
        const owner = str(meta.owner);
        if (owner) view.owner = owner;
      }
      view.extends.push(...strings(doc.extends));
      if (Array.isArray(doc.riskClasses)) view.riskClasses = strings(doc.riskClasses);
      if (isRecord(doc.defaults)) Object.assign(view.defaults, doc.defaults);
      if (Array.isArray(doc.rules))
        for (const r of doc.rules) {
          if (!isRecord(r) || typeof r.id !== 'string') continue;
          const rule: RuleView = {
            id: r.id,
            obligations: Array.isArray(r.obligations) ? r.obligations : [],
            controls: strings(r.controls),
            file: path,
            raw: r,
          };
          for (const key of ['point', 'effect', 'risk', 'when', 'owner'] as const) {
            const v = str(r[key]);
            if (v !== undefined) rule[key] = v;
          }
          view.rules.set(r.id, rule);
        }
      if (isRecord(doc.tools))
        for (const [name, t] of Object.entries(doc.tools)) {
          const raw = isRecord(t) ? t : {};
          const tool: ToolView = { name, scopes: strings(raw.scopes), file: path, raw };
          const risk = str(raw.risk);
          if (risk) tool.risk = risk;
          view.tools.set(name, tool);
        }
      if (isRecord(doc.detectors))
        for (const [name, d] of Object.entries(doc.detectors))
          view.detectors.set(name, { name, file: path, config: isRecord(d) ? d : {} });
      if (Array.isArray(doc.guardrails))
        for (const g of doc.guardrails)
          if (isRecord(g) && typeof g.id === 'string')
            view.guardrails.set(g.id, { id: g.id, file: path, raw: g });
      if (Array.isArray(doc.deviations))
        for (const d of doc.deviations) {
          if (!isRecord(d)) continue;
          const dev: DeviationView = {
            controls: [...strings(d.controls), ...strings(d.control), ...strings(d.cannotEnforce)],
            file: path,
            raw: d,
          };
          for (const key of ['rule', 'owner', 'reason', 'expires'] as const) {
            const v = str(d[key]);
            if (v !== undefined) dev[key] = v;
          }
          view.deviations.push(dev);
        }
    }
  }
  return view;
}

/** The `extends:` of the first policy document in a YAML text, if any. */
export function extendsOfText(text: string): string | undefined {
  try {
    for (const doc of parseAllDocuments(text)) {
      if ('errors' in doc && doc.errors.length > 0) continue;
      const data = doc.toJS() as unknown;
      if (isRecord(data) && data.kind === 'Policy' && typeof data.extends === 'string') return data.extends;
    }
  } catch {
    // unparsable files are reported by the policy loader
  }
  return undefined;
}

/** True when a risk class is in the top half of the declared classes (high, critical by default). */
export function isHighRisk(view: Pick<PolicyView, 'riskClasses'>, risk: string | undefined): boolean {
  if (!risk) return false;
  const i = view.riskClasses.indexOf(risk);
  return i >= 0 && i >= Math.floor(view.riskClasses.length / 2);
}
