/**
 * Turns the YAML files of one policy directory into a single checked `PolicySource`:
 * schema per file, then cross-file checks (duplicates, singletons, risk classes), then overlay
 * composition on a baseline. Collects every diagnostic before failing.
 */

import { composeOverlay } from './compose-overlay.js';
import type { DetectorConfig } from './detector-contract.js';
import { didYouMean, type PolicyDiagnostic, PolicyLoadError, sortDiagnostics } from './errors.js';
import { POLICY_LIMITS } from './limits.js';
import {
  DEFAULT_RISK_CLASSES,
  type MessageDefaults,
  type ObligationSpec,
  type PolicyDocument,
  type PolicySource,
  type RuleSpec,
  type SpikeNarrowing,
  type SpikeSignal,
  type SpikeTriggerSpec,
} from './policy-document.js';
import type { Effect, Point } from './types.js';
import { validatePolicyFile } from './validate-file.js';
import { readYaml, type SourceFile, type SourceLocation, type YamlSource } from './yaml-source.js';

/** Options for `parsePolicyFiles`. */
export interface ParseOptions {
  /** The already-loaded baseline when these files declare `extends:`. */
  baseline?: PolicySource;
  /** ISO date (YYYY-MM-DD) against which deviation expiry is judged; defaults to today (UTC). */
  today?: string;
}

/** Kinds that may sit beside policy files and are skipped by the policy loader. */
const OTHER_KINDS = new Set(['TestSuite', 'Incident', 'Simulation', 'Governance', 'Exceptions']);

const SINGLETONS = [
  'metadata',
  'extends',
  'riskClasses',
  'defaults',
  'messages',
  'spikeGuard',
  'rollout',
] as const;

type Data = Record<string, unknown>;

/**
 * Parses and checks the files of one policy. Throws `PolicyLoadError` when the files cannot form a
 * document (YAML or schema errors); other problems are returned on `source.diagnostics`.
 */
export function parsePolicyFiles(files: SourceFile[], opts: ParseOptions = {}): PolicySource {
  const diagnostics: PolicyDiagnostic[] = [];
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const first = sorted[0]?.path ?? '<policy>';
  const fail = (file: string, code: string, message: string, suggestion?: string) => {
    const d: PolicyDiagnostic = { code, message, file, line: 1, column: 1, severity: 'error' };
    if (suggestion) d.suggestion = suggestion;
    diagnostics.push(d);
  };

  if (sorted.length === 0)
    throw new PolicyLoadError([
      {
        code: 'policy/empty',
        message: 'no policy files found',
        file: first,
        line: 1,
        column: 1,
        severity: 'error',
      },
    ]);
  if (sorted.length > POLICY_LIMITS.maxFiles)
    fail(first, 'policy/too-many-files', `${sorted.length} files; the limit is ${POLICY_LIMITS.maxFiles}`);
  const total = sorted.reduce((n, f) => n + f.text.length, 0);
  if (total > POLICY_LIMITS.maxTotalChars)
    fail(
      first,
      'policy/too-large',
      `policy files total ${total} characters; the limit is ${POLICY_LIMITS.maxTotalChars}`,
    );
  if (diagnostics.length > 0) throw new PolicyLoadError(diagnostics);

  const policyFiles: { file: SourceFile; yaml: YamlSource }[] = [];
  for (const file of sorted) {
    const { source, diagnostics: parseErrors } = readYaml(file);
    diagnostics.push(...parseErrors);
    if (!source) continue;
    const data = source.data;
    if (data === null || data === undefined) continue; // an empty file contributes nothing
    if (typeof data !== 'object' || Array.isArray(data)) {
      fail(file.path, 'policy/wrong-type', 'a policy file must be a map with `apiVersion` and `kind`');
      continue;
    }
    const kind = (data as Data).kind;
    if (typeof kind === 'string' && OTHER_KINDS.has(kind)) continue;
    if (kind !== 'Policy') {
      const loc = source.locate(['kind']);
      diagnostics.push({
        code: 'policy/unknown-kind',
        message:
          kind === undefined ? 'missing `kind` (expected `Policy`)' : `unknown kind \`${String(kind)}\``,
        file: file.path,
        line: loc.line,
        column: loc.column,
        severity: 'error',
        ...(typeof kind === 'string' ? { suggestion: didYouMean(kind, ['Policy', ...OTHER_KINDS]) } : {}),
      });
      continue;
    }
    const schemaErrors = validatePolicyFile(source);
    diagnostics.push(...schemaErrors);
    if (schemaErrors.length === 0) policyFiles.push({ file, yaml: source });
  }
  if (policyFiles.length === 0 && diagnostics.length === 0)
    fail(first, 'policy/empty', 'no file with `kind: Policy` found');
  if (diagnostics.length > 0) throw new PolicyLoadError(sortDiagnostics(diagnostics));

  const document = mergeFiles(policyFiles, diagnostics);
  checkReferences(document, diagnostics);
  let source: PolicySource = { document, files: sorted };
  if (document.extends !== undefined) {
    if (!opts.baseline) {
      diagnostics.push({
        code: 'policy/extends-unresolved',
        message: `this policy extends \`${document.extends}\`, but no baseline was loaded`,
        ...document.loc,
        severity: 'error',
      });
    } else {
      source = {
        document: composeOverlay(opts.baseline.document, document, diagnostics, opts.today ?? todayUtc()),
        files: sorted,
        baseline: opts.baseline,
      };
    }
  } else if (opts.baseline) {
    diagnostics.push({
      code: 'policy/unexpected-baseline',
      message: 'a baseline was given but the policy has no `extends:`',
      ...document.loc,
      severity: 'error',
    });
  }
  // Reference and overlay problems do not stop the document from being built; the compiler reports
  // them together with its own (CEL, tools, detectors) so authors see every problem at once.
  source.diagnostics = sortDiagnostics(diagnostics);
  return source;
}

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

