/**
 * Exception grants: scoped, time-boxed waivers of named rules, signed by an exception granter from
 * governance and stored in an exceptions file beside the bundle. Loading verifies every signature,
 * the granter's authority and the per-risk-class maximum duration, and keeps only unexpired grants,
 * so an expired or forged grant stops applying by itself. The engine applies what is returned.
 */
import { createHash } from 'node:crypto';
import type { ExceptionGrant, ExceptionScope } from '../policy/types.js';
import { canonicalJson, prettyCanonicalJson } from './canonical-json.js';
import { formatDuration } from './duration.js';
import { BundleError, type BundleErrorCode } from './errors.js';
import { type Governance, isRevoked, riskRank } from './governance.js';
import { type SigningKey, signBytes, verifyBytes } from './keys.js';

/** The format tag of an exceptions file. */
export const EXCEPTIONS_FORMAT = 'rampart.exceptions/v1';
/** Cap when governance declares no maximum for a risk class. */
export const DEFAULT_MAX_EXCEPTION_MS = 90 * 86_400_000;
const MAX_GRANTS = 10_000;

/** A grant with the evidence of who signed it. */
export interface SignedExceptionGrant {
  grant: ExceptionGrant;
  /** Highest risk class among the waived rules at grant time. */
  risk: string;
  /** RFC 3339 date by which the grant must be reviewed. */
  review: string;
  keyId: string;
  signature: string;
}

/** An exceptions file. */
export interface ExceptionsFile {
  format: typeof EXCEPTIONS_FORMAT;
  grants: SignedExceptionGrant[];
}

/** A grant that was dropped while loading, and why. */
export interface RejectedGrant {
  index: number;
  id?: string;
  code: BundleErrorCode;
  message: string;
}

/** What loading found. */
export interface LoadedExceptions {
  /** Verified and unexpired: hand these to `decide(..., { exceptions, now })`. */
  active: ExceptionGrant[];
  /** Verified but past their expiry. */
  expired: ExceptionGrant[];
  /** Forged, unauthorised, over-long or malformed grants; never applied. */
  rejected: RejectedGrant[];
  /** Verified envelopes, for listing. */
  verified: SignedExceptionGrant[];
}

const SCOPE_KEYS = ['principal', 'tenant', 'tool', 'route'] as const;

/** Parses `tenant=acme,tool=payments.refund` into a scope. */
export function parseScope(text: string): ExceptionScope {
  const scope: ExceptionScope = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (eq <= 0 || value === '' || !(SCOPE_KEYS as readonly string[]).includes(key))
      throw new BundleError(
        'exception/invalid',
        `scope ${JSON.stringify(part)} must be one of ${SCOPE_KEYS.map((k) => `${k}=<value>`).join(', ')}`,
      );
    scope[key as (typeof SCOPE_KEYS)[number]] = value;
  }
  if (Object.keys(scope).length === 0)
    throw new BundleError(
      'exception/invalid',
      'an exception needs a scope (e.g. tenant=acme): unscoped waivers are not allowed',
    );
  return scope;
}

function payload(env: Omit<SignedExceptionGrant, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({
      purpose: 'rampart.exception-grant/v1',
      grant: env.grant,
      risk: env.risk,
      review: env.review,
      keyId: env.keyId,
    }),
    'utf8',
  );
}

/** What a granter asks for. */
export interface GrantRequest {
  rules: string[];
  scope: ExceptionScope;
  /** Lifetime in ms from `now`. */
  durationMs: number;
  reason: string;
  /** Review date; defaults to the expiry. */
  review?: Date;
  now: Date;
}

