/**
 * Serve settings from, in order of precedence: command-line flags, environment variables
 * (`RAMPART_*`), a config file (YAML or JSON), defaults. Defaults need nothing: the flagship example
 * policy, SQLite evidence in `./.rampart/`, 127.0.0.1:8181, no authentication (loopback only).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { BUNDLE_LIMIT_RANGE } from './admin/index.js';
import { type AuthConfig, type JwtConfig, validateApiKeys } from './auth.js';
import { ServerError } from './errors.js';
import type { ServerLimits } from './server.js';

/** The flagship example policy shipped with the package (two levels up from `src/server` or `dist/server`). */
export const DEFAULT_POLICY_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'examples',
  'claims-assistant',
);

/** Evidence store kinds. */
export const EVIDENCE_KINDS = ['sqlite', 'postgres', 'jsonl', 'memory'] as const;

/** Flags of `rampart serve`. */
export interface ServeFlags {
  policy?: string;
  port?: string;
  host?: string;
  evidence?: string;
  config?: string;
  state?: string;
  governance?: string;
}

/** Size and time limits of `rampart serve`: the server's, and the admin API's bundle upload limit. */
export interface ServeLimits extends ServerLimits {
  /** Largest bundle upload to the admin API, bytes (default 8 MiB; 64 KiB to 64 MiB). */
  maxBundleBytes?: number;
}

const SIZE = /^(\d{1,12})\s*(B|KiB|MiB)?$/;
const UNIT = { B: 1, KiB: 1024, MiB: 1024 * 1024 } as const;

/**
 * Reads a byte size (`8388608`, `"512KiB"`, `"16MiB"`) within `range`; throws `server/config` naming
 * the setting otherwise.
 */
export function parseByteSize(raw: unknown, from: string, range: { min: number; max: number }): number {
  let n = Number.NaN;
  if (typeof raw === 'number') n = raw;
  else if (typeof raw === 'string') {
    const m = SIZE.exec(raw.trim());
    if (m) n = Number(m[1]) * UNIT[(m[2] ?? 'B') as keyof typeof UNIT];
  }
  if (!Number.isSafeInteger(n))
    throw bad(
      `${from}: must be a size in bytes (e.g. 8388608, "512KiB", "16MiB"), got ${JSON.stringify(raw)}`,
    );
  if (n < range.min || n > range.max)
    throw bad(`${from}: must be between ${range.min} and ${range.max} bytes, got ${n}`);
  return n;
}

