/**
 * `rampart exceptions grant|revoke|list`: signed, scoped, time-boxed waivers, kept in an exceptions
 * file (beside the bundle, or in a state directory) or, for `activation: postgres` instances, in the
 * shared PostgreSQL store (`--database`, or the serve config via `--config`, the same flags as
 * `rampart activate`), where a change is announced over Redis and every instance applies it within
 * a round trip. Against the shared store a grant passes the very checks the admin API makes.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../bundle/atomic-file.js';
import { bundleTexts, parseBundle } from '../../bundle/bundle-format.js';
import { prettyCanonicalJson } from '../../bundle/canonical-json.js';
import { parseDuration } from '../../bundle/duration.js';
import {
  createExceptionGrant,
  expiringWithin,
  grantsAfterAdding,
  loadExceptions,
  parseScope,
  ruleRiskFromView,
  type SignedExceptionGrant,
  serializeExceptions,
} from '../../bundle/exceptions.js';
import type { Governance } from '../../bundle/governance.js';
import { parseGovernance } from '../../bundle/governance.js';
import { loadSigningKey } from '../../bundle/keys.js';
import { readPolicyView } from '../../bundle/policy-view.js';
import { type AdminEvent, contentDigest } from '../../server/admin/audit.js';
import { admitGrant } from '../../server/admin/exceptions.js';
import { describeNotice } from '../../server/cluster/shared-activation.js';
import { openSharedExceptions, type SharedExceptions } from '../../server/cluster/shared-exceptions.js';
import { isServerError, ServerError } from '../../server/errors.js';
import {
  AUDIT_HELP,
  auditOptions,
  CliAudit,
  CliAuditUnavailable,
  defaultActor,
  policyRefOf,
  recordDone,
  recordRefused,
  refusalsRecorded,
  reportAuditUnavailable,
} from '../admin-audit.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';
import {
  auditFlagsOf,
  type CommandIo,
  reportLifecycleError,
  resolveTarget,
  type StateCommandOptions,
  storeOptions,
} from './activate.js';
import { readInputFile } from './sign.js';

/** Which store: an exceptions file (`--file`, `--bundle`) or the flags `rampart activate` takes. */
export type ExceptionsStoreOptions = Omit<StateCommandOptions, 'actor' | 'reason' | 'governance'> & {
  file?: string;
};

/** Options of `exceptions grant`. */
export interface GrantCommandOptions extends ExceptionsStoreOptions {
  rule: string[];
  scope: string;
  expires: string;
  reason: string;
  key: string;
  governance?: string;
  /** The bundle whose rules are waived (file store); a shared store checks against its active bundle. */
  bundle?: string;
  review?: string;
  /** Who grants, as the admin record names them (the grant itself names its signing granter). */
  actor?: string;
}

/** Options of `exceptions revoke`. */
export interface RevokeCommandOptions extends ExceptionsStoreOptions {
  reason: string;
  actor?: string;
  governance?: string;
  bundle?: string;
}

/** Options of `exceptions list`. */
export interface ListCommandOptions extends ExceptionsStoreOptions {
  governance?: string;
  bundle?: string;
  expiring?: string;
  json?: boolean;
}

/** Where grants are kept: a file, or the shared PostgreSQL store of `activation: postgres` instances. */
type ExceptionsWhere =
  | { kind: 'file'; path: string; governance?: string }
  | {
      kind: 'shared';
      governance: string;
      postgres: { database: string; schema?: string; redis?: string; prefix?: string };
    };

/** True when the flags name a store as `rampart activate` does (state directory, database, config). */
function namesSharedStore(opts: ExceptionsStoreOptions): boolean {
  return [opts.state, opts.database, opts.schema, opts.redis, opts.redisPrefix, opts.config].some(
    (v) => v !== undefined,
  );
}

/** A stand-in governance path for `revoke`, which needs none (revoking only makes decisions stricter). */
const NO_GOVERNANCE = '\0no-governance';