/** Creates a signed grant; throws `BundleError` when the key may not grant it or it is too long. */
export function createExceptionGrant(
  request: GrantRequest,
  key: SigningKey,
  governance: Governance,
  ruleRisk: (ruleId: string) => string | undefined,
): SignedExceptionGrant {
  if (request.rules.length === 0)
    throw new BundleError('exception/invalid', 'name at least one rule to waive');
  if (request.reason.trim() === '') throw new BundleError('exception/invalid', 'a reason is required');
  const granter = governance.exceptionGranters.find((g) => g.keyId === key.keyId);
  if (!granter || isRevoked(governance, key.keyId))
    throw new BundleError(
      'exception/not-granter',
      `key ${key.keyId} is not an unrevoked exception granter in governance`,
    );
  let risk = governance.riskClasses[0] ?? 'low';
  for (const rule of request.rules) {
    const r = ruleRisk(rule);
    if (r === null || r === undefined)
      throw new BundleError('exception/unknown-rule', `rule ${rule} is not in the bundle`);
    if (riskRank(governance, r) > riskRank(governance, risk)) risk = r;
  }
  checkAuthority(governance, granter.id, granter.maxRisk, risk, request.durationMs);
  const expires = new Date(request.now.getTime() + request.durationMs);
  const core = {
    rules: [...request.rules].sort(),
    scope: request.scope,
    expires: expires.toISOString(),
    granter: granter.id,
    reason: request.reason.trim(),
    grantedAt: request.now.toISOString(),
  };
  const id = `ex-${createHash('sha256').update(canonicalJson(core)).digest('hex').slice(0, 12)}`;
  const env = {
    grant: { id, ...core },
    risk,
    review: (request.review ?? expires).toISOString(),
    keyId: key.keyId,
  };
  return { ...env, signature: signBytes(key, payload(env)) };
}

function maxDurationFor(governance: Governance, risk: string): number {
  return governance.exceptionMaxDuration[risk] ?? DEFAULT_MAX_EXCEPTION_MS;
}

