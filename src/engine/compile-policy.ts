/**
 * compilePolicy: checks every rule against the request shape of its point, plans its CEL once,
 * compiles tool parameter schemas, instantiates detectors and builds the per-point rule index.
 * Every problem becomes a located diagnostic; all of them are reported together.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import type { Detector, DetectorConfig, DetectorRegistry } from '../policy/detector-contract.js';
import { didYouMean, type PolicyDiagnostic, PolicyLoadError, sortDiagnostics } from '../policy/errors.js';
import { POLICY_LIMITS } from '../policy/limits.js';
import type { PolicySource, RuleSpec } from '../policy/policy-document.js';
import { type Obligation, type ObligationType, POINTS, type Point } from '../policy/types.js';
import {
  checkingEnvironment,
  evaluationEnvironment,
  fieldsOf,
  TEXT_POINTS,
  variablesAt,
} from './cel-environment.js';
import type { CelProgram, CompiledPolicy, CompiledRule, PointIndex, ToolInfo } from './compiled-policy.js';
import { comparedLiterals, fieldsRead, indexCondition, mentions } from './rule-index.js';
import { createParamsCompiler, type ParamsValidator, type RegexEngine, usesPatterns } from './tool-params.js';

/** Options for `compilePolicy`. */
export interface CompileOptions {
  /** Detector implementations by `use` id; without it, rules reading findings need precomputed findings. */
  detectors?: DetectorRegistry;
  /** Linear-time regex engine for `pattern` in tool schemas (RE2); patterns are refused without one. */
  regex?: RegexEngine;
  /** Overrides the source's digest (bundles pass their signed digest). */
  digest?: string;
}

/** Request fields that hold raw content; they may never be declared as evidence. */
const RAW_FIELDS = ['input.text', 'input.attachments', 'output.text', 'tool.args'];