/**
 * Works out the store from the flags: `--database …` or `--config` exactly as `rampart activate`
 * reads them (a config naming a state directory means its `exceptions.json`), else `--file`/`--bundle`.
 */
export function resolveExceptionsStore(
  opts: ExceptionsStoreOptions & { governance?: string; bundle?: string },
  env: NodeJS.ProcessEnv = process.env,
  needGovernance = true,
): ExceptionsWhere {
  // RAMPART_CONFIG names the store when no flag does, as for `rampart activate`.
  const fromEnv = opts.file === undefined && opts.bundle === undefined && env.RAMPART_CONFIG !== undefined;
  if (namesSharedStore(opts) || fromEnv) {
    if (opts.file !== undefined)
      throw new UsageError(
        '--file names an exceptions file; it does not go with --state, --database or --config',
      );
    const target = resolveTarget(
      {
        ...opts,
        ...(needGovernance || opts.governance !== undefined ? {} : { governance: NO_GOVERNANCE }),
      },
      env,
    );
    if (target.state !== undefined) {
      const where: ExceptionsWhere = { kind: 'file', path: join(target.state, 'exceptions.json') };
      return target.governance === NO_GOVERNANCE ? where : { ...where, governance: target.governance };
    }
    const postgres = target.postgres as NonNullable<typeof target.postgres>;
    if (opts.bundle !== undefined)
      throw new UsageError(
        '--bundle does not go with a shared store: grants are checked against the bundle active in it, as the instances check them',
      );
    return { kind: 'shared', governance: target.governance, postgres };
  }
  const path = opts.file ?? (opts.bundle ? join(dirname(opts.bundle), 'exceptions.json') : undefined);
  if (path === undefined)
    throw new UsageError(
      'give --file <exceptions.json>, --bundle <bundle> (the file sits beside it), --database <url> or --config <serve config>',
    );
  if (needGovernance && opts.governance === undefined)
    throw new UsageError(
      '-g/--governance <file> is required: grants are verified against the governance you trust',
    );
  return { kind: 'file', path, ...(opts.governance !== undefined ? { governance: opts.governance } : {}) };
}

async function readGovernance(path: string): Promise<Governance> {
  return parseGovernance(await readInputFile(path, 'governance file'), path);
}

/** Opens the shared store the flags name (governance parsed when given). */
async function openShared(
  where: Extract<ExceptionsWhere, { kind: 'shared' }>,
  governance: Governance | undefined,
): Promise<SharedExceptions> {
  return openSharedExceptions({ ...where.postgres, ...(governance ? { governance } : {}) });
}

/** The rules (and their risks) grants are checked against: the bundle active in the shared store. */
async function activeRuleRisk(shared: SharedExceptions): Promise<(id: string) => string | undefined> {
  const bundle = await (shared.activation as NonNullable<SharedExceptions['activation']>).activeBundle();
  if (!bundle)
    // The admin API's answer to the same request.
    throw new ServerError(
      'exception/unknown-rule',
      422,
      'no bundle is active in the shared store (the safe baseline decides), so there are no rules to waive',
    );
  return ruleRiskFromView(readPolicyView(bundleTexts(bundle)));
}

function sharedWhere(where: Extract<ExceptionsWhere, { kind: 'shared' }>, shared: SharedExceptions): string {
  const n = shared.lastNotice();
  return `postgres schema ${where.postgres.schema ?? 'rampart'}${n ? ` revision ${n.revision}` : ''}`;
}

/** The notice line after a change: stdout when announced, a warning when the instances will poll. */
function reportNotice(shared: SharedExceptions, io: CommandIo): void {
  const n = shared.lastNotice();
  const line = describeNotice(n, shared.channel);
  if (n?.published) io.stdout.write(`${line}\n`);
  else io.stderr.write(`warning: ${line}\n`);
}

