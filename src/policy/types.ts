/**
 * The shared vocabulary of Rampart: points, effects, requests, decisions, obligations and findings.
 * Every ring imports these; nothing here does I/O.
 */

/** The five enforcement points, in the order an interaction passes through them. */
export const POINTS = ['input', 'route', 'tool', 'output', 'persist'] as const;
/** An enforcement point. */
export type Point = (typeof POINTS)[number];

/** What a rule or a decision says. */
export type Effect = 'allow' | 'deny' | 'allow_with_conditions';
/** The log-facing name of an effect, one-to-one with it. */
export type Outcome = 'allowed' | 'blocked' | 'allowed_with_conditions';

/** Maps an effect to the outcome written in logs. */
export function outcomeOf(effect: Effect): Outcome {
  if (effect === 'deny') return 'blocked';
  if (effect === 'allow') return 'allowed';
  return 'allowed_with_conditions';
}

/** The obligation types a policy may attach to an allow. */
export const OBLIGATION_TYPES = [
  'require_approval',
  'step_up_auth',
  'redact',
  'route_to',
  'rate_limit',
  'inject_guardrail',
  'retain',
  'sandbox',
  'notify',
] as const;
/** An obligation type. */
export type ObligationType = (typeof OBLIGATION_TYPES)[number];

/** A condition the caller must carry out for an allow to stand; parameters depend on the type. */
export interface Obligation {
  type: ObligationType;
  /** The rule that attached it. */
  rule?: string;
  [param: string]: unknown;
}

/** Who is asking. */
export interface Principal {
  id: string;
  roles?: string[];
  tenant?: string;
  /** Authentication strength, e.g. `password`, `mfa`, `hardware_key`. */
  authLevel?: string;
  /** OAuth-style scopes held; tools that declare scopes require all of them. */
  scopes?: string[];
  attributes?: Record<string, unknown>;
}

/** Where and when the request happens. */
export interface RequestContext {
  route?: string;
  interaction?: string;
  session?: string;
  channel?: string;
  cohort?: string;
  /** RFC 3339 time of the request; rules see it as a CEL timestamp. */
  time?: string;
  attributes?: Record<string, unknown>;
}

/** The object the request is about, when there is one. */
export interface RequestResource {
  kind?: string;
  id?: string;
  ownerId?: string;
  tenant?: string;
  attributes?: Record<string, unknown>;
}

/** What the application asks about at one point: principal and context always, plus the point's own member. */
export interface DecisionRequest {
  principal: Principal;
  context?: RequestContext;
  resource?: RequestResource;
  input?: { text: string; attachments?: unknown[] };
  route?: { model?: string; tier?: string; capabilities?: string[] };
  tool?: { name: string; args?: Record<string, unknown> };
  output?: { text: string; source?: string };
  record?: { kind: string; fields?: string[]; ttl?: string; readers?: string[] };
  /** Signals computed by the guard (anomaly counters etc.), readable by rules as `signals.*`. */
  signals?: Record<string, unknown>;
}

/** One thing a detector found in a text; offsets are UTF-16 code units into the original string. */
export interface Finding {
  detector: string;
  type: string;
  start: number;
  end: number;
  score: number;
  /** Risk class of the finding when the detector assigns one. */
  risk?: string;
}

/** The policy version a decision was made under. */
export interface PolicyRef {
  name: string;
  version: string;
  digest: string;
}

/** A problem met while deciding; decisions never throw, they carry these. */
export interface DecisionError {
  code: string;
  message: string;
  rule?: string;
}

/** The answer at one point. `reason` is internal; only `message` may reach the user. */
export interface Decision {
  decisionId: string;
  point: Point;
  effect: Effect;
  outcome: Outcome;
  obligations: Obligation[];
  rules: string[];
  risk: string | null;
  message: string;
  reason: string;
  policy: PolicyRef;
  errors: DecisionError[];
  /** Request fields the matched rules declare as evidence, with their values. */
  evidence: Record<string, unknown>;
  /** Exceptions that changed this decision, by id. */
  exceptions?: string[];
}

/** Who or what an exception applies to; every named field must match the request. */
export interface ExceptionScope {
  principal?: string;
  tenant?: string;
  tool?: string;
  route?: string;
}

/**
 * A scoped, time-boxed grant that waives named rules. The engine applies it only while
 * `now < expires` and only when every scope field matches; each use is listed on the decision.
 */
export interface ExceptionGrant {
  id: string;
  /** Rule ids the grant waives (their match no longer counts). */
  rules: string[];
  scope: ExceptionScope;
  /** RFC 3339 instant after which the grant stops applying by itself. */
  expires: string;
  granter: string;
  reason: string;
  grantedAt?: string;
}