/** Compiles a loaded policy; throws `PolicyLoadError` with every diagnostic on failure. */
export function compilePolicy(source: PolicySource, options: CompileOptions = {}): CompiledPolicy {
  const doc = source.document;
  const diagnostics: PolicyDiagnostic[] = [
    ...(source.diagnostics ?? []),
    ...(source.baseline?.diagnostics ?? []).filter((d) => d.severity === 'error'),
  ];
  const detectorNames = [...doc.detectors.keys()];
  const checkers = new Map<Point, ReturnType<typeof checkingEnvironment>>();
  const checkerFor = (point: Point) => {
    let env = checkers.get(point);
    if (!env) {
      env = checkingEnvironment(point, detectorNames);
      checkers.set(point, env);
    }
    return env;
  };
  const runtime = evaluationEnvironment();
  const riskRank = (r: string | undefined) => (r === undefined ? -1 : doc.riskClasses.indexOf(r));
  const guardrailIds = new Set(doc.guardrails.map((g) => g.id));
  const toolNames = [...doc.tools.keys()];

  const rules: CompiledRule[] = [];
  let usesNow = false;
  doc.rules.forEach((spec, index) => {
    const problems = diagnostics.length;
    let condition: CelProgram | undefined;
    let residual: CelProgram | undefined;
    let guards = {};
    let detectors: string[] = [];
    if (spec.when !== undefined) {
      const planned = planCondition(
        spec,
        checkerFor(spec.point),
        runtime,
        detectorNames,
        toolNames,
        diagnostics,
      );
      if (planned) {
        ({ condition, residual, guards, detectors } = planned);
        if (planned.usesNow) usesNow = true;
      }
    }
    checkEvidence(spec, detectorNames, diagnostics);
    const obligations = spec.obligations.map((o) => {
      if (o.type === 'inject_guardrail' && !guardrailIds.has(String(o.params.fragment))) {
        diagnostics.push(
          diag(
            spec.locateKey('obligations'),
            'policy/unknown-guardrail',
            `rule \`${spec.id}\` injects guardrail \`${String(o.params.fragment)}\`, which is not declared`,
            didYouMean(String(o.params.fragment), [...guardrailIds]),
          ),
        );
      }
      if (o.type === 'redact' && Array.isArray(o.params.detectors)) {
        for (const d of o.params.detectors as string[]) {
          if (!doc.detectors.has(d))
            diagnostics.push(
              diag(
                spec.locateKey('obligations'),
                'policy/unknown-detector',
                `rule \`${spec.id}\` redacts findings of detector \`${d}\`, which is not declared`,
                didYouMean(d, detectorNames),
              ),
            );
        }
      }
      return Object.freeze({ type: o.type as ObligationType, rule: spec.id, ...o.params }) as Obligation;
    });
    if (diagnostics.length > problems) return;
    const effect = spec.effect === 'allow' && obligations.length > 0 ? 'allow_with_conditions' : spec.effect;
    rules.push(
      Object.freeze({
        id: spec.id,
        index,
        point: spec.point,
        effect,
        ...(spec.risk !== undefined ? { risk: spec.risk } : {}),
        riskRank: riskRank(spec.risk),
        obligations,
        ...(spec.reason !== undefined ? { reason: spec.reason } : {}),
        ...(spec.message !== undefined ? { message: spec.message } : {}),
        controls: spec.controls,
        ...(spec.owner !== undefined ? { owner: spec.owner } : {}),
        evidence: spec.evidence,
        ...(spec.when !== undefined ? { when: spec.when } : {}),
        loc: spec.loc,
        layer: spec.layer,
        guards,
        ...(condition ? { condition } : {}),
        ...(residual ? { residual } : {}),
        detectors,
      }),
    );
  });

  const params = compileToolParams(source, options.regex, diagnostics);
  const detectorInstances = instantiateDetectors(source, options.detectors, diagnostics);

  if (diagnostics.some((d) => d.severity === 'error'))
    throw new PolicyLoadError(sortDiagnostics(diagnostics));

  const tools: Record<string, ToolInfo> = {};
  for (const t of doc.tools.values()) {
    tools[t.name] = Object.freeze({
      name: t.name,
      ...(t.description !== undefined ? { description: t.description } : {}),
      risk: t.risk,
      scopes: t.scopes,
      ...(t.params !== undefined ? { params: t.params } : {}),
    });
  }
  const detectorConfigs: Record<string, DetectorConfig> = {};
  for (const d of doc.detectors.values()) detectorConfigs[d.name] = d.config;

  return Object.freeze({
    name: doc.name,
    version: doc.version,
    digest: options.digest ?? source.digest ?? 'sha256:unknown',
    ...(doc.owner !== undefined ? { owner: doc.owner } : {}),
    riskClasses: doc.riskClasses,
    defaults: doc.defaults,
    onError: doc.onError,
    messages: doc.messages,
    tools,
    detectors: detectorConfigs,
    guardrails: doc.guardrails.map((g) => ({
      id: g.id,
      text: g.text,
      ...(g.routes ? { routes: g.routes } : {}),
      ...(g.points ? { points: g.points } : {}),
    })),
    rules,
    source,
    warnings: diagnostics.filter((d) => d.severity === 'warning'),
    internal: {
      points: buildIndex(rules, toolNames),
      params,
      detectorInstances,
      usesNow,
      policyRef: Object.freeze({
        name: doc.name,
        version: doc.version,
        digest: options.digest ?? source.digest ?? 'sha256:unknown',
      }),
    },
  });
}

function diag(
  loc: { file: string; line: number; column: number },
  code: string,
  message: string,
  suggestion?: string,
): PolicyDiagnostic {
  const d: PolicyDiagnostic = {
    code,
    message,
    file: loc.file,
    line: loc.line,
    column: loc.column,
    severity: 'error',
  };
  if (suggestion) d.suggestion = suggestion;
  return d;
}

interface PlannedCondition {
  condition: CelProgram;
  residual?: CelProgram;
  guards: CompiledRule['guards'];
  detectors: string[];
  usesNow: boolean;
}