function checkAuthority(
  governance: Governance,
  granter: string,
  maxRisk: string | undefined,
  risk: string,
  durationMs: number,
): void {
  if (maxRisk !== undefined && riskRank(governance, risk) > riskRank(governance, maxRisk))
    throw new BundleError(
      'exception/not-granter',
      `${granter} may grant exceptions up to ${maxRisk} risk; these rules are ${risk}`,
    );
  const max = maxDurationFor(governance, risk);
  if (!(durationMs > 0) || durationMs > max)
    throw new BundleError(
      'exception/too-long',
      `exceptions for ${risk}-risk rules may last at most ${formatDuration(max)} (asked ${formatDuration(Math.max(0, durationMs))})`,
    );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkEnvelope(
  raw: unknown,
  governance: Governance,
  ruleRisk?: (id: string) => string | undefined,
): SignedExceptionGrant {
  if (!isRecord(raw) || !isRecord(raw.grant) || !isRecord(raw.grant.scope))
    throw new BundleError('exception/invalid', 'grant is malformed');
  const g = raw.grant;
  const strings = ['id', 'expires', 'granter', 'reason', 'grantedAt'];
  if (
    !strings.every((k) => typeof g[k] === 'string') ||
    !Array.isArray(g.rules) ||
    !g.rules.every((r) => typeof r === 'string')
  )
    throw new BundleError(
      'exception/invalid',
      'grant is missing id, rules, expires, granter, reason or grantedAt',
    );
  if (
    typeof raw.risk !== 'string' ||
    typeof raw.review !== 'string' ||
    typeof raw.keyId !== 'string' ||
    typeof raw.signature !== 'string'
  )
    throw new BundleError('exception/invalid', 'grant envelope is missing risk, review, keyId or signature');
  const scope = g.scope as Record<string, unknown>;
  if (
    Object.keys(scope).length === 0 ||
    !Object.entries(scope).every(
      ([k, v]) => (SCOPE_KEYS as readonly string[]).includes(k) && typeof v === 'string',
    )
  )
    throw new BundleError('exception/invalid', 'grant scope is empty or has unknown fields');
  const env = raw as unknown as SignedExceptionGrant;
  const granter = governance.exceptionGranters.find((x) => x.keyId === env.keyId);
  if (!granter || isRevoked(governance, env.keyId) || granter.id !== env.grant.granter)
    throw new BundleError(
      'exception/not-granter',
      `grant signed by key ${env.keyId}, which is not an unrevoked exception granter named ${env.grant.granter}`,
    );
  if (!verifyBytes(granter.publicKey, payload(env), env.signature))
    throw new BundleError('exception/bad-signature', 'grant signature does not verify');
  // The policy may have raised a rule's risk since the grant: judge by the higher of the two.
  let risk = env.risk;
  for (const rule of env.grant.rules) {
    const now = ruleRisk?.(rule);
    if (now && riskRank(governance, now) > riskRank(governance, risk)) risk = now;
  }
  const duration = Date.parse(env.grant.expires) - Date.parse(env.grant.grantedAt ?? '');
  if (!Number.isFinite(duration)) throw new BundleError('exception/invalid', 'grant dates are not RFC 3339');
  checkAuthority(governance, granter.id, granter.maxRisk, risk, duration);
  return env;
}

/** Parses and verifies an exceptions file at instant `now`; bad grants are dropped and listed, never applied. */
export function loadExceptions(
  text: string,
  options: { governance: Governance; now: Date; ruleRisk?: (ruleId: string) => string | undefined },
): LoadedExceptions {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new BundleError('exception/invalid', `exceptions file is not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(doc) || doc.format !== EXCEPTIONS_FORMAT || !Array.isArray(doc.grants))
    throw new BundleError(
      'exception/invalid',
      `exceptions file must be {"format":"${EXCEPTIONS_FORMAT}","grants":[…]}`,
    );
  if (doc.grants.length > MAX_GRANTS)
    throw new BundleError('exception/invalid', `more than ${MAX_GRANTS} grants`);
  const out: LoadedExceptions = { active: [], expired: [], rejected: [], verified: [] };
  doc.grants.forEach((raw, index) => {
    try {
      const env = checkEnvelope(raw, options.governance, options.ruleRisk);
      out.verified.push(env);
      (Date.parse(env.grant.expires) > options.now.getTime() ? out.active : out.expired).push(env.grant);
    } catch (error) {
      if (!(error instanceof BundleError)) throw error;
      const id =
        isRecord(raw) && isRecord(raw.grant) && typeof raw.grant.id === 'string' ? raw.grant.id : undefined;
      out.rejected.push({ index, ...(id ? { id } : {}), code: error.code, message: error.message });
    }
  });
  return out;
}

/** Renders an exceptions file (canonical, so diffs of it are clean). */
export function serializeExceptions(grants: SignedExceptionGrant[]): string {
  const sorted = [...grants].sort(
    (a, b) =>
      (a.grant.grantedAt ?? '').localeCompare(b.grant.grantedAt ?? '') ||
      a.grant.id.localeCompare(b.grant.id),
  );
  return prettyCanonicalJson({ format: EXCEPTIONS_FORMAT, grants: sorted });
}

/**
 * How long an expired grant stays in a store (listed as expired) before the next write drops it.
 * Expired grants never apply, and each grant and revocation is in the admin audit trail, so dropping
 * them loses no evidence; keeping them all would make every read verify a signature per grant ever
 * made.
 */
export const EXPIRED_GRANT_KEEP_MS = 30 * 86_400_000;

/** Whether `grant` expired more than `keepMs` before `now` (a store may then drop it). */
export function isLongExpired(grant: ExceptionGrant, now: Date, keepMs = EXPIRED_GRANT_KEEP_MS): boolean {
  const e = Date.parse(grant.expires);
  return Number.isFinite(e) && e <= now.getTime() - keepMs;
}

/** The grants a store keeps once `added` joins `grants`: all but those long expired at `now`. */
export function grantsAfterAdding(
  grants: readonly SignedExceptionGrant[],
  added: SignedExceptionGrant,
  now: Date,
): SignedExceptionGrant[] {
  return [...grants.filter((g) => !isLongExpired(g.grant, now)), added];
}

/** Grants that expire within `withinMs` of `now` (and have not yet expired), soonest first. */
export function expiringWithin(
  grants: SignedExceptionGrant[],
  now: Date,
  withinMs: number,
): SignedExceptionGrant[] {
  const t = now.getTime();
  return grants
    .filter((g) => {
      const e = Date.parse(g.grant.expires);
      return e > t && e <= t + withinMs;
    })
    .sort((a, b) => a.grant.expires.localeCompare(b.grant.expires));
}

/** Looks up a rule's risk class in a policy view; rules without one count as the lowest class. */
export function ruleRiskFromView(view: {
  rules: ReadonlyMap<string, { risk?: string }>;
  riskClasses: string[];
}): (id: string) => string | undefined {
  return (id) => {
    const rule = view.rules.get(id);
    return rule ? (rule.risk ?? view.riskClasses[0] ?? 'low') : undefined;
  };
}
