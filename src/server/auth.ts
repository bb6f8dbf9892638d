/**
 * Who is calling: API keys (only their sha256 is configured) or JWTs verified with `jose`
 * (HS256 with a shared secret, EdDSA with a public key; issuer and audience checked). Each caller
 * gets scopes; routes require one. With no authentication configured every caller is anonymous with
 * the `decide` scope only, and the server refuses to listen beyond loopback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type CryptoKey, importJWK, importSPKI, type JWK, jwtVerify, type KeyObject } from 'jose';
import { ServerError } from './errors.js';

/** Every scope the server knows. */
export const SCOPES = ['decide', 'admin:read', 'bundles:activate', 'exceptions:grant', 'killswitch'] as const;
/** One scope. */
export type Scope = (typeof SCOPES)[number];

/**
 * The governance role each scope stands for. Scopes say what a caller may ask the server to do;
 * the authority itself stays with governance: an activated bundle must carry k approver signatures
 * and a grant a granter's signature, whoever submits them.
 */
export const SCOPE_ROLES: Readonly<Record<Scope, string>> = {
  decide: 'services asking for decisions (decide, scan, redact)',
  'admin:read':
    'owners and reviewers: internal reasons and evidence on decisions, logs and stats, bundles and history, exceptions, kill switches, metrics',
  'bundles:activate':
    'release operators: upload, activate, shadow, roll out, withdraw and roll back bundles the approvers signed',
  'exceptions:grant':
    'exception granters: submit grants signed by a governance exception granter, revoke grants',
  killswitch: 'on-call operators (the escalation contact): flip kill switches',
};

/** A configured API key: never the key itself, only `sha256:<hex>` of it. */
export interface ApiKeyEntry {
  id: string;
  sha256: string;
  scopes: Scope[];
}

/** JWT verification settings. */
export interface JwtConfig {
  /** HS256 shared secret (at least 32 bytes). */
  secret?: string;
  /** EdDSA public key, as SPKI PEM or a JWK object. */
  publicKey?: string | JWK;
  issuer?: string;
  audience?: string;
}

/** Authentication settings. */
export interface AuthConfig {
  apiKeys?: ApiKeyEntry[];
  jwt?: JwtConfig;
}

/** An authenticated (or anonymous) caller. */
export interface Caller {
  id: string;
  /** `cli`: an operator running a `rampart` admin command against the stores directly (no server). */
  kind: 'anonymous' | 'api-key' | 'jwt' | 'cli';
  scopes: ReadonlySet<string>;
}

/** Resolves a caller from a request, or throws 401. */
export interface Authenticator {
  /** True when no API key or JWT is configured (anonymous `decide` on loopback). */
  readonly open: boolean;
  authenticate(req: IncomingMessage): Promise<Caller>;
}

const ANONYMOUS: Caller = { id: 'anonymous', kind: 'anonymous', scopes: new Set<string>(['decide']) };

/** sha256 of an API key as configured (`sha256:<hex>`). */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** Checks the shape of configured API keys; throws `server/config` on a bad entry. */
export function validateApiKeys(entries: unknown): ApiKeyEntry[] {
  if (!Array.isArray(entries)) throw new ServerError('server/config', 500, '`apiKeys` must be a list');
  return entries.map((e, i) => {
    const where = `apiKeys[${i}]`;
    if (e === null || typeof e !== 'object')
      throw new ServerError('server/config', 500, `${where} must be an object`);
    const { id, sha256, scopes } = e as Record<string, unknown>;
    if (typeof id !== 'string' || id === '')
      throw new ServerError('server/config', 500, `${where}.id must be a string`);
    if (typeof sha256 !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(sha256))
      throw new ServerError(
        'server/config',
        500,
        `${where}.sha256 must be "sha256:" and 64 lowercase hex digits`,
      );
    if (!Array.isArray(scopes) || scopes.some((s) => !(SCOPES as readonly unknown[]).includes(s)))
      throw new ServerError(
        'server/config',
        500,
        `${where}.scopes must list scopes among ${SCOPES.join(', ')}`,
      );
    return { id, sha256, scopes: scopes as Scope[] };
  });
}