function planCondition(
  spec: RuleSpec,
  checker: ReturnType<typeof checkingEnvironment>,
  runtime: ReturnType<typeof evaluationEnvironment>,
  detectorNames: string[],
  toolNames: string[],
  diagnostics: PolicyDiagnostic[],
): PlannedCondition | undefined {
  const when = spec.when as string;
  if (when.length > POLICY_LIMITS.maxExpressionChars) {
    diagnostics.push(
      diag(
        spec.locateKey('when'),
        'cel/too-long',
        `condition of \`${spec.id}\` has ${when.length} characters; the limit is ${POLICY_LIMITS.maxExpressionChars}`,
      ),
    );
    return undefined;
  }
  const checked = checker.check(when);
  if (!checked.valid) {
    diagnostics.push(celDiagnostic(spec, checked.error as CelError, detectorNames));
    return undefined;
  }
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    diagnostics.push(
      diag(
        spec.locateKey('when'),
        'cel/not-boolean',
        `condition of \`${spec.id}\` is a ${String(checked.type)}, not a bool`,
      ),
    );
    return undefined;
  }
  const program = runtime.parse(when);
  const ast = program.ast as ASTNode;
  let ok = true;
  if (spec.point === 'tool') {
    for (const { value, node } of comparedLiterals(ast, 'tool', 'name')) {
      if (toolNames.includes(value)) continue;
      ok = false;
      diagnostics.push(
        diag(
          spec.locateWhen(node.range.start),
          'policy/unknown-tool',
          `rule \`${spec.id}\` refers to tool \`${value}\`, which is not declared under \`tools:\``,
          didYouMean(value, toolNames),
        ),
      );
    }
  }
  if (!ok) return undefined;
  const read = TEXT_POINTS.has(spec.point) ? fieldsRead(ast, 'findings') : new Set<string>();
  const detectors = read.has('*') ? detectorNames : [...read];
  const { guards, residual } = indexCondition(ast);
  const planned: PlannedCondition = {
    condition: program as CelProgram,
    guards,
    detectors,
    usesNow: mentions(ast, 'now'),
  };
  if (residual !== undefined) planned.residual = runtime.parse(residual) as CelProgram;
  else if (guards.tools || guards.routes || guards.roles) {
    // Every conjunct is decided by the guards; no CEL needs to run on the fast path.
  } else planned.residual = planned.condition;
  return planned;
}

interface CelError {
  code?: string;
  message: string;
  range?: { start: number; end: number };
}

