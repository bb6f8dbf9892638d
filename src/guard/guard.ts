/**
 * The Guard: one method per enforcement point, each deciding under the active policy, carrying
 * out the obligations, recording one decision record and returning the decision. Every failure
 * (no policy, detector down, adapter missing, evidence store down) makes the answer more
 * conservative and is written on the record as `failure`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CompiledPolicy } from '../engine/index.js';
import { createDecisionId, type DecideOptions, decide } from '../engine/index.js';
import type { DecisionRecordInput, EvidenceSink } from '../evidence/sink.js';
import type { DetectorConfig, DetectorRegistry } from '../policy/detector-contract.js';
import type { PolicySource } from '../policy/index.js';
import type {
  Decision,
  DecisionRequest,
  Point,
  Principal,
  RequestContext,
  RequestResource,
} from '../policy/types.js';
import type { ApprovalsAdapter } from './approvals.js';
import { loadDefaults } from './defaults.js';
import { denyDecision, GUARD_MESSAGES } from './deny.js';
import type { AsyncDetector, ScanResult } from './findings.js';
import { buildDetectors, scanText } from './findings.js';
import type { ToolDeclaration } from './guardrails.js';
import { composeSystemPrompt, describeTool, fragmentsFor } from './guardrails.js';
import type { GuardrailFragment, Notifier, ObligationOutcome, SandboxRunner } from './obligations.js';
import { fulfilObligations } from './obligations.js';
import type { RateLimitStore } from './rate-limit.js';
import { MemoryRateLimitStore } from './rate-limit.js';
import type { RedactionKeys } from './redaction.js';
import { redactFindings } from './redaction.js';
import { safeBaselineDecision } from './safe-baseline.js';
import type { SignalTrackerOptions } from './signals.js';
import { SignalTracker } from './signals.js';
import { SpillingSink } from './spill-sink.js';
import type { StepUpAdapter } from './step-up.js';
import { decisionWithInteraction } from './with-interaction.js';
import { wrapGuardedTool } from './wrap-tool.js';

/** Who is asking and where: the part of a request shared by every point of an interaction. */
export interface GuardContext {
  principal: Principal;
  context?: RequestContext;
  resource?: RequestResource;
}

/** Options of {@link createGuard}. Only a policy (or a way to load one) is needed; the rest has safe defaults. */
export interface GuardOptions {
  /** A compiled policy. */
  policy?: CompiledPolicy;
  /** A parsed policy source, compiled with `detectors` on creation. */
  source?: PolicySource;
  /** A directory of policy files, loaded by `ready()`. */
  policyDir?: string;
  /** Detector factories; defaults to the built-in detectors. */
  detectors?: DetectorRegistry;
  /** Async classifiers by detector name; they race `detectorBudgetMs`. */
  asyncDetectors?: Record<string, AsyncDetector>;
  /** Time budget of async detectors, ms (default 200). */
  detectorBudgetMs?: number;
  /** Where decision records go; default: SQLite in `.rampart/` when that directory exists, else memory. */
  evidence?: EvidenceSink;
  /** When the evidence store is down: `deny` the decision (default) or `buffer` to a spill file and replay. */
  onEvidenceFailure?: 'deny' | 'buffer';
  /** Spill file for `buffer` (default `.rampart/evidence-spill.jsonl`). */
  spillPath?: string;
  approvals?: ApprovalsAdapter;
  stepUp?: StepUpAdapter;
  /** Authentication levels from weakest to strongest. */
  authLevels?: readonly string[];
  /** Rate-limit store; default in-memory. */
  limits?: RateLimitStore;
  /** Anomaly signal options, or `false` to compute none. */
  signals?: SignalTrackerOptions | false;
  sandbox?: SandboxRunner;
  notify?: Notifier;
  /** Key of the `hash` redaction mode (default: random per process) and vault of `tokenize` (default: one per text). */
  redaction?: RedactionKeys;
  /** Epoch-ms clock, for tests and replay. */
  clock?: () => number;
}