function mergeFiles(
  files: { file: SourceFile; yaml: YamlSource }[],
  diagnostics: PolicyDiagnostic[],
): PolicyDocument {
  const firstYaml = (files[0] as { yaml: YamlSource }).yaml;
  const doc: PolicyDocument = {
    name: '',
    version: '0',
    riskClasses: [...DEFAULT_RISK_CLASSES],
    defaults: { input: 'allow', route: 'allow', tool: 'deny', output: 'allow', persist: 'allow' },
    onError: 'deny',
    messages: { points: {} },
    detectors: new Map(),
    tools: new Map(),
    rules: [],
    guardrails: [],
    deviations: [],
    spikeGuard: [],
    declared: new Set(),
    defaultLocs: new Map(),
    loc: firstYaml.locate([]),
  };
  const singletonOwner = new Map<string, SourceLocation>();
  const ruleIds = new Map<string, SourceLocation>();
  const dup = (loc: SourceLocation, code: string, message: string, previous: SourceLocation) =>
    diagnostics.push({
      code,
      message: `${message} (first defined at ${previous.file}:${previous.line}:${previous.column})`,
      ...loc,
      severity: 'error',
    });

  for (const { yaml } of files) {
    const data = yaml.data as Data;
    for (const key of SINGLETONS) {
      if (!(key in data)) continue;
      const loc = yaml.locate([key], { key: true });
      const prev = singletonOwner.get(key);
      if (prev) {
        dup(loc, 'policy/duplicate-section', `\`${key}\` may appear in only one file of a policy`, prev);
        continue;
      }
      singletonOwner.set(key, loc);
      doc.declared.add(key);
    }
    const metadata = data.metadata as Data | undefined;
    if (metadata && singletonOwner.get('metadata')?.file === yaml.file) {
      doc.name = String(metadata.name);
      if (metadata.owner !== undefined) doc.owner = String(metadata.owner);
      if (metadata.version !== undefined) doc.version = String(metadata.version);
      if (metadata.description !== undefined) doc.description = String(metadata.description);
      doc.loc = yaml.locate(['metadata']);
    }
    if (typeof data.extends === 'string' && singletonOwner.get('extends')?.file === yaml.file)
      doc.extends = data.extends;
    if (Array.isArray(data.riskClasses) && singletonOwner.get('riskClasses')?.file === yaml.file) {
      doc.riskClasses = data.riskClasses.map(String);
    }
    const defaults = data.defaults as Data | undefined;
    if (defaults && singletonOwner.get('defaults')?.file === yaml.file) {
      for (const [k, v] of Object.entries(defaults)) {
        if (k === 'onError') doc.onError = v as PolicyDocument['onError'];
        else doc.defaults[k as Point] = v as 'allow' | 'deny';
        doc.declared.add(`defaults.${k}`);
        doc.defaultLocs.set(`defaults.${k}`, yaml.locate(['defaults', k]));
      }
    }
    const messages = data.messages as Data | undefined;
    if (messages && singletonOwner.get('messages')?.file === yaml.file) doc.messages = readMessages(messages);
    const spike = data.spikeGuard as Data | undefined;
    if (spike && singletonOwner.get('spikeGuard')?.file === yaml.file)
      doc.spikeGuard = ((spike.triggers as Data[] | undefined) ?? []).map((t, i) => toTrigger(t, i, yaml));
    const rollout = data.rollout as Data | undefined;
    if (rollout && singletonOwner.get('rollout')?.file === yaml.file) {
      doc.rollout = {
        minDecisions: typeof rollout.minDecisions === 'number' ? rollout.minDecisions : 50,
        loc: yaml.locate(['rollout']),
      };
      for (const k of ['maxBlockedRateIncrease', 'maxErrorRateIncrease', 'maxLatencyP99Ratio'] as const)
        if (typeof rollout[k] === 'number') doc.rollout[k] = rollout[k];
    }

    for (const [name, raw] of Object.entries((data.detectors as Data | undefined) ?? {})) {
      const loc = yaml.locate(['detectors', name], { key: true });
      const prev = doc.detectors.get(name);
      if (prev) dup(loc, 'policy/duplicate-detector', `detector \`${name}\` is defined twice`, prev.loc);
      else doc.detectors.set(name, { name, config: raw as DetectorConfig, loc });
    }
    for (const [name, raw] of Object.entries((data.tools as Data | undefined) ?? {})) {
      const t = raw as Data;
      const loc = yaml.locate(['tools', name], { key: true });
      const prev = doc.tools.get(name);
      if (prev) {
        dup(loc, 'policy/duplicate-tool', `tool \`${name}\` is defined twice`, prev.loc);
        continue;
      }
      doc.tools.set(name, {
        name,
        ...(t.description !== undefined ? { description: String(t.description) } : {}),
        risk: String(t.risk),
        scopes: Array.isArray(t.scopes) ? t.scopes.map(String) : [],
        ...(t.params !== undefined ? { params: t.params as Record<string, unknown> } : {}),
        loc,
        locateKey: (key) => yaml.locate(['tools', name, key]),
      });
    }
    ((data.rules as Data[] | undefined) ?? []).forEach((r, index) => {
      const rule = toRule(r, index, yaml);
      const prev = ruleIds.get(rule.id);
      if (prev)
        dup(
          yaml.locate(['rules', index, 'id']),
          'policy/duplicate-rule',
          `rule id \`${rule.id}\` is used twice`,
          prev,
        );
      else {
        ruleIds.set(rule.id, rule.loc);
        doc.rules.push(rule);
      }
    });
    ((data.guardrails as Data[] | undefined) ?? []).forEach((g, index) => {
      doc.guardrails.push({
        id: String(g.id),
        ...(Array.isArray(g.routes) ? { routes: g.routes.map(String) } : {}),
        ...(Array.isArray(g.points) ? { points: g.points as Point[] } : {}),
        text: String(g.text),
        loc: yaml.locate(['guardrails', index]),
      });
    });
    ((data.deviations as Data[] | undefined) ?? []).forEach((d, index) => {
      doc.deviations.push({
        rule: String(d.rule),
        owner: String(d.owner),
        reason: String(d.reason),
        expires: String(d.expires),
        loc: yaml.locate(['deviations', index]),
      });
    });
  }
  if (!singletonOwner.has('metadata')) {
    diagnostics.push({
      code: 'policy/missing-metadata',
      message: 'no file of this policy has `metadata` with a `name`',
      ...doc.loc,
      severity: 'error',
    });
  }
  if (doc.rules.length > POLICY_LIMITS.maxRules) {
    diagnostics.push({
      code: 'policy/too-many-rules',
      message: `${doc.rules.length} rules; the limit is ${POLICY_LIMITS.maxRules}`,
      ...doc.loc,
      severity: 'error',
    });
  }
  return doc;
}