/** A refusal by the shared store's checks (the admin API's codes), printed as `refused: code: message`. */
function reportRefusal(error: unknown, io: CommandIo): number {
  if (isServerError(error)) {
    io.stderr.write(`${error.status >= 500 ? 'unavailable' : 'refused'}: ${error.code}: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  return reportLifecycleError(error, io);
}

function durationOrUsage(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag} must be a duration like 7d, 12h or 30m`);
  return ms;
}

async function readExisting(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function describeGrant(g: SignedExceptionGrant): string {
  const scope = Object.entries(g.grant.scope)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `granted ${g.grant.id}: waives ${g.grant.rules.join(', ')} (${g.risk}) for ${scope} until ${g.grant.expires}, review by ${g.review}`;
}

/** Grants an exception; returns the exit code. `now` is injectable for tests. */
export async function runExceptionsGrant(
  opts: GrantCommandOptions,
  io: CommandIo = process,
  now = new Date(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const durationMs = durationOrUsage(opts.expires, '--expires');
  const review = opts.review ? new Date(now.getTime() + durationOrUsage(opts.review, '--review')) : undefined;
  const where = resolveExceptionsStore(opts, env);
  if (where.kind === 'file' && opts.bundle === undefined)
    throw new UsageError('-b/--bundle <file> is required: the bundle whose rules are waived');
  let shared: SharedExceptions | undefined;
  let audit: CliAudit | undefined;
  try {
    const governance = await readGovernance(where.governance as string);
    const key = loadSigningKey(await readInputFile(opts.key, 'key'));
    if (where.kind === 'shared') shared = await openShared(where, governance);
    const bundle = shared ? undefined : parseBundle(await readInputFile(opts.bundle as string, 'bundle'));
    // The audit log first: an action that could not be recorded must not happen.
    audit = await CliAudit.open(auditFlagsOf(opts), env);
    const log = audit;
    log.setPolicy(
      policyRefOf(shared ? await shared.activation?.activeBundle().catch(() => undefined) : bundle),
    );
    // A grant that cannot even be made is refused before it has an id.
    const early: Omit<AdminEvent, 'outcome' | 'code'> = {
      action: 'exceptions.grant',
      target: '(new grant)',
      reason: opts.reason,
      detail: { rules: opts.rule },
    };
    const made = await refusalsRecorded(log, early, io, async () => {
      const ruleRisk = shared
        ? await activeRuleRisk(shared)
        : ruleRiskFromView(readPolicyView(bundleTexts(bundle as NonNullable<typeof bundle>)));
      const grant = createExceptionGrant(
        {
          rules: opts.rule,
          scope: parseScope(opts.scope),
          durationMs,
          reason: opts.reason,
          now,
          ...(review ? { review } : {}),
        },
        key,
        governance,
        ruleRisk,
      );
      return { grant, ruleRisk };
    });
    const { grant, ruleRisk } = made;
    // The admin API's record of a grant: its id, the digest of the signed envelope (never the signature).
    const event = {
      action: 'exceptions.grant' as const,
      target: grant.grant.id,
      digest: contentDigest(grant),
      reason: grant.grant.reason,
      detail: {
        rules: grant.grant.rules,
        granter: grant.grant.granter,
        expires: grant.grant.expires,
        risk: grant.risk,
      },
    };
    if (shared && where.kind === 'shared') {
      const store = shared;
      const ok = await refusalsRecorded(log, { ...event, reason: '' }, io, async () => {
        // The admin API's own checks, so a grant the instances would refuse is never stored; judged
        // by the wall clock, as the instances judge it (`now` only dates the grant).
        const ok = admitGrant(grant, { governance, now: new Date(), ruleRisk });
        await store.exceptions.add(ok);
        return ok;
      });
      io.stdout.write(`${describeGrant(ok)} → ${sharedWhere(where, store)}\n`);
      reportNotice(store, io);
      return await recordDone(log, { ...event, outcome: 'ok' }, io, EXIT_OK);
    }
    const path = (where as { path: string }).path;
    const loaded = await refusalsRecorded(log, event, io, async () => {
      const existing = await readExisting(path);
      return existing === undefined ? undefined : loadExceptions(existing, { governance, now, ruleRisk });
    });
    // Keep verified grants, expired ones for EXPIRED_GRANT_KEEP_MS (the admin audit trail keeps them
    // all); drop nothing silently: refuse when the file has forged entries.
    if (loaded && loaded.rejected.length > 0) {
      const error = new UsageError(
        `${path} holds ${loaded.rejected.length} grant(s) that fail verification; fix or remove them first (rampart exceptions list)`,
      );
      await recordRefused(log, event, new ServerError('exception/invalid', 422, error.message), io);
      throw error;
    }
    await refusalsRecorded(log, event, io, () =>
      writeFileAtomic(
        path,
        serializeExceptions(grantsAfterAdding(loaded?.verified ?? [], grant, new Date())),
      ),
    );
    io.stdout.write(`${describeGrant(grant)} → ${path}\n`);
    return await recordDone(log, { ...event, outcome: 'ok' }, io, EXIT_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof CliAuditUnavailable) return reportAuditUnavailable(error, io);
    return reportRefusal(error, io);
  } finally {
    await audit?.close();
    await shared?.close();
  }
}

/**
 * Revokes a grant by id; returns the exit code (1 when there is no such grant). Revoking only makes
 * decisions stricter, so it needs no signature and no governance.
 */
export async function runExceptionsRevoke(
  id: string,
  opts: RevokeCommandOptions,
  io: CommandIo = process,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  if (!opts.reason?.trim()) throw new UsageError('--reason is required: say why the grant ends early');
  const where = resolveExceptionsStore(opts, env, false);
  const actor = opts.actor ?? defaultActor();
  const reason = opts.reason.trim();
  let shared: SharedExceptions | undefined;
  let audit: CliAudit | undefined;
  const notFound = (place: string) =>
    new ServerError('exception/not-found', 404, `no grant ${id} in ${place}`);
  try {
    if (where.kind === 'shared') shared = await openShared(where, undefined);
    // The audit log first: an action that could not be recorded must not happen.
    audit = await CliAudit.open(auditFlagsOf(opts), env);
    const event = { action: 'exceptions.revoke' as const, target: id, reason };
    if (shared) {
      const store = shared;
      const place = sharedWhere(where as Extract<ExceptionsWhere, { kind: 'shared' }>, store);
      // The grant as stored, for the record's digest and rules (best effort: the delete decides).
      const found = await store.exceptions
        .read()
        .then((r) => findGrant(r.text, id))
        .catch(() => undefined);
      await refusalsRecorded(audit, event, io, async () => {
        if (!(await store.exceptions.remove(id))) throw notFound(place);
      });
      io.stdout.write(`revoked ${id} by ${actor}: ${reason} → ${place}\n`);
      reportNotice(store, io);
      return await recordDone(audit, { ...event, outcome: 'ok', ...revokedFacts(found) }, io, EXIT_OK);
    }
    const path = (where as { path: string }).path;
    const { doc, found, rest } = await refusalsRecorded(audit, event, io, async () => {
      const text = await readExisting(path);
      let doc: { grants?: unknown } | undefined;
      try {
        doc = text === undefined ? undefined : (JSON.parse(text) as { grants?: unknown });
      } catch (e) {
        throw new ServerError(
          'exception/invalid',
          422,
          `exceptions file is not JSON: ${(e as Error).message}`,
        );
      }
      const grants = Array.isArray(doc?.grants) ? (doc.grants as { grant?: { id?: unknown } }[]) : [];
      const found = grants.find((g) => g?.grant?.id === id);
      if (found === undefined) throw notFound(path);
      return { doc, found, rest: grants.filter((g) => g !== found) };
    });
    // The other entries are kept as they are, verified or not: revoking one grant judges no other.
    await refusalsRecorded(audit, event, io, () =>
      writeFileAtomic(path, prettyCanonicalJson({ ...(doc as object), grants: rest })),
    );
    io.stdout.write(`revoked ${id} by ${actor}: ${reason} → ${path}\n`);
    return await recordDone(audit, { ...event, outcome: 'ok', ...revokedFacts(found) }, io, EXIT_OK);
  } catch (error) {
    if (error instanceof CliAuditUnavailable) return reportAuditUnavailable(error, io);
    return reportRefusal(error, io);
  } finally {
    await audit?.close();
    await shared?.close();
  }
}

/** A grant envelope by id in an exceptions document's text, if there. */
function findGrant(text: string | undefined, id: string): unknown {
  if (text === undefined) return undefined;
  const doc = JSON.parse(text) as { grants?: unknown };
  return Array.isArray(doc.grants)
    ? (doc.grants as { grant?: { id?: unknown } }[]).find((g) => g?.grant?.id === id)
    : undefined;
}

/** What the admin API records of a revoked grant: the digest of its envelope and its rules. */
function revokedFacts(found: unknown): Pick<AdminEvent, 'digest' | 'detail'> {
  if (found === undefined) return {};
  const rules = (found as { grant?: { rules?: unknown } }).grant?.rules;
  return {
    digest: contentDigest(found),
    ...(Array.isArray(rules) ? { detail: { rules: rules.map(String) } } : {}),
  };
}

/** Lists grants; returns the exit code (1 when any grant fails verification). */
export async function runExceptionsList(
  opts: ListCommandOptions,
  io: CommandIo = process,
  now = new Date(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const where = resolveExceptionsStore(opts, env);
  let shared: SharedExceptions | undefined;
  try {
    const governance = await readGovernance(where.governance as string);
    let text: string | undefined;
    let ruleRisk: ((id: string) => string | undefined) | undefined;
    if (where.kind === 'shared') {
      shared = await openShared(where, governance);
      text = (await shared.exceptions.read()).text;
      // Judged as the instances judge them: by the rules' risks in the active bundle, when there is one.
      const bundle = await shared.activation?.activeBundle();
      if (bundle) ruleRisk = ruleRiskFromView(readPolicyView(bundleTexts(bundle)));
    } else text = await readExisting(where.path);
    const loaded =
      text === undefined
        ? { active: [], expired: [], rejected: [], verified: [] }
        : loadExceptions(text, { governance, now, ...(ruleRisk ? { ruleRisk } : {}) });
    let shown = loaded.verified.filter((g) => Date.parse(g.grant.expires) > now.getTime());
    if (opts.expiring)
      shown = expiringWithin(loaded.verified, now, durationOrUsage(opts.expiring, '--expiring'));
    if (opts.json) {
      io.stdout.write(
        `${JSON.stringify({ grants: shown, expired: loaded.expired.length, rejected: loaded.rejected })}\n`,
      );
    } else {
      if (shown.length === 0)
        io.stdout.write(
          opts.expiring ? `no exceptions expire within ${opts.expiring}\n` : 'no active exceptions\n',
        );
      for (const g of shown) {
        const scope = Object.entries(g.grant.scope)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        io.stdout.write(
          `${g.grant.id}  ${g.grant.rules.join(',')}  ${scope}  ${g.risk}  expires ${g.grant.expires}  review ${g.review}  by ${g.grant.granter}: ${g.grant.reason}\n`,
        );
      }
      if (loaded.expired.length > 0)
        io.stdout.write(
          `(${loaded.expired.length} expired grant(s) kept for the record; they no longer apply)\n`,
        );
      for (const r of loaded.rejected)
        io.stderr.write(`rejected grant #${r.index}${r.id ? ` ${r.id}` : ''}: ${r.code}: ${r.message}\n`);
    }
    return loaded.rejected.length > 0 ? 1 : EXIT_OK;
  } catch (error) {
    return reportRefusal(error, io);
  } finally {
    await shared?.close();
  }
}

/** `--help` text on where grants are kept, shared by the three subcommands. */
const EXCEPTIONS_STORE_HELP = `
Where grants are kept (give one):
  --file <file> / --bundle <file>   an exceptions file (default: exceptions.json beside the bundle)
  --state <dir>       the exceptions.json of a state directory servers started with --state use
  --database <url>    the shared store of activation: postgres servers (tables exception_grants and
                      exceptions_state in --schema); with --redis the change is announced on
                      <prefix>exceptions and every instance applies it within a round trip; without
                      Redis (or while it is down) they pick it up at their next poll (5 s)
  --config <file>     the serve config file, read as rampart serve reads it (same RAMPART_* variables)
Against a shared store a grant is checked as the admin API checks it (governance granter, maximum
duration, rules of the active bundle, not expired) before it is stored.
Exit codes: 0 done; 1 refused (code printed) or the store is unavailable; 2 wrong usage.
Example: rampart exceptions grant --database postgres://db/rampart --redis redis://cache:6379 -g governance.yaml -k gina.key --rule block-ssn-output --scope tenant=acme --expires 2h --reason "incident 42"
`;

/** Registers `rampart exceptions`. */
export function registerExceptions(program: Command): void {
  const cmd = program
    .command('exceptions')
    .description('grant, revoke and review scoped, time-boxed, signed rule exceptions');
  auditOptions(
    storeOptions(
      cmd
        .command('grant')
        .description(
          'sign a grant that waives named rules for a scope until it expires; leaves an admin audit record',
        ),
    ),
  )
    .requiredOption('--rule <id>', 'rule to waive (repeatable)', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .requiredOption('--scope <k=v,...>', 'who it applies to: principal=, tenant=, tool=, route=')
    .requiredOption('--expires <duration>', 'lifetime, e.g. 7d (capped per risk class by governance)')
    .requiredOption('--reason <text>', 'why the waiver is needed')
    .requiredOption('-k, --key <file>', 'exception granter private key')
    .option('-b, --bundle <file>', 'the bundle whose rules are waived (file store)')
    .option('-f, --file <file>', 'exceptions file (default: exceptions.json beside the bundle)')
    .option('--review <duration>', 'review date from now (default: the expiry)')
    .addHelpText('after', `${EXCEPTIONS_STORE_HELP}${AUDIT_HELP}`)
    .action(async (opts: GrantCommandOptions) => {
      process.exitCode = await runExceptionsGrant(opts);
    });
  auditOptions(
    storeOptions(
      cmd
        .command('revoke')
        .description(
          'end a grant before its expiry (no signature needed: it only makes decisions stricter); leaves an admin audit record',
        )
        .argument('<id>', 'grant id (ex-…)'),
    ),
    false,
  )
    .requiredOption('--reason <text>', 'why the grant ends early')
    .option('--actor <who>', 'who is revoking (default: $USER; $USER@host in the admin record)')
    .option('-b, --bundle <file>', 'bundle; the exceptions file beside it is changed')
    .option('-f, --file <file>', 'exceptions file')
    .addHelpText('after', `${EXCEPTIONS_STORE_HELP}${AUDIT_HELP}`)
    .action(async (id: string, opts: RevokeCommandOptions) => {
      process.exitCode = await runExceptionsRevoke(id, opts);
    });
  storeOptions(
    cmd.command('list').description('list active exceptions (verified), optionally only those expiring soon'),
  )
    .option('-f, --file <file>', 'exceptions file')
    .option('-b, --bundle <file>', 'bundle; the exceptions file beside it is read')
    .option('--expiring <duration>', 'only grants expiring within this window, e.g. 14d')
    .option('--json', 'print JSON')
    .addHelpText('after', EXCEPTIONS_STORE_HELP)
    .action(async (opts: ListCommandOptions) => {
      process.exitCode = await runExceptionsList(opts);
    });
}