/** A decision plus what carrying out its obligations produced. */
export interface GuardDecision extends Decision {
  /** Interaction id shared by all decisions of the interaction. */
  interaction: string;
  /** The text after `redact` obligations (input/output points). */
  text?: string;
  /** The model/tier a `route_to` obligation names. */
  routeTo?: { model?: string; tier?: string };
  /** Guardrail text an `inject_guardrail` obligation asks to add to the prompt. */
  guardrails?: string[];
  /** Sandbox profile the tool must run in. */
  sandbox?: string;
  /** Set when a failure made the decision more conservative. */
  failure?: string;
}

/** Options of {@link Guard.wrapTool}. */
export interface WrapToolOptions {
  /** The principal and context; default: the interaction active in `guard.run`. */
  context?: GuardContext | (() => GuardContext | undefined);
  /** Derives the resource from the call's arguments (ownership and tenant rules read it). */
  resource?: (
    args: Record<string, unknown>,
  ) => RequestResource | undefined | Promise<RequestResource | undefined>;
}

/** Options of one check. */
export interface CheckOptions {
  provisional?: boolean;
}

/** What `decide` needs at a point; the request carries the point's own member. */
export type PointRequest = DecisionRequest;

interface ActivePolicy {
  compiled: CompiledPolicy;
  guardrails: GuardrailFragment[];
  tools: Record<string, ToolDeclaration>;
  configs: Record<string, DetectorConfig>;
  built: ReturnType<typeof buildDetectors>;
  /** Whether the text of a tool result can change an output decision (detectors or output rules). */
  readsOutputText: boolean;
}

/** The enforcement SDK handle. */
export interface Guard {
  /** Resolves once the policy (if loaded from a directory) and the evidence sink are ready. */
  ready(): Promise<void>;
  input(req: PointRequest): Promise<GuardDecision>;
  route(req: PointRequest): Promise<GuardDecision>;
  tool(req: PointRequest): Promise<GuardDecision>;
  output(req: PointRequest): Promise<GuardDecision>;
  persist(req: PointRequest): Promise<GuardDecision>;
  /**
   * Decides at any point. `provisional` checks (used while streaming) are not recorded and carry out
   * only side-effect-free obligations; the final check of the whole text is recorded as usual.
   */
  check(point: Point, req: PointRequest, opts?: CheckOptions): Promise<GuardDecision>;
  /** A handle bound to one interaction (fresh id unless `ctx.context.interaction` is set). */
  interaction(ctx: GuardContext): Interaction;
  /** Runs `fn` with `ctx` as the current interaction, so wrapped tools find their principal. */
  run<T>(ctx: GuardContext, fn: () => T): T;
  /** The interaction context active in `run`, if any. */
  current(): GuardContext | undefined;
  /** Wraps a tool: policy + schema + obligations, then `fn`, then its result through the output point. */
  wrapTool<A extends Record<string, unknown>, R, Rest extends unknown[]>(
    name: string,
    fn: (args: A, ...rest: Rest) => R | Promise<R>,
    opts?: WrapToolOptions,
  ): (args: A, ...rest: Rest) => Promise<R>;
  /** `base` plus the policy's guardrail fragments for the route. */
  systemPrompt(base: string, ctx: GuardContext): string;
  /** Only the tools this principal may use on this route, descriptions extended with parameter constraints. */
  tools<T extends { description?: string }>(all: Record<string, T>, ctx: GuardContext): Record<string, T>;
  /** Swaps the active policy (hot reload); `undefined` falls back to the safe baseline. */
  setPolicy(policy: CompiledPolicy | undefined, cause?: string): void;
  /** The active compiled policy, if any. */
  policy(): CompiledPolicy | undefined;
  /** Flushes and closes the evidence sink and the rate-limit store the guard created. */
  close(): Promise<void>;
}

/** A guard bound to one interaction: positional helpers for each point. */
export interface Interaction {
  readonly id: string;
  readonly ctx: GuardContext;
  input(text: string): Promise<GuardDecision>;
  route(route: { model?: string; tier?: string; capabilities?: string[] }): Promise<GuardDecision>;
  tool(name: string, args?: Record<string, unknown>, resource?: RequestResource): Promise<GuardDecision>;
  output(text: string, source?: string): Promise<GuardDecision>;
  persist(record: NonNullable<DecisionRequest['record']>): Promise<GuardDecision>;
  wrapTool<A extends Record<string, unknown>, R, Rest extends unknown[]>(
    name: string,
    fn: (args: A, ...rest: Rest) => R | Promise<R>,
    opts?: Omit<WrapToolOptions, 'context'>,
  ): (args: A, ...rest: Rest) => Promise<R>;
  systemPrompt(base: string): string;
  tools<T extends { description?: string }>(all: Record<string, T>): Record<string, T>;
  run<T>(fn: () => T): T;
}