function readMessages(raw: Data): MessageDefaults {
  const out: MessageDefaults = { points: {} };
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'deny' || k === 'allow_with_conditions') out[k] = String(v);
    else out.points[k as Point] = v as { deny?: string; allow_with_conditions?: string };
  }
  return out;
}

function toTrigger(t: Data, index: number, yaml: YamlSource): SpikeTriggerSpec {
  const trigger: SpikeTriggerSpec = {
    id: String(t.id),
    signal: t.signal as SpikeSignal,
    minDecisions: typeof t.minDecisions === 'number' ? t.minDecisions : 20,
    narrow: t.narrow as SpikeNarrowing,
    approver: typeof t.approver === 'string' ? t.approver : 'oncall',
    loc: yaml.locate(['spikeGuard', 'triggers', index]),
  };
  if (Array.isArray(t.routes)) trigger.routes = t.routes.map(String);
  if (typeof t.rule === 'string') trigger.rule = t.rule;
  if (typeof t.factor === 'number') trigger.factor = t.factor;
  if (typeof t.threshold === 'number') trigger.threshold = t.threshold;
  if (typeof t.minRisk === 'string') trigger.minRisk = t.minRisk;
  return trigger;
}

function toRule(r: Data, index: number, yaml: YamlSource): RuleSpec {
  const path = ['rules', index];
  const obligations: ObligationSpec[] = ((r.obligations as Data[] | undefined) ?? []).map((o) => {
    const [type, params] = Object.entries(o)[0] as [string, unknown];
    return { type, params: (params as Record<string, unknown> | null) ?? {} };
  });
  const rule: RuleSpec = {
    id: String(r.id),
    point: r.point as Point,
    effect: r.effect as Effect,
    obligations,
    controls: Array.isArray(r.controls) ? r.controls.map(String) : [],
    evidence: Array.isArray(r.evidence) ? r.evidence.map(String) : [],
    loc: yaml.locate(path),
    locateWhen: (offset) => yaml.locateWithin([...path, 'when'], offset),
    locateKey: (key) => yaml.locate([...path, key]),
    layer: 'overlay',
  };
  for (const key of ['description', 'when', 'risk', 'reason', 'message', 'owner'] as const) {
    if (r[key] !== undefined) rule[key] = String(r[key]);
  }
  return rule;
}

