/**
 * `rampart activate`: verifies a bundle and makes it the active one (or stages it as a shadow or
 * cohort rollout) in the activation store the servers follow: a state directory (`--state`), or
 * with `activation: postgres` deployments the PostgreSQL activation store (`--database`, or the
 * serve config file via `--config`), announcing the change over Redis so every instance switches
 * within a round trip.
 */
import type { Command } from 'commander';
import { ActivationStore } from '../../bundle/activation-store.js';
import { formatBundleDiagnostic, isBundleError } from '../../bundle/errors.js';
import { type Governance, parseGovernance } from '../../bundle/governance.js';
import type { CandidateStage } from '../../bundle/policy-runtime.js';
import { formatDiagnostic, isPolicyError } from '../../policy/errors.js';
import type { PolicyRef } from '../../policy/types.js';
import type { AdminBundleStore } from '../../server/admin/bundles.js';
import { describeNotice, openSharedActivation } from '../../server/cluster/shared-activation.js';
import { resolveServeConfig } from '../../server/config.js';
import { isServerError } from '../../server/errors.js';
import {
  AUDIT_HELP,
  type AuditFlags,
  auditOptions,
  CliAudit,
  CliAuditUnavailable,
  defaultActor,
  policyRefOf,
  recordDone,
  refusalsRecorded,
  reportAuditUnavailable,
  submittedBundle,
  UNKNOWN_POLICY,
} from '../admin-audit.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';
import { readInputFile } from './sign.js';

/** Options shared by `activate` and `rollback`: which activation store, who and why. */
export interface StateCommandOptions {
  /** A state directory. */
  state?: string;
  /** PostgreSQL activation store (`activation: postgres`). */
  database?: string;
  schema?: string;
  redis?: string;
  redisPrefix?: string;
  /** A `rampart serve` config file (its state directory, or its `activation: postgres` settings). */
  config?: string;
  governance?: string;
  actor?: string;
  reason?: string;
  /** Evidence store of the admin audit record (default: the server's; see admin-audit.ts). */
  evidence?: string;
}

/** The admin audit flags of a store command. */
export function auditFlagsOf(opts: StateCommandOptions): AuditFlags {
  return {
    ...(opts.evidence !== undefined ? { evidence: opts.evidence } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.database !== undefined ? { database: opts.database } : {}),
    ...(opts.schema !== undefined ? { schema: opts.schema } : {}),
    ...(opts.actor !== undefined ? { actor: opts.actor } : {}),
  };
}

/** The active policy after a change, for the admin record (unknown when it cannot be read). */
export async function activeRef(store: AdminBundleStore): Promise<PolicyRef> {
  return store.activeBundle().then(policyRefOf, () => UNKNOWN_POLICY);
}

/** An opened activation store and how to describe it to the operator. */
export interface ActivationTarget {
  store: AdminBundleStore;
  /** Where the active bundle now lives, e.g. `state/active.json` or `postgres schema rampart`. */
  where(): string;
  /** Where a staged candidate lives. */
  candidateWhere(): string;
  /** Warnings and facts to print after a change (the notice, for PostgreSQL). */
  afterChange(io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } }): void;
  close(): Promise<void>;
}

interface ResolvedTarget {
  governance: string;
  state?: string;
  postgres?: { database: string; schema?: string; redis?: string; prefix?: string };
}