function textAt(point: Point, req: DecisionRequest): string | undefined {
  if (point === 'input') return req.input?.text;
  if (point === 'output') return req.output?.text;
  return undefined;
}

// Interaction ids: a random per-process prefix plus a counter, like the engine's decision ids (a
// UUID per call cost ~0.5 µs on this machine, twice per wrapped tool call).
const INTERACTION_PREFIX = `int-${randomUUID().slice(0, 13)}-`;
let interactionCounter = 0;

/** A new interaction id, unique across processes. */
export function newInteractionId(): string {
  interactionCounter++;
  return INTERACTION_PREFIX + interactionCounter.toString(36);
}

/** Creates a guard. Never throws for a bad or missing policy: it falls back to the safe baseline. */
export function createGuard(opts: GuardOptions = {}): Guard {
  const clock = opts.clock ?? Date.now;
  const defaults = loadDefaults();
  const limits = opts.limits ?? new MemoryRateLimitStore();
  const tracker = opts.signals === false ? undefined : new SignalTracker(opts.signals ?? {});
  const budgetMs = opts.detectorBudgetMs ?? 200;
  const asyncDetectors = opts.asyncDetectors ?? {};
  const asyncNames = new Set(Object.keys(asyncDetectors));
  const als = new AsyncLocalStorage<GuardContext>();
  const onEvidenceFailure = opts.onEvidenceFailure ?? 'deny';
  const given: DetectorRegistry | undefined = opts.detectors ?? defaults.builtinDetectors;
  const registry: DetectorRegistry = given ?? {};
  let active: ActivePolicy | undefined;
  let baselineCause = 'no policy loaded';

  const activate = (compiled: CompiledPolicy | undefined, cause?: string): void => {
    if (!compiled) {
      active = undefined;
      baselineCause = cause ?? 'no policy loaded';
      return;
    }
    const view = compiled as unknown as {
      guardrails?: GuardrailFragment[];
      tools?: Record<string, ToolDeclaration> | Map<string, ToolDeclaration>;
      detectors?: Record<string, DetectorConfig> | Map<string, DetectorConfig>;
    };
    const asRecord = <V>(v: Record<string, V> | Map<string, V> | undefined): Record<string, V> =>
      v instanceof Map ? Object.fromEntries(v) : (v ?? {});
    const configs = asRecord(view.detectors);
    active = {
      compiled,
      guardrails: view.guardrails ?? [],
      tools: asRecord(view.tools),
      configs,
      built: buildDetectors(configs, registry, asyncNames, compiled.internal?.detectorInstances),
      readsOutputText:
        Object.keys(configs).length > 0 ||
        asyncNames.size > 0 ||
        (compiled.rules ?? []).some((r) => r.point === 'output'),
    };
  };

  if (opts.policy) activate(opts.policy);
  else if (opts.source) {
    try {
      activate(defaults.compile(opts.source, given));
    } catch (e) {
      activate(undefined, `policy failed to compile: ${(e as Error).message}`);
    }
  }
  const setup = (async () => {
    const d = defaults;
    if (!opts.policy && !opts.source && opts.policyDir) {
      try {
        activate(d.compile(await d.readPolicyDir(opts.policyDir), given));
      } catch (e) {
        activate(undefined, `policy failed to load: ${(e as Error).message}`);
      }
    }
    let sink = opts.evidence ?? (await d.defaultSink());
    if (onEvidenceFailure === 'buffer')
      sink = new SpillingSink(sink, opts.spillPath ?? join('.rampart', 'evidence-spill.jsonl'));
    try {
      await sink.open();
    } catch {
      // A sink that cannot open fails every write; the failure policy then applies per decision.
    }
    return sink;
  })();
  let sinkReady: EvidenceSink | undefined;
  void setup.then((s) => {
    sinkReady = s;
  });

  const scrub = (text: string): string => {
    if (!active) return '[REDACTED]';
    const all = active.built.flatMap((b) => {
      try {
        return b.detector?.scan(text) ?? [];
      } catch {
        return [];
      }
    });
    return redactFindings(text, all, undefined, 'mask', opts.redaction).text;
  };

  /** The record of one decision, built by assignment rather than spreads: this runs on every decision. */
  const recordOf = (
    decision: Decision,
    interaction: string,
    failure: string | undefined,
    req: DecisionRequest,
    latencyUs: number,
    retained: DecisionRecordInput['retained'] | undefined,
  ): DecisionRecordInput => {
    const rec: DecisionRecordInput = { decision, interaction, subjectId: req.principal.id, latencyUs };
    if (opts.clock) rec.time = new Date(clock()).toISOString();
    if (req.principal.tenant) rec.tenant = req.principal.tenant;
    if (req.context?.route) rec.route = req.context.route;
    if (req.context?.cohort) rec.cohort = req.context.cohort;
    if (failure) rec.failure = failure;
    if (retained) rec.retained = retained;
    return rec;
  };

  /** Hands a record to the sink; a sink that throws instead of rejecting counts as a failed write. */
  const write = (rec: DecisionRecordInput): Promise<void> => {
    try {
      return (sinkReady as EvidenceSink).write(rec);
    } catch (e) {
      return Promise.reject(e);
    }
  };

  /** Without evidence the decision cannot stand: no record, no allow (or, buffering, a deny stays a deny). */
  const withoutEvidence = (result: GuardDecision): GuardDecision => {
    if (onEvidenceFailure !== 'deny' && result.effect === 'deny') return result;
    const d = denyDecision(
      result,
      'guard/evidence-unavailable',
      GUARD_MESSAGES.unavailable,
      'evidence sink unavailable',
    ) as GuardDecision;
    d.failure = 'guard/evidence-unavailable';
    delete d.text;
    delete d.routeTo;
    delete d.guardrails;
    delete d.sandbox;
    return d;
  };

  /**
   * Decides at `point`. Everything up to the evidence write is synchronous unless something has to
   * wait (async detectors, an async rate-limit store, step-up, approval, notify), so a plain call
   * makes two promises: the sink's write and the one handed back. `interaction` (internal) joins
   * the decision to an interaction without copying the caller's context (wrapped tool results).
   */
  const check = (
    point: Point,
    req: DecisionRequest,
    copts?: CheckOptions,
    interactionId?: string,
  ): Promise<GuardDecision> => {
    if (!sinkReady) return setup.then(() => check(point, req, copts, interactionId));
    // Like the async function it replaced, a check never throws: a bad request (no principal,
    // unserialisable arguments) rejects the promise instead.
    try {
      return checkNow(point, req, copts, interactionId);
    } catch (e) {
      return Promise.reject(e);
    }
  };

  const checkNow = (
    point: Point,
    req: DecisionRequest,
    copts: CheckOptions | undefined,
    interactionId: string | undefined,
  ): Promise<GuardDecision> => {
    const t0 = performance.now();
    const now = clock();
    const provisional = copts?.provisional === true;
    const interaction =
      interactionId ?? req.context?.interaction ?? als.getStore()?.context?.interaction ?? newInteractionId();
    // Copied field by field, not spread: spreading caller objects of varying shapes was the largest
    // cost of a guarded call in a CPU profile (the engine saw the same with its principal).
    const c = req.context;
    const context: RequestContext = {
      route: c?.route,
      interaction,
      session: c?.session,
      channel: c?.channel,
      cohort: c?.cohort,
      time: c?.time,
      attributes: c?.attributes,
    };
    const request: DecisionRequest = {
      principal: req.principal,
      context,
      resource: req.resource,
      input: req.input,
      route: req.route,
      tool: req.tool,
      output: req.output,
      record: req.record,
      signals: req.signals,
    };
    const decisionId = createDecisionId();
    if (point === 'tool' && tracker && req.tool && !provisional) {
      const session = context.session ?? `principal:${req.principal.id}`;
      const signals = tracker.recordToolCall(session, req.tool.name, req.tool.args, now);
      request.signals = req.signals
        ? { ...req.signals, ...signals }
        : (signals as unknown as Record<string, unknown>);
    }
    if (!active) {
      const d = safeBaselineDecision(point, request, decisionId, registry, baselineCause);
      const result: GuardDecision = decisionWithInteraction(d, interaction);
      result.failure = 'guard/policy-unavailable';
      return finish(d, result, request, t0, undefined, provisional);
    }
    const policy = active;
    const text = textAt(point, request);
    // Nothing to scan (no text, no detectors): no promise to wait for.
    if (text === undefined || (policy.built.length === 0 && asyncNames.size === 0))
      return decided(policy, point, request, text, NO_SCAN, decisionId, now, t0, provisional, interaction);
    return scanText(text, policy.built, asyncDetectors, policy.configs, budgetMs).then((scan) =>
      decided(policy, point, request, text, scan, decisionId, now, t0, provisional, interaction),
    );
  };

  /** Decides with the findings at hand, then carries out the obligations and records. */
  const decided = (
    policy: ActivePolicy,
    point: Point,
    request: DecisionRequest,
    text: string | undefined,
    scan: ScanResult,
    decisionId: string,
    now: number,
    t0: number,
    provisional: boolean,
    interaction: string,
  ): Promise<GuardDecision> => {
    // Options built by assignment, not conditional spreads: this runs on every decision.
    const decideOptions: DecideOptions = { findings: scan.findings, decisionId };
    // Parsing a time string per decision is costly; pass the guard's clock only when a rule reads `now`.
    if (opts.clock && policy.compiled.internal?.usesNow && !request.context?.time)
      decideOptions.now = new Date(now);
    if (scan.unavailable.length > 0) decideOptions.unavailableDetectors = scan.unavailable.map((u) => u.name);
    let d = decide(policy.compiled, point, request, decideOptions);
    let failure: string | undefined;
    if (scan.unavailable.length > 0) {
      const closed = scan.unavailable.filter((u) => u.failClosed);
      d = {
        ...d,
        errors: [
          ...d.errors,
          ...scan.unavailable.map((u) => ({
            code: 'guard/detector-unavailable',
            message: `${u.name}: ${u.cause}`,
          })),
        ],
      };
      if (closed.length > 0) {
        failure = `guard/detector-unavailable:${closed.map((u) => u.name).join(',')}`;
        if (d.effect !== 'deny')
          d = denyDecision(
            d,
            'guard/detector-unavailable',
            GUARD_MESSAGES.unavailable,
            `detector unavailable: ${closed.map((u) => `${u.name} (${u.cause})`).join(', ')}`,
          );
      }
    }
    if (d.effect === 'deny' || d.obligations.length === 0) {
      const result: GuardDecision = decisionWithInteraction(d, interaction);
      if (failure) result.failure = failure;
      return finish(d, result, request, t0, undefined, provisional);
    }
    const o = fulfilObligations(d, point, request, text, scan.findings, {
      approvals: opts.approvals,
      stepUp: opts.stepUp,
      authLevels: opts.authLevels,
      sandbox: opts.sandbox,
      notify: opts.notify,
      limits,
      scrub,
      guardrails: policy.guardrails,
      now,
      provisional,
      redaction: opts.redaction,
    });
    if (o instanceof Promise)
      return o.then((x) => fulfilled(x, failure, request, t0, provisional, interaction));
    return fulfilled(o, failure, request, t0, provisional, interaction);
  };

  const fulfilled = (
    o: ObligationOutcome,
    failure: string | undefined,
    request: DecisionRequest,
    t0: number,
    provisional: boolean,
    interaction: string,
  ): Promise<GuardDecision> => {
    const result: GuardDecision = decisionWithInteraction(o.decision, interaction);
    if (o.text !== undefined) result.text = o.text;
    if (o.routeTo) result.routeTo = o.routeTo;
    if (o.guardrails) result.guardrails = o.guardrails;
    if (o.sandbox) result.sandbox = o.sandbox;
    const f = failure ?? o.failure;
    if (f) result.failure = f;
    return finish(o.decision, result, request, t0, o.retained, provisional);
  };

  /** Records the decision (unless provisional) and settles once the sink acknowledged or refused. */
  const finish = (
    clean: Decision,
    result: GuardDecision,
    request: DecisionRequest,
    t0: number,
    retained: DecisionRecordInput['retained'] | undefined,
    provisional: boolean,
  ): Promise<GuardDecision> => {
    if (provisional) return Promise.resolve(result);
    const latencyUs = Math.round((performance.now() - t0) * 1000);
    const rec = recordOf(clean, result.interaction, result.failure, request, latencyUs, retained);
    return write(rec).then(
      () => result,
      () => withoutEvidence(result),
    );
  };

  const resolveCtx = (
    given: GuardContext | (() => GuardContext | undefined) | undefined,
  ): GuardContext | undefined => (typeof given === 'function' ? given() : given) ?? als.getStore();

  const guard: Guard = {
    ready: async () => {
      await setup;
    },
    input: (req) => check('input', req),
    route: (req) => check('route', req),
    tool: (req) => check('tool', req),
    output: (req) => check('output', req),
    persist: (req) => check('persist', req),
    check,
    interaction(ctx) {
      const id = ctx.context?.interaction ?? newInteractionId();
      const bound: GuardContext = { ...ctx, context: { ...ctx.context, interaction: id } };
      const base = {
        principal: bound.principal,
        context: bound.context,
        ...(bound.resource ? { resource: bound.resource } : {}),
      };
      return {
        id,
        ctx: bound,
        input: (text) => check('input', { ...base, input: { text } }),
        route: (route) => check('route', { ...base, route }),
        tool: (name, args, resource) =>
          check('tool', { ...base, ...(resource ? { resource } : {}), tool: { name, args: args ?? {} } }),
        output: (text, source) =>
          check('output', { ...base, output: { text, ...(source ? { source } : {}) } }),
        persist: (rec) => check('persist', { ...base, record: rec }),
        wrapTool: (name, fn, o) => guard.wrapTool(name, fn, { ...o, context: bound }),
        systemPrompt: (b) => guard.systemPrompt(b, bound),
        tools: (all) => guard.tools(all, bound),
        run: (fn) => als.run(bound, fn),
      };
    },
    run: (ctx, fn) => als.run(ctx, fn),
    current: () => als.getStore(),
    wrapTool(name, fn, o) {
      return wrapGuardedTool(name, fn, {
        check,
        context: () => resolveCtx(o?.context),
        // The safe baseline scans every text, so without a policy the result is always read.
        readsResultText: () => active?.readsOutputText ?? true,
        sandbox: opts.sandbox,
        resource: o?.resource,
        deniedWithoutPrincipal: async () => {
          const d = safeBaselineDecision(
            'tool',
            { principal: { id: 'anonymous' } },
            createDecisionId(),
            registry,
            'no principal for wrapped tool',
          );
          const g: GuardDecision = { ...d, interaction: newInteractionId(), failure: 'guard/no-principal' };
          if (!sinkReady) await setup;
          try {
            await write(
              recordOf(d, g.interaction, g.failure, { principal: { id: 'anonymous' } }, 0, undefined),
            );
          } catch {
            // Already a deny; nothing more conservative is possible.
          }
          return g;
        },
      });
    },
    systemPrompt(base, ctx) {
      if (!active) return base;
      return composeSystemPrompt(base, fragmentsFor(active.guardrails, ctx.context?.route));
    },
    tools(all, ctx) {
      const out: Record<string, (typeof all)[string]> = {};
      if (!active) return out;
      const held = new Set(ctx.principal.scopes ?? []);
      for (const [name, t] of Object.entries(all)) {
        const decl = active.tools[name];
        if (!decl) continue;
        if ((decl.scopes ?? []).some((s) => !held.has(s))) continue;
        // Dry run without arguments: hide only tools a rule denies outright, not ones denied for missing args.
        const d = decide(active.compiled, 'tool', { ...ctx, tool: { name, args: {} } });
        if (d.effect === 'deny' && d.errors.length === 0 && !d.rules.includes('rampart/invalid-tool-args'))
          continue;
        out[name] = { ...t, description: describeTool(t.description, decl) };
      }
      return out;
    },
    setPolicy: (p, cause) => activate(p, cause),
    policy: () => active?.compiled,
    async close() {
      const sink = await setup;
      await sink.flush().catch(() => undefined);
      await sink.close().catch(() => undefined);
      if (!opts.limits) await limits.close?.();
    },
  };
  return guard;
}

const NO_SCAN: ScanResult = { findings: {}, unavailable: [] };