/** Cross-references inside one layer: risk classes, obligation sanity, evidence fields. */
function checkReferences(doc: PolicyDocument, diagnostics: PolicyDiagnostic[]): void {
  const risk = (value: string | undefined, loc: SourceLocation, what: string) => {
    if (value === undefined || doc.riskClasses.includes(value)) return;
    const d: PolicyDiagnostic = {
      code: 'policy/unknown-risk-class',
      message: `${what} uses risk class \`${value}\`, which is not declared (declared: ${doc.riskClasses.join(', ')})`,
      ...loc,
      severity: 'error',
    };
    const hint = didYouMean(value, doc.riskClasses);
    if (hint) d.suggestion = hint;
    diagnostics.push(d);
  };
  for (const rule of doc.rules) {
    risk(rule.risk, rule.locateKey('risk'), `rule \`${rule.id}\``);
    if (rule.effect === 'deny' && rule.obligations.length > 0) {
      diagnostics.push({
        code: 'policy/obligations-on-deny',
        message: `rule \`${rule.id}\` denies, so its obligations could never be carried out`,
        ...rule.locateKey('obligations'),
        severity: 'error',
        suggestion: 'use `effect: allow` with obligations, or drop them',
      });
    }
    if (rule.effect === 'allow_with_conditions' && rule.obligations.length === 0) {
      diagnostics.push({
        code: 'policy/conditions-without-obligations',
        message: `rule \`${rule.id}\` is allow_with_conditions but lists no obligations`,
        ...rule.locateKey('effect'),
        severity: 'error',
      });
    }
  }
  for (const tool of doc.tools.values()) risk(tool.risk, tool.locateKey('risk'), `tool \`${tool.name}\``);
  const r = doc.rollout;
  if (
    r &&
    r.maxBlockedRateIncrease === undefined &&
    r.maxErrorRateIncrease === undefined &&
    r.maxLatencyP99Ratio === undefined
  )
    diagnostics.push({
      code: 'policy/missing-key',
      message:
        '`rollout` needs at least one limit: maxBlockedRateIncrease, maxErrorRateIncrease or maxLatencyP99Ratio',
      ...r.loc,
      severity: 'error',
    });
  const triggerIds = new Set<string>();
  for (const t of doc.spikeGuard) {
    risk(t.minRisk, t.loc, `spike-guard trigger \`${t.id}\``);
    if (triggerIds.has(t.id))
      diagnostics.push({
        code: 'policy/duplicate-trigger',
        message: `spike-guard trigger id \`${t.id}\` is used twice`,
        ...t.loc,
        severity: 'error',
      });
    triggerIds.add(t.id);
    if (t.factor === undefined && t.threshold === undefined)
      diagnostics.push({
        code: 'policy/missing-key',
        message: `spike-guard trigger \`${t.id}\` needs \`factor\` (× the previous hour) or \`threshold\`, or both`,
        ...t.loc,
        severity: 'error',
      });
    // An overlay may name a baseline rule, which is checked once the layers are composed.
    if (t.rule !== undefined && doc.extends === undefined && !doc.rules.some((r) => r.id === t.rule)) {
      const d: PolicyDiagnostic = {
        code: 'policy/unknown-rule',
        message: `spike-guard trigger \`${t.id}\` watches rule \`${t.rule}\`, which this policy does not define`,
        ...t.loc,
        severity: 'error',
      };
      const hint = didYouMean(
        t.rule,
        doc.rules.map((r) => r.id),
      );
      if (hint) d.suggestion = hint;
      diagnostics.push(d);
    }
  }
}