function celDiagnostic(spec: RuleSpec, error: CelError, detectorNames: string[]): PolicyDiagnostic {
  const offset = error.range?.start ?? 0;
  const loc = spec.locateWhen(offset);
  const summary = (error.message.split('\n')[0] ?? error.message).trim();
  const when = spec.when ?? '';
  const word = error.range ? when.slice(error.range.start, error.range.end) : '';
  if (error.code === 'no_such_key') {
    // Find the variable the missing field hangs off to suggest known siblings.
    const before = when.slice(0, offset).match(/([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*$/);
    const parent = before?.[1];
    const known = parent === 'findings' ? detectorNames : parent ? fieldsOf(spec.point, parent) : [];
    const message =
      parent === 'findings'
        ? `\`findings.${word}\` refers to detector \`${word}\`, which is not declared under \`detectors:\``
        : `\`${parent ?? '?'}.${word}\` does not exist at the \`${spec.point}\` point`;
    return diag(
      loc,
      parent === 'findings' ? 'cel/unknown-detector' : 'cel/no-such-field',
      message,
      didYouMean(word, known),
    );
  }
  if (error.code === 'unknown_variable') {
    const vars = variablesAt(spec.point, detectorNames);
    const pointOf = POINTS.find(
      (p) => p !== spec.point && (p === word || (p === 'persist' && word === 'record')),
    );
    if (word === 'findings') {
      const why = TEXT_POINTS.has(spec.point)
        ? 'declare a detector under `detectors:` first'
        : 'findings exist only at the input, tool and output points';
      return diag(
        loc,
        'cel/unknown-variable',
        `\`findings\` is not available at the \`${spec.point}\` point`,
        why,
      );
    }
    const hint = pointOf
      ? `\`${word}\` exists only at the \`${pointOf}\` point`
      : (didYouMean(word, vars) ?? `available here: ${vars.join(', ')}`);
    return diag(
      loc,
      'cel/unknown-variable',
      `\`${word}\` is not available at the \`${spec.point}\` point`,
      hint,
    );
  }
  if (error.code === 'no_such_overload' || error.code === 'type_mismatch') {
    return diag(loc, 'cel/type-error', `in \`${spec.id}\`: ${summary}`);
  }
  return diag(loc, 'cel/syntax-error', `in \`${spec.id}\`: ${summary}`);
}

function checkEvidence(spec: RuleSpec, detectorNames: string[], diagnostics: PolicyDiagnostic[]): void {
  for (const path of spec.evidence) {
    const loc = spec.locateKey('evidence');
    if (RAW_FIELDS.some((raw) => path === raw || path.startsWith(`${raw}.`))) {
      diagnostics.push(
        diag(
          loc,
          'policy/evidence-not-allowed',
          `\`${path}\` holds raw content and cannot be evidence`,
          'name the field in a `retain` obligation with a ttl instead',
        ),
      );
      continue;
    }
    const [variable, field] = path.split('.');
    const vars = variablesAt(spec.point, detectorNames).filter((v) => v !== 'now');
    if (!variable || !vars.includes(variable)) {
      diagnostics.push(
        diag(
          loc,
          'policy/unknown-evidence-field',
          `\`${path}\` is not a request field at the \`${spec.point}\` point`,
          didYouMean(variable ?? '', vars),
        ),
      );
      continue;
    }
    const fields = fieldsOf(spec.point, variable);
    if (field !== undefined && fields.length > 0 && !fields.includes(field)) {
      diagnostics.push(
        diag(
          loc,
          'policy/unknown-evidence-field',
          `\`${path}\` is not a request field at the \`${spec.point}\` point`,
          didYouMean(field, fields),
        ),
      );
    }
  }
}

function compileToolParams(
  source: PolicySource,
  regex: RegexEngine | undefined,
  diagnostics: PolicyDiagnostic[],
): Map<string, ParamsValidator> {
  const compile = createParamsCompiler(regex);
  const out = new Map<string, ParamsValidator>();
  for (const tool of source.document.tools.values()) {
    if (!tool.params) continue;
    if (!regex && usesPatterns(tool.params)) {
      diagnostics.push(
        diag(
          tool.locateKey('params'),
          'policy/regex-engine-required',
          `tool \`${tool.name}\` uses \`pattern\`, which needs a linear-time regex engine`,
          'load the policy with `loadPolicy` (it supplies RE2) or pass `regex` to compilePolicy',
        ),
      );
      continue;
    }
    try {
      out.set(tool.name, compile(tool.params));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      diagnostics.push(
        diag(
          tool.locateKey('params'),
          'policy/invalid-param-schema',
          `parameter schema of tool \`${tool.name}\` is invalid: ${message.split('\n')[0]}`,
        ),
      );
    }
  }
  return out;
}

function instantiateDetectors(
  source: PolicySource,
  registry: DetectorRegistry | undefined,
  diagnostics: PolicyDiagnostic[],
): Map<string, Detector | undefined> {
  const out = new Map<string, Detector | undefined>();
  for (const spec of source.document.detectors.values()) {
    if (!registry) {
      out.set(spec.name, undefined);
      continue;
    }
    const factory = registry[spec.config.use];
    if (!factory) {
      diagnostics.push(
        diag(
          spec.loc,
          'policy/unknown-detector',
          `detector \`${spec.name}\` uses \`${spec.config.use}\`, which is not available`,
          didYouMean(spec.config.use, Object.keys(registry)) ??
            `available: ${Object.keys(registry).join(', ')}`,
        ),
      );
      continue;
    }
    try {
      out.set(spec.name, factory(spec.name, spec.config));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      diagnostics.push(
        diag(spec.loc, 'policy/invalid-detector-config', `detector \`${spec.name}\`: ${message}`),
      );
    }
  }
  return out;
}

function buildIndex(rules: CompiledRule[], toolNames: string[]): Record<Point, PointIndex> {
  const out = {} as Record<Point, PointIndex>;
  for (const point of POINTS) {
    const all = rules.filter((r) => r.point === point);
    const anyTool = all.filter((r) => !r.guards.tools);
    const byTool = new Map<string, CompiledRule[]>();
    if (point === 'tool') {
      for (const name of toolNames) {
        byTool.set(
          name,
          all.filter((r) => !r.guards.tools || r.guards.tools.has(name)),
        );
      }
    }
    out[point] = { all, byTool, anyTool };
  }
  return out;
}
