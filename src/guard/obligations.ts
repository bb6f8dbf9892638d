/**
 * Carries out the obligations of an allow. Each one either succeeds (and may transform the
 * outcome: redacted text, the model to route to, guardrail text, retained fields) or turns the
 * decision into a deny. An obligation with no adapter to carry it out is a deny, never a silent allow.
 */
import type { Decision, DecisionRequest, Finding, Obligation, Point } from '../policy/types.js';
import type { ApprovalsAdapter } from './approvals.js';
import { newApprovalId } from './approvals.js';
import { denyDecision, GUARD_MESSAGES } from './deny.js';
import { parseDuration } from './duration.js';
import type { RateLimitHit, RateLimitStore } from './rate-limit.js';
import type { RedactionKeys, RedactMode } from './redaction.js';
import { redactFindings } from './redaction.js';
import type { StepUpAdapter } from './step-up.js';
import { authLevelSatisfies } from './step-up.js';

/** Runs a tool inside a named sandbox profile (container, worker, restricted credentials...). */
export type SandboxRunner = <T>(profile: string, run: () => Promise<T>) => Promise<T>;

/** Sends a `notify` obligation to a channel (pager, chat, e-mail). Gets no raw request data. */
export type Notifier = (
  channel: string,
  event: { decisionId: string; point: Point; rules: string[]; risk: string | null; principal: string },
) => Promise<void>;

/** A guardrail prompt fragment as compiled from the policy. */
export interface GuardrailFragment {
  id: string;
  routes?: string[];
  text: string;
}

/** What the obligations need from the guard. */
export interface ObligationDeps {
  approvals?: ApprovalsAdapter;
  stepUp?: StepUpAdapter;
  authLevels?: readonly string[];
  limits: RateLimitStore;
  guardrails: readonly GuardrailFragment[];
  sandbox?: SandboxRunner;
  notify?: Notifier;
  now: number;
  /** Key of the `hash` redaction mode and vault of `tokenize`. */
  redaction?: RedactionKeys;
  /** Redacts retained string fields before they reach the record. */
  scrub: (text: string) => string;
  /** Provisional check: only side-effect-free obligations run (redact, route_to, inject_guardrail). */
  provisional?: boolean;
}

const SIDE_EFFECT_FREE = new Set(['redact', 'route_to', 'inject_guardrail']);
const REDACT_MODES: readonly string[] = ['mask', 'partial', 'hash', 'tokenize', 'drop', 'remove'];

/** The outcome after obligations ran. */
export interface ObligationOutcome {
  decision: Decision;
  /** Text after `redact` obligations, when the point carries text. */
  text?: string;
  routeTo?: { model?: string; tier?: string };
  guardrails?: string[];
  retained?: { fields: Record<string, unknown>; retention: string };
  sandbox?: string;
  failure?: string;
}

// Cheap, local obligations first; humans are asked last so nobody approves a call that fails anyway.
const ORDER: Record<string, number> = {
  rate_limit: 0,
  inject_guardrail: 1,
  redact: 2,
  route_to: 3,
  retain: 4,
  sandbox: 5,
  step_up_auth: 6,
  notify: 7,
  require_approval: 8,
};

function keyPart(spec: string, req: DecisionRequest): string {
  switch (spec) {
    case 'principal':
      return `p=${req.principal.id}`;
    case 'tenant':
      return `t=${req.principal.tenant ?? '-'}`;
    case 'tool':
      return `tool=${req.tool?.name ?? '-'}`;
    case 'route':
      return `r=${req.context?.route ?? '-'}`;
    case 'session':
      return `s=${req.context?.session ?? '-'}`;
    case 'global':
      return 'g';
    default:
      return `${spec}=?`;
  }
}

/** The counter key of a `rate_limit` obligation: `key` may be one dimension, `a+b`, or a list. */
export function rateLimitKey(o: Obligation, req: DecisionRequest): string {
  const raw = o.key ?? 'principal';
  const specs = Array.isArray(raw) ? raw : raw === 'principal_tool' ? PRINCIPAL_TOOL : String(raw).split('+');
  let key = o.rule ?? '-';
  for (const spec of specs) key += `|${keyPart(String(spec).trim(), req)}`;
  return key;
}

