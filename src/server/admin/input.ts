/**
 * Shared input checks and error mapping of the admin routes: shape problems are 422
 * `server/invalid-request`; refusals from the bundle, exception and evidence rings keep their own
 * stable codes (`bundle/unsigned`, `exception/bad-signature`, `evidence/bad-query`…).
 */
import { isBundleError } from '../../bundle/errors.js';
import { isEvidenceError } from '../../evidence/errors.js';
import { ServerError } from '../errors.js';

/** True for a plain JSON object. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** 422 `server/invalid-request`. */
export function invalid(message: string): ServerError {
  return new ServerError('server/invalid-request', 422, message);
}

/** The body as an object, or 422. */
export function objectBody(body: unknown, shape: string): Record<string, unknown> {
  if (!isObject(body)) throw invalid(`the body must be ${shape}`);
  return body;
}

/** An optional string field of at most `max` characters. */
export function optionalString(body: Record<string, unknown>, key: string, max = 500): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw invalid(`\`${key}\` must be a string of at most ${max} characters`);
  return v;
}

/** A required non-empty string field. */
export function requiredString(body: Record<string, unknown>, key: string, max = 500): string {
  const v = optionalString(body, key, max);
  if (v === undefined || v.trim() === '') throw invalid(`\`${key}\` is required`);
  return v;
}

/** `sha256:<64 hex>`, also accepted without the prefix. */
export function digestField(body: Record<string, unknown>, key = 'digest'): string {
  const v = requiredString(body, key, 80);
  const m = /^(?:sha256:)?([0-9a-f]{64})$/.exec(v);
  if (!m) throw invalid(`\`${key}\` must be a bundle digest (sha256:<64 lowercase hex digits>)`);
  return `sha256:${m[1]}`;
}

/** An optional list of short strings. */
export function stringList(body: Record<string, unknown>, key: string): string[] | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (
    !Array.isArray(v) ||
    v.length > 1000 ||
    v.some((x) => typeof x !== 'string' || x === '' || x.length > 200)
  )
    throw invalid(`\`${key}\` must be a list of at most 1000 non-empty strings`);
  return v as string[];
}

/** Rejects keys outside `known`, so a typo (`percentage`) is not silently ignored. */
export function onlyKeys(body: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(body))
    if (!known.includes(k)) throw invalid(`unknown field \`${k.slice(0, 60)}\` (known: ${known.join(', ')})`);
}

/** Rejects query parameters outside `allowed` (none by default), so `?limt=5` is not silently ignored. */
export function onlyQueryParams(query: URLSearchParams, allowed: readonly string[] = []): void {
  for (const key of query.keys())
    if (!allowed.includes(key))
      throw invalid(
        `unknown query parameter \`${key.slice(0, 50)}\`${allowed.length ? ` (known: ${allowed.join(', ')})` : ''}`,
      );
}

/**
 * Maps a refusal from a lower ring to an HTTP error with that ring's stable code; anything else
 * is rethrown (and becomes a 500 without detail).
 */
export function asServerError(e: unknown): ServerError {
  if (e instanceof ServerError) return e;
  if (isBundleError(e)) return new ServerError(e.code, e.code === 'bundle/not-found' ? 404 : 422, e.message);
  if (isEvidenceError(e)) {
    if (e.code === 'evidence/bad-query') return new ServerError(e.code, 400, e.message);
    return new ServerError('server/unavailable', 503, 'the evidence store is unavailable');
  }
  const code = (e as { code?: unknown } | undefined)?.code;
  if (code === 'policy/invalid')
    return new ServerError('policy/invalid', 422, (e as Error).message.slice(0, 2000));
  throw e;
}