/** Works out which store the flags (or the serve config file and RAMPART_* variables) name. */
export function resolveTarget(
  opts: StateCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedTarget {
  const named = [
    opts.state !== undefined ? '--state' : '',
    opts.database !== undefined ? '--database' : '',
    opts.config !== undefined ? '--config' : '',
  ].filter(Boolean);
  if (named.length > 1) throw new UsageError(`${named.join(' and ')} name two activation stores; give one`);
  if (opts.database === undefined) {
    const stray = [
      opts.schema !== undefined ? '--schema' : '',
      opts.redis !== undefined ? '--redis' : '',
      opts.redisPrefix !== undefined ? '--redis-prefix' : '',
    ].filter(Boolean);
    if (stray.length > 0) throw new UsageError(`${stray.join(', ')} only go with --database`);
  }
  const needGovernance = (g: string | undefined): string => {
    if (!g)
      throw new UsageError(
        '-g/--governance <file> is required: bundles are verified against the governance you trust',
      );
    return g;
  };
  if (opts.state !== undefined) return { governance: needGovernance(opts.governance), state: opts.state };
  if (opts.database !== undefined) {
    if (!/^postgres(ql)?:\/\//.test(opts.database))
      throw new UsageError('--database must be a postgres:// connection URL');
    if (opts.redis !== undefined && !/^rediss?:\/\//.test(opts.redis))
      throw new UsageError('--redis must be a redis:// or rediss:// URL');
    return {
      governance: needGovernance(opts.governance),
      postgres: {
        database: opts.database,
        ...(opts.schema !== undefined ? { schema: opts.schema } : {}),
        ...(opts.redis !== undefined ? { redis: opts.redis } : {}),
        ...(opts.redisPrefix !== undefined ? { prefix: opts.redisPrefix } : {}),
      },
    };
  }
  const configPath = opts.config ?? env.RAMPART_CONFIG;
  if (configPath === undefined)
    throw new UsageError(
      'give the activation store: --state <dir>, --database <url> (activation: postgres), or --config <serve config file>',
    );
  let config: ReturnType<typeof resolveServeConfig>;
  try {
    config = resolveServeConfig({ config: configPath }, env);
  } catch (e) {
    if (isServerError(e)) throw new UsageError(e.message);
    throw e;
  }
  const governance = needGovernance(opts.governance ?? config.governance);
  if (config.activation === 'postgres')
    return {
      governance,
      postgres: {
        database: config.evidence.url as string,
        ...(config.evidence.schema ? { schema: config.evidence.schema } : {}),
        ...(config.redisUrl ? { redis: config.redisUrl } : {}),
        ...(config.redisPrefix ? { prefix: config.redisPrefix } : {}),
      },
    };
  if (config.stateDir) return { governance, state: config.stateDir };
  throw new UsageError(
    `config ${configPath} names no activation store (neither \`state\` nor \`activation: postgres\`)`,
  );
}

/** Opens the activation store the options name, with trusted governance. */
export async function openTarget(
  opts: StateCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ActivationTarget> {
  const resolved = resolveTarget(opts, env);
  const governance: Governance = parseGovernance(
    await readInputFile(resolved.governance, 'governance file'),
    resolved.governance,
  );
  if (resolved.state !== undefined) {
    const store = new ActivationStore(resolved.state, governance);
    return {
      store,
      where: () => store.activePath,
      candidateWhere: () => store.candidatePath,
      afterChange: () => undefined,
      close: async () => undefined,
    };
  }
  const pg = resolved.postgres as NonNullable<ResolvedTarget['postgres']>;
  const shared = await openSharedActivation({ ...pg, governance });
  const where = () => {
    const n = shared.lastNotice();
    return `postgres schema ${pg.schema ?? 'rampart'}${n ? ` revision ${n.revision}` : ''}`;
  };
  return {
    store: shared.store,
    where,
    candidateWhere: where,
    afterChange(io) {
      const n = shared.lastNotice();
      const line = describeNotice(n, shared.channel);
      if (n?.published) io.stdout.write(`${line}\n`);
      else io.stderr.write(`warning: ${line}\n`);
    },
    close: () => shared.close(),
  };
}

/** Prints lifecycle errors (bundle or policy) and returns exit 1; rethrows anything else. */
export function reportLifecycleError(error: unknown, io: { stderr: { write(s: string): unknown } }): number {
  if (isBundleError(error)) {
    // An unreachable store is not a verdict on the bundle: say which it is.
    const unavailable = error.diagnostics.every((d) => d.code === 'source/fetch-failed');
    io.stderr.write(
      `${unavailable ? 'unavailable' : 'refused'}: ${error.diagnostics.map(formatBundleDiagnostic).join('\n')}\n`,
    );
    return EXIT_FAILURE;
  }
  if (isPolicyError(error)) {
    io.stderr.write(
      `refused: policy does not compile\n${error.diagnostics.map(formatDiagnostic).join('\n')}\n`,
    );
    return EXIT_FAILURE;
  }
  throw error;
}

/** Options of `rampart activate`, including staging as a shadow or a cohort rollout. */
export interface ActivateCommandOptions extends StateCommandOptions {
  shadow?: boolean;
  rollout?: number;
  hashBy?: 'tenant' | 'principal';
  cohort?: string[];
  tenant?: string[];
  principal?: string[];
}

function stageOf(opts: ActivateCommandOptions): CandidateStage | undefined {
  const cohortFlags = Boolean(opts.cohort?.length || opts.tenant?.length || opts.principal?.length);
  if (opts.shadow && (opts.rollout !== undefined || cohortFlags))
    throw new UsageError('--shadow cannot be combined with rollout flags');
  if (opts.shadow) return { mode: 'shadow' };
  if (opts.rollout === undefined && !cohortFlags) return undefined;
  if (opts.rollout !== undefined && !(opts.rollout >= 0 && opts.rollout <= 100))
    throw new UsageError('--rollout must be a percentage between 0 and 100');
  if (opts.hashBy && opts.hashBy !== 'tenant' && opts.hashBy !== 'principal')
    throw new UsageError('--hash-by must be tenant or principal');
  return {
    mode: 'rollout',
    ...(opts.rollout !== undefined ? { percent: opts.rollout } : {}),
    ...(opts.hashBy ? { hashBy: opts.hashBy } : {}),
    ...(opts.cohort?.length ? { cohorts: opts.cohort } : {}),
    ...(opts.tenant?.length ? { tenants: opts.tenant } : {}),
    ...(opts.principal?.length ? { principals: opts.principal } : {}),
  };
}

function describeStage(stage: CandidateStage): string {
  if (stage.mode === 'shadow') return 'in shadow (evaluated beside the active policy, never enforcing)';
  const who = [
    stage.percent !== undefined ? `${stage.percent}% by ${stage.hashBy ?? 'tenant'}` : '',
    ...(stage.cohorts ?? []).map((c) => `cohort ${c}`),
    ...(stage.tenants ?? []).map((t) => `tenant ${t}`),
    ...(stage.principals ?? []).map((p) => `principal ${p}`),
  ];
  return `for rollout to ${who.filter(Boolean).join(', ')}`;
}

/** Activates `bundlePath` (or stages it as a shadow / rollout candidate); returns the exit code. */
export async function runActivate(
  bundlePath: string,
  opts: ActivateCommandOptions,
  io: CommandIo = process,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const text = await readInputFile(bundlePath, 'bundle');
  const stage = stageOf(opts);
  if (!opts.reason) throw new UsageError('--reason is required: it is recorded in the activation history');
  const meta = { actor: opts.actor ?? defaultActor(), reason: opts.reason };
  let target: ActivationTarget | undefined;
  let audit: CliAudit | undefined;
  try {
    target = await openTarget(opts, env);
    // The audit log first: an action that could not be recorded must not happen.
    audit = await CliAudit.open(auditFlagsOf(opts), env);
    const store = target.store;
    const submitted = submittedBundle(text);
    const event = {
      action: stage ? (`bundles.${stage.mode}` as const) : ('bundles.activate' as const),
      target: submitted.target,
      digest: submitted.digest,
      reason: opts.reason,
      detail: stage ? stageDetail(stage) : {},
    };
    let line: string;
    if (stage) {
      const v = await refusalsRecorded(audit, event, io, () => store.stage(text, stage, meta, 'cli'));
      const m = v.bundle.manifest;
      line = `staged ${m.name}@${m.version} ${v.digest} ${describeStage(stage)} → ${target.candidateWhere()}\n`;
    } else {
      const v = await refusalsRecorded(audit, event, io, () => store.activate(text, meta, 'cli'));
      const m = v.bundle.manifest;
      line = `activated ${m.name}@${m.version} ${v.digest} (signed by ${v.approvers.join(', ')}) → ${target.where()}\n`;
    }
    io.stdout.write(line);
    target.afterChange(io);
    audit.setPolicy(await activeRef(store));
    return await recordDone(audit, { ...event, outcome: 'ok' }, io, EXIT_OK);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof CliAuditUnavailable) return reportAuditUnavailable(error, io);
    return reportLifecycleError(error, io);
  } finally {
    await audit?.close();
    await target?.close();
  }
}

/** The non-secret facts of a stage the admin API records (counts of tenants and principals). */
export function stageDetail(stage: CandidateStage): Record<string, string | number | string[]> {
  const detail: Record<string, string | number | string[]> = { mode: stage.mode };
  if (stage.mode === 'rollout') {
    if (stage.percent !== undefined) detail.percent = stage.percent;
    if (stage.hashBy) detail.hashBy = stage.hashBy;
    if (stage.cohorts) detail.cohorts = stage.cohorts;
    if (stage.tenants) detail.tenants = stage.tenants.length;
    if (stage.principals) detail.principals = stage.principals.length;
  }
  return detail;
}

/** Where a command writes. */
export interface CommandIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** The flags naming the activation store, shared by `activate` and `rollback`. */
export function storeOptions(command: Command): Command {
  return command
    .option('--state <dir>', 'activation state directory (bundles/, active.json, history.json)')
    .option(
      '--database <url>',
      'PostgreSQL activation store of `activation: postgres` instances (postgres://…)',
    )
    .option('--schema <name>', 'with --database: the schema the instances use (default rampart)')
    .option(
      '--redis <url>',
      'with --database: Redis the instances subscribe to; the change is announced there so they switch at once',
    )
    .option('--redis-prefix <p>', 'with --database: Redis key and channel prefix (default rampart:)')
    .option(
      '--config <file>',
      'a rampart serve config file (env RAMPART_CONFIG): its state directory, or its activation: postgres database, schema, Redis and governance; RAMPART_* variables apply as for serve',
    )
    .option('-g, --governance <file>', 'the governance.yaml you trust (may come from --config)');
}

/** `--help` text on the stores, shared by `activate` and `rollback`. */
export const STORE_HELP = `
Activation store (give one):
  --state <dir>       a directory servers started with --state follow (hot reload)
  --database <url>    the PostgreSQL store of activation: postgres servers; with --redis the change
                      is announced on <prefix>activation and every instance switches within a round
                      trip; without Redis (or while it is down) they pick it up at their next poll (5 s)
  --config <file>     the serve config file, read as rampart serve reads it (same RAMPART_* variables)
Every bundle is verified against the trusted governance and compiled before anything is written;
each change is recorded in the activation history with --actor and --reason.
Exit codes: 0 done; 1 refused (code printed) or the store is unavailable; 2 wrong usage.
Example: rampart activate b.json --database postgres://db/rampart --redis redis://cache:6379 -g governance.yaml --reason "release 12"
`;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Registers `rampart activate`. */
export function registerActivate(program: Command): void {
  auditOptions(
    storeOptions(
      program
        .command('activate')
        .description(
          'verify a signed bundle and make it active in the activation store servers follow (a state directory or PostgreSQL); leaves an admin audit record',
        )
        .argument('<bundle>', 'signed bundle file'),
    ),
    false,
  )
    .option('--actor <who>', 'who is activating (default: $USER; $USER@host in the admin record)')
    .option('--reason <text>', 'why (required; recorded in the activation history and the admin record)')
    .option(
      '--shadow',
      'stage as a shadow candidate instead: evaluated beside the active bundle, never enforcing',
    )
    .option(
      '--rollout <percent>',
      'stage as a rollout to this percentage of tenants (or principals)',
      Number.parseFloat,
    )
    .option('--hash-by <key>', 'what the rollout percentage hashes: tenant (default) or principal')
    .option('--cohort <name>', 'roll out to this named cohort (context.cohort); repeatable', collect)
    .option('--tenant <id>', 'roll out to this tenant; repeatable', collect)
    .option('--principal <id>', 'roll out to this principal; repeatable', collect)
    .addHelpText(
      'after',
      `\nActivating a bundle that is staged promotes it and ends its shadow or rollout.\n${STORE_HELP}${AUDIT_HELP}`,
    )
    .action(async (bundle: string, opts: ActivateCommandOptions) => {
      process.exitCode = await runActivate(bundle, opts);
    });
}