const PRINCIPAL_TOOL = ['principal', 'tool'];

// Per-call closures and sorting showed up in profiles of the hot path; these are module-level.
function failWith(d: Decision, code: string, message: string, reason: string): ObligationOutcome {
  return { decision: denyDecision(d, code, message, reason), failure: code };
}

function byOrder(a: Obligation, b: Obligation): number {
  return (ORDER[a.type] ?? 99) - (ORDER[b.type] ?? 99);
}

const durations = new Map<string, number>();
/** parseDuration with a small cache: policies reuse a handful of window strings. */
function cachedDuration(v: unknown): number {
  if (typeof v !== 'string') return parseDuration(v);
  let ms = durations.get(v);
  if (ms === undefined) {
    ms = parseDuration(v);
    if (durations.size < 1024) durations.set(v, ms);
  }
  return ms;
}

function pick(req: DecisionRequest, path: string): unknown {
  let cur: unknown = req;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Carries out every obligation on `d`; the outcome is a deny at the first one that fails.
 * Synchronous while every obligation can be carried out at once (rate limits in a synchronous
 * store, redaction, routing, guardrails, retain, sandbox): a promise only when one has to wait
 * (an asynchronous store, step-up, notify, approval), so a plain allow creates no promise.
 */
export function fulfilObligations(
  d: Decision,
  point: Point,
  req: DecisionRequest,
  text: string | undefined,
  findings: Readonly<Record<string, Finding[]>>,
  deps: ObligationDeps,
): ObligationOutcome | Promise<ObligationOutcome> {
  if (d.effect === 'deny' || d.obligations.length === 0) return { decision: d };
  const run: Run = {
    d,
    point,
    req,
    findings,
    deps,
    out: { decision: d },
    current: text,
    list: d.obligations.length > 1 ? [...d.obligations].sort(byOrder) : d.obligations,
  };
  return continueFrom(run, 0);
}

/** The state of one run through the obligations of a decision. */
interface Run {
  d: Decision;
  point: Point;
  req: DecisionRequest;
  findings: Readonly<Record<string, Finding[]>>;
  deps: ObligationDeps;
  out: ObligationOutcome;
  current: string | undefined;
  list: readonly Obligation[];
}

/** Runs obligations from `i` on; switches to a promise at the first one that has to wait. */
function continueFrom(run: Run, i: number): ObligationOutcome | Promise<ObligationOutcome> {
  for (; i < run.list.length; i++) {
    const o = run.list[i]!;
    if (run.deps.provisional && !SIDE_EFFECT_FREE.has(o.type)) continue;
    const step = carryOut(run, o);
    if (step === undefined) continue;
    if (step instanceof Promise) {
      const next = i + 1;
      return step.then((failed) => failed ?? continueFrom(run, next));
    }
    return step;
  }
  return run.out;
}

const fail = (run: Run, code: string, message: string, reason: string): ObligationOutcome =>
  failWith(run.d, code, message, reason);

/** One obligation: `undefined` when carried out, a deny outcome when not, or a promise of either. */
function carryOut(
  run: Run,
  o: Obligation,
): ObligationOutcome | undefined | Promise<ObligationOutcome | undefined> {
  const { point, req, deps, out } = run;
  switch (o.type) {
    case 'rate_limit':
      return rateLimit(run, o);
    case 'inject_guardrail': {
      const frag = deps.guardrails.find((g) => g.id === o.fragment);
      if (!frag) {
        return fail(
          run,
          'guard/unknown-guardrail',
          GUARD_MESSAGES.unavailable,
          `guardrail ${String(o.fragment)} missing`,
        );
      }
      out.guardrails = [...(out.guardrails ?? []), frag.text];
      return undefined;
    }
    case 'redact': {
      if (run.current === undefined) {
        return fail(
          run,
          'guard/obligation-unfulfillable',
          GUARD_MESSAGES.refused,
          `redact at ${point} has no text`,
        );
      }
      const entities = Array.isArray(o.entities) ? o.entities.map(String) : undefined;
      const mode = (
        typeof o.mode === 'string' && REDACT_MODES.includes(o.mode) ? o.mode : 'mask'
      ) as RedactMode;
      const from = Array.isArray(o.detectors) ? o.detectors.map(String) : Object.keys(run.findings);
      const all = from.flatMap((n) => run.findings[n] ?? []);
      run.current = redactFindings(run.current, all, entities, mode, deps.redaction).text;
      out.text = run.current;
      return undefined;
    }
    case 'route_to': {
      out.routeTo = {
        ...(typeof o.model === 'string' ? { model: o.model } : {}),
        ...(typeof o.tier === 'string' ? { tier: o.tier } : {}),
      };
      return undefined;
    }
    case 'retain': {
      const fields: Record<string, unknown> = {};
      for (const f of Array.isArray(o.fields) ? o.fields.map(String) : []) {
        const v = pick(req, f);
        if (v !== undefined) fields[f] = typeof v === 'string' ? deps.scrub(v) : v;
      }
      out.retained = { fields, retention: String(o.ttl ?? o.retention ?? '30d') };
      return undefined;
    }
    case 'sandbox': {
      if (!deps.sandbox) {
        return fail(
          run,
          'guard/no-sandbox',
          GUARD_MESSAGES.unavailable,
          `no sandbox runner for profile ${String(o.profile)}`,
        );
      }
      out.sandbox = String(o.profile ?? 'default');
      return undefined;
    }
    case 'step_up_auth': {
      const level = String(o.level ?? 'mfa');
      if (authLevelSatisfies(req.principal.authLevel, level, deps.authLevels)) return undefined;
      if (!deps.stepUp)
        return fail(run, 'guard/no-step-up-adapter', GUARD_MESSAGES.stepUp, `step-up to ${level} impossible`);
      return stepUp(run, deps.stepUp, level, parseDurationOr(o.timeout, 120_000));
    }
    case 'notify': {
      if (!deps.notify) return fail(run, 'guard/no-notifier', GUARD_MESSAGES.unavailable, 'no notifier');
      return notify(run, deps.notify, String(o.channel ?? 'default'));
    }
    case 'require_approval': {
      if (!deps.approvals)
        return fail(run, 'guard/no-approvals-adapter', GUARD_MESSAGES.approval, 'no approvals adapter');
      return approve(run, deps.approvals, o);
    }
    default:
      return fail(
        run,
        'guard/unknown-obligation',
        GUARD_MESSAGES.unavailable,
        `no handler for ${String(o.type)}`,
      );
  }
}

/** A `rate_limit` obligation; synchronous when the store answers synchronously (the memory store). */
function rateLimit(
  run: Run,
  o: Obligation,
): ObligationOutcome | undefined | Promise<ObligationOutcome | undefined> {
  let limit: number;
  let windowMs: number;
  try {
    limit = Number(o.limit);
    windowMs = cachedDuration(o.window ?? '1m');
  } catch {
    return fail(
      run,
      'guard/bad-obligation',
      GUARD_MESSAGES.unavailable,
      `rate_limit from ${o.rule}: bad window`,
    );
  }
  if (!Number.isFinite(limit) || limit < 0 || windowMs <= 0) {
    return fail(
      run,
      'guard/bad-obligation',
      GUARD_MESSAGES.unavailable,
      `rate_limit from ${o.rule}: bad limit`,
    );
  }
  let hit: RateLimitHit | Promise<RateLimitHit>;
  try {
    hit = run.deps.limits.hit(rateLimitKey(o, run.req), limit, windowMs, run.deps.now);
  } catch {
    return storeFailed(run);
  }
  if (hit instanceof Promise) {
    return hit.then(
      (h) => (h.allowed ? undefined : rateLimited(run, o, limit)),
      () => storeFailed(run),
    );
  }
  return hit.allowed ? undefined : rateLimited(run, o, limit);
}

function rateLimited(run: Run, o: Obligation, limit: number): ObligationOutcome {
  return fail(
    run,
    'guard/rate-limited',
    GUARD_MESSAGES.rateLimit,
    `rate limit ${limit}/${String(o.window)} of ${o.rule}`,
  );
}

function storeFailed(run: Run): ObligationOutcome {
  return fail(
    run,
    'guard/rate-limit-store-unavailable',
    GUARD_MESSAGES.unavailable,
    'rate-limit store failed',
  );
}

async function stepUp(
  run: Run,
  adapter: StepUpAdapter,
  level: string,
  timeoutMs: number,
): Promise<ObligationOutcome | undefined> {
  const { d, req, deps } = run;
  const ok = await withTimeout(
    (signal) => adapter.challenge({ principal: req.principal, level, decisionId: d.decisionId }, signal),
    timeoutMs,
  );
  if (!ok?.ok || (ok.level !== undefined && !authLevelSatisfies(ok.level, level, deps.authLevels))) {
    return fail(run, 'guard/step-up-failed', GUARD_MESSAGES.stepUp, `step-up to ${level} failed`);
  }
  return undefined;
}

async function notify(run: Run, notifier: Notifier, channel: string): Promise<ObligationOutcome | undefined> {
  const { d, point, req } = run;
  try {
    await notifier(channel, {
      decisionId: d.decisionId,
      point,
      rules: d.rules,
      risk: d.risk,
      principal: req.principal.id,
    });
  } catch {
    return fail(run, 'guard/notify-failed', GUARD_MESSAGES.unavailable, 'notify failed');
  }
  return undefined;
}

async function approve(
  run: Run,
  approvals: ApprovalsAdapter,
  o: Obligation,
): Promise<ObligationOutcome | undefined> {
  const { d, point, req, deps } = run;
  const timeoutMs = parseDurationOr(o.timeout, 15 * 60_000);
  // `count` approvals from distinct approvers, none of them the requester (four-eyes).
  const count = Math.min(10, Math.max(1, Number.isInteger(o.count) ? Number(o.count) : 1));
  const ask = (index: number) =>
    withTimeout(
      (signal) =>
        approvals.request(
          {
            id: newApprovalId(),
            decisionId: d.decisionId,
            point,
            ...(typeof o.role === 'string' ? { role: o.role } : {}),
            ...(o.rule ? { rule: o.rule } : {}),
            principal: {
              id: req.principal.id,
              ...(req.principal.tenant ? { tenant: req.principal.tenant } : {}),
            },
            ...(req.tool ? { tool: req.tool.name, args: req.tool.args ?? {} } : {}),
            message: d.message,
            timeoutMs,
            requestedAt: new Date(deps.now).toISOString(),
            ...(count > 1 ? { count, index } : {}),
          },
          signal,
        ),
      timeoutMs,
    );
  const answers = await Promise.all(Array.from({ length: count }, (_, i) => ask(i + 1)));
  if (answers.some((r) => !r))
    return fail(run, 'guard/approval-timeout', GUARD_MESSAGES.approval, 'approval timed out or failed');
  if (answers.some((r) => !r!.approved))
    return fail(run, 'guard/approval-rejected', GUARD_MESSAGES.approval, 'approval rejected');
  const approvers = answers.map((r) => r!.approver);
  if (approvers.some((a) => a !== undefined && a === req.principal.id))
    return fail(
      run,
      'guard/self-approval',
      GUARD_MESSAGES.approval,
      'the requester approved their own request',
    );
  if (count > 1 && (approvers.some((a) => a === undefined) || new Set(approvers).size < count))
    return fail(
      run,
      'guard/approvers-not-distinct',
      GUARD_MESSAGES.approval,
      `needs ${count} distinct approvers`,
    );
  return undefined;
}

function parseDurationOr(v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  try {
    return parseDuration(v);
  } catch {
    return fallback;
  }
}

/** Resolves with the adapter's answer, or undefined on timeout or error (both fail closed). */
async function withTimeout<T>(fn: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T | undefined> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      resolve(undefined);
      ac.abort();
    }, ms);
  });
  try {
    return await Promise.race([fn(ac.signal), timeout]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