/** Resolved settings. */
export interface ServeConfig {
  policyDir: string;
  port: number;
  host: string;
  evidence: {
    kind: (typeof EVIDENCE_KINDS)[number];
    path?: string;
    url?: string;
    schema?: string;
    /** Chain stream (set per `--workers` worker where the store has no stream lock). */
    stream?: string;
    /**
     * Wait for the disk (fsync) before acknowledging a group of records — default true: an
     * acknowledged record survives power loss. false: it survives a crash of this process (kill -9)
     * or of the database server, not of the operating system; acknowledgements no longer wait for
     * the disk's flush latency (SQLite synchronous=NORMAL, PostgreSQL synchronous_commit=off).
     */
    fsync?: boolean;
  };
  auth: AuthConfig;
  limits: ServeLimits;
  /** Activation state directory (written by `rampart activate`): serve its verified bundle instead of `policyDir`. */
  stateDir?: string;
  /** The trusted governance.yaml bundles are verified against (required with `stateDir`). */
  governance?: string;
  /** Redis for shared kill switches; without it they live in this process only. */
  redisUrl?: string;
  /** Redis key and channel prefix (default `rampart:`), so several deployments can share one Redis. */
  redisPrefix?: string;
  /** `postgres`: activation state in PostgreSQL (evidence.url), notices through Redis — several instances. */
  activation?: 'postgres';
  /** Where spike and rollout-rollback notices are POSTed (else governance `escalation.webhook`). */
  escalationWebhook?: string;
  /** This instance's name on narrowings and history (default host:pid). */
  instance?: string;
  /** This process's number (1…N) under `rampart serve --workers N`; each worker writes its own chain streams. */
  worker?: number;
  /** Where each setting came from is not kept; this lists the sources read, for the startup lines. */
  sources: string[];
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/** True for a loopback host name or address. */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

function bad(message: string): ServerError {
  return new ServerError('server/config', 500, message);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw bad(
      `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw bad(
      `config file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw bad(`config file ${path} must hold a mapping`);
  const known = [
    'policy',
    'port',
    'host',
    'evidence',
    'auth',
    'limits',
    'redis',
    'state',
    'governance',
    'activation',
    'escalationWebhook',
    'instance',
    'redisPrefix',
  ];
  for (const key of Object.keys(value))
    if (!known.includes(key))
      throw bad(`config file ${path}: unknown key \`${key}\` (known: ${known.join(', ')})`);
  return value as Record<string, unknown>;
}

/** `evidence.fsync` / `RAMPART_EVIDENCE_FSYNC`: a boolean, default true. */
function parseFsync(raw: unknown): boolean {
  if (raw === undefined || raw === true || raw === 'true' || raw === '1') return true;
  if (raw === false || raw === 'false' || raw === '0') return false;
  throw bad(
    `evidence fsync (RAMPART_EVIDENCE_FSYNC or evidence.fsync) must be true or false, got ${JSON.stringify(raw)}`,
  );
}

function parsePort(raw: unknown, from: string): number {
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw bad(`${from}: port must be an integer 0–65535, got ${JSON.stringify(raw)}`);
  return n;
}

function readKeysFile(path: string) {
  const file = readKeysDocument(path);
  return validateApiKeys(Array.isArray(file) ? file : (file as Record<string, unknown>).apiKeys);
}

function readKeysDocument(path: string): unknown {
  try {
    const text = readFileSync(path, 'utf8');
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw bad(`cannot read API keys file ${path}: ${(e as Error).message}`);
  }
}

/** Resolves settings; throws `server/config` with a message naming the bad setting. */
export function resolveServeConfig(
  flags: ServeFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): ServeConfig {
  const sources: string[] = [];
  const configPath = flags.config ?? env.RAMPART_CONFIG;
  const file = configPath ? readConfigFile(configPath) : {};
  if (configPath) sources.push(`config ${configPath}`);
  const base = configPath ? dirname(resolve(configPath)) : process.cwd();

  const policyDir =
    flags.policy ??
    env.RAMPART_POLICY ??
    (typeof file.policy === 'string' ? resolve(base, file.policy) : DEFAULT_POLICY_DIR);
  const port = parsePort(
    flags.port ?? env.RAMPART_PORT ?? file.port ?? 8181,
    flags.port ? '--port' : env.RAMPART_PORT ? 'RAMPART_PORT' : 'port',
  );
  const hostRaw = flags.host ?? env.RAMPART_HOST ?? file.host ?? '127.0.0.1';
  if (typeof hostRaw !== 'string' || hostRaw === '') throw bad('host must be a non-empty string');

  const fileEvidence = (file.evidence ?? {}) as Record<string, unknown>;
  const kind = flags.evidence ?? env.RAMPART_EVIDENCE ?? fileEvidence.kind ?? 'sqlite';
  if (!(EVIDENCE_KINDS as readonly unknown[]).includes(kind))
    throw bad(`evidence must be one of ${EVIDENCE_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const evidence: ServeConfig['evidence'] = {
    kind: kind as ServeConfig['evidence']['kind'],
    fsync: parseFsync(env.RAMPART_EVIDENCE_FSYNC ?? fileEvidence.fsync),
  };
  const evPath =
    env.RAMPART_EVIDENCE_PATH ??
    (typeof fileEvidence.path === 'string' ? resolve(base, fileEvidence.path) : undefined);
  if (evPath) evidence.path = evPath;
  const url =
    env.RAMPART_DATABASE_URL ?? (typeof fileEvidence.url === 'string' ? fileEvidence.url : undefined);
  if (url) evidence.url = url;
  const schema =
    env.RAMPART_DATABASE_SCHEMA ??
    (typeof fileEvidence.schema === 'string' ? fileEvidence.schema : undefined);
  if (schema) evidence.schema = schema;
  if (evidence.kind === 'postgres' && !evidence.url)
    throw bad('postgres evidence needs RAMPART_DATABASE_URL or evidence.url');
  if (evidence.kind === 'sqlite' && !evidence.path) evidence.path = join('.rampart', 'evidence.db');
  if (evidence.kind === 'jsonl' && !evidence.path) evidence.path = join('.rampart', 'evidence.jsonl');

  const fileAuth = (file.auth ?? {}) as Record<string, unknown>;
  const auth: AuthConfig = {};
  const keysFile =
    env.RAMPART_API_KEYS_FILE ??
    (typeof fileAuth.apiKeysFile === 'string' ? resolve(base, fileAuth.apiKeysFile) : undefined);
  const apiKeys = [
    ...(fileAuth.apiKeys !== undefined ? validateApiKeys(fileAuth.apiKeys) : []),
    ...(keysFile ? readKeysFile(keysFile) : []),
  ];
  if (apiKeys.length > 0) auth.apiKeys = apiKeys;
  const fileJwt = (fileAuth.jwt ?? undefined) as JwtConfig | undefined;
  const jwt: JwtConfig = { ...fileJwt };
  if (env.RAMPART_JWT_SECRET) jwt.secret = env.RAMPART_JWT_SECRET;
  if (env.RAMPART_JWT_PUBLIC_KEY) jwt.publicKey = env.RAMPART_JWT_PUBLIC_KEY;
  if (env.RAMPART_JWT_ISSUER) jwt.issuer = env.RAMPART_JWT_ISSUER;
  if (env.RAMPART_JWT_AUDIENCE) jwt.audience = env.RAMPART_JWT_AUDIENCE;
  if (jwt.secret !== undefined || jwt.publicKey !== undefined) auth.jwt = jwt;

  const open = !auth.apiKeys && !auth.jwt;
  if (open && !isLoopback(hostRaw))
    throw bad(
      `no authentication is configured, so the server listens on loopback only; refusing host ${hostRaw} (configure API keys or JWT first)`,
    );

  const limits = { ...((file.limits ?? {}) as ServeLimits) };
  const bundleRaw = env.RAMPART_MAX_BUNDLE_BYTES ?? limits.maxBundleBytes;
  if (bundleRaw !== undefined)
    limits.maxBundleBytes = parseByteSize(
      bundleRaw,
      env.RAMPART_MAX_BUNDLE_BYTES !== undefined ? 'RAMPART_MAX_BUNDLE_BYTES' : 'limits.maxBundleBytes',
      BUNDLE_LIMIT_RANGE,
    );
  const redisUrl = env.RAMPART_REDIS_URL ?? (typeof file.redis === 'string' ? file.redis : undefined);
  const fromFile = (v: unknown) => (typeof v === 'string' ? resolve(base, v) : undefined);
  const stateDir = flags.state ?? env.RAMPART_STATE_DIR ?? fromFile(file.state);
  const governance = flags.governance ?? env.RAMPART_GOVERNANCE ?? fromFile(file.governance);
  if (stateDir && !governance)
    throw bad(
      'serving from a state directory needs the trusted governance file (--governance or RAMPART_GOVERNANCE)',
    );
  const cluster = readClusterSettings(file, env);
  if (cluster.activation === 'postgres') {
    if (stateDir) throw bad('activation: postgres and a state directory are two sources of truth; pick one');
    if (!governance)
      throw bad(
        'activation: postgres needs the trusted governance file (--governance or RAMPART_GOVERNANCE)',
      );
    if (!evidence.url) throw bad('activation: postgres needs RAMPART_DATABASE_URL or evidence.url');
    if (!redisUrl)
      throw bad('activation: postgres needs Redis for activation notices (RAMPART_REDIS_URL or redis)');
    // Several instances share one schema: each appends its own evidence chain (and `admin-<instance>`).
    cluster.instance ??= `${hostname()}-${process.pid}`;
    if (evidence.kind === 'postgres' && evidence.stream === undefined)
      evidence.stream = `default-${streamSlug(cluster.instance)}`;
  }
  return {
    policyDir,
    port,
    host: hostRaw,
    evidence,
    auth,
    limits,
    sources,
    ...(redisUrl ? { redisUrl } : {}),
    ...(stateDir ? { stateDir, governance } : {}),
    ...(cluster.activation === 'postgres' ? { governance } : {}),
    ...cluster,
  };
}

/** An instance name as a chain stream suffix. */
export function streamSlug(instance: string): string {
  return instance.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
}

/** The multi-instance settings: activation source, escalation webhook, instance name, Redis prefix. */
function readClusterSettings(
  file: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Pick<ServeConfig, 'activation' | 'escalationWebhook' | 'instance' | 'redisPrefix'> {
  const str = (name: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw bad(`${name} must be a non-empty string`);
    return v;
  };
  const out: Pick<ServeConfig, 'activation' | 'escalationWebhook' | 'instance' | 'redisPrefix'> = {};
  const activation = str('activation', env.RAMPART_ACTIVATION ?? file.activation);
  if (activation !== undefined && activation !== 'postgres' && activation !== 'files')
    throw bad(`activation must be postgres (or files, the default), got ${JSON.stringify(activation)}`);
  if (activation === 'postgres') out.activation = 'postgres';
  const webhook = str('escalationWebhook', env.RAMPART_ESCALATION_WEBHOOK ?? file.escalationWebhook);
  if (webhook !== undefined) {
    if (!/^https?:\/\//.test(webhook)) throw bad('escalationWebhook must be an http(s) URL');
    out.escalationWebhook = webhook;
  }
  const instance = str('instance', env.RAMPART_INSTANCE ?? file.instance);
  if (instance !== undefined) out.instance = instance;
  const prefix = str('redisPrefix', env.RAMPART_REDIS_PREFIX ?? file.redisPrefix);
  if (prefix !== undefined) out.redisPrefix = prefix;
  return out;
}