/** Builds an authenticator; throws `server/config` for unusable settings. */
export async function createAuthenticator(config: AuthConfig = {}): Promise<Authenticator> {
  const keys = new Map<string, ApiKeyEntry>();
  for (const k of config.apiKeys ?? []) keys.set(k.sha256, k);
  const jwt = config.jwt;
  let jwtKey: Uint8Array | CryptoKey | KeyObject | undefined;
  let algorithms: string[] = [];
  if (jwt?.secret !== undefined) {
    if (Buffer.byteLength(jwt.secret) < 32)
      throw new ServerError('server/config', 500, 'jwt.secret must be at least 32 bytes');
    jwtKey = new TextEncoder().encode(jwt.secret);
    algorithms = ['HS256'];
  } else if (jwt?.publicKey !== undefined) {
    try {
      jwtKey =
        typeof jwt.publicKey === 'string'
          ? await importSPKI(jwt.publicKey, 'EdDSA')
          : ((await importJWK(jwt.publicKey, 'EdDSA')) as CryptoKey);
    } catch (e) {
      throw new ServerError(
        'server/config',
        500,
        `jwt.publicKey is not a usable EdDSA key: ${(e as Error).message}`,
      );
    }
    algorithms = ['EdDSA'];
  } else if (jwt) {
    throw new ServerError('server/config', 500, 'jwt needs `secret` (HS256) or `publicKey` (EdDSA)');
  }
  const open = keys.size === 0 && jwtKey === undefined;

  const fromApiKey = (token: string): Caller | undefined => {
    const entry = keys.get(hashApiKey(token));
    if (!entry) return undefined;
    // The map lookup already matched; compare again in constant time so timing says nothing.
    const a = Buffer.from(entry.sha256);
    const b = Buffer.from(hashApiKey(token));
    if (!timingSafeEqual(a, b)) return undefined;
    return { id: entry.id, kind: 'api-key', scopes: new Set(entry.scopes) };
  };

  const fromJwt = async (token: string): Promise<Caller | undefined> => {
    if (!jwtKey || token.split('.').length !== 3) return undefined;
    try {
      const { payload } = await jwtVerify(token, jwtKey, {
        algorithms,
        ...(jwt?.issuer ? { issuer: jwt.issuer } : {}),
        ...(jwt?.audience ? { audience: jwt.audience } : {}),
      });
      const raw = payload.scope ?? payload.scopes;
      const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw : [];
      const scopes = new Set(list.filter((s): s is string => (SCOPES as readonly unknown[]).includes(s)));
      return { id: typeof payload.sub === 'string' ? payload.sub : 'jwt', kind: 'jwt', scopes };
    } catch {
      return undefined;
    }
  };

  return {
    open,
    async authenticate(req) {
      const header = req.headers.authorization;
      if (header === undefined) {
        if (open) return ANONYMOUS;
        throw new ServerError('server/unauthorized', 401, 'missing `Authorization: Bearer <key or token>`');
      }
      const match = /^Bearer\s+(\S{1,8192})\s*$/i.exec(header);
      if (!match?.[1])
        throw new ServerError('server/unauthorized', 401, 'Authorization must be `Bearer <key or token>`');
      if (open) return ANONYMOUS;
      const token = match[1];
      const caller = fromApiKey(token) ?? (await fromJwt(token));
      if (!caller) throw new ServerError('server/unauthorized', 401, 'the API key or token is not valid');
      return caller;
    },
  };
}

/** Throws 403 unless the caller holds `scope`. */
export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.has(scope))
    throw new ServerError('server/forbidden', 403, `this route needs the \`${scope}\` scope`);
}
