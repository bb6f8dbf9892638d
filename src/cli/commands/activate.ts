/** `rampart activate`: verifies a bundle and makes it the active one in a state directory. */
import type { Command } from 'commander';
import { ActivationStore } from '../../bundle/activation-store.js';
import { formatBundleDiagnostic, isBundleError } from '../../bundle/errors.js';
import { parseGovernance } from '../../bundle/governance.js';
import type { CandidateStage } from '../../bundle/policy-runtime.js';
import { formatDiagnostic, isPolicyError } from '../../policy/errors.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';
import { readInputFile } from './sign.js';

/** Options shared by `activate` and `rollback`. */
export interface StateCommandOptions {
  state: string;
  governance: string;
  actor?: string;
  reason?: string;
}

/** Opens the state directory with trusted governance. */
export async function openStore(opts: StateCommandOptions): Promise<ActivationStore> {
  const governance = parseGovernance(
    await readInputFile(opts.governance, 'governance file'),
    opts.governance,
  );
  return new ActivationStore(opts.state, governance);
}

/** Prints lifecycle errors (bundle or policy) and returns exit 1; rethrows anything else. */
export function reportLifecycleError(error: unknown, io: { stderr: { write(s: string): unknown } }): number {
  if (isBundleError(error)) {
    io.stderr.write(`refused: ${error.diagnostics.map(formatBundleDiagnostic).join('\n')}\n`);
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

/** Default actor: the OS user running the command. */
export function defaultActor(): string {
  return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
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
  io = process,
): Promise<number> {
  const text = await readInputFile(bundlePath, 'bundle');
  const stage = stageOf(opts);
  const meta = { actor: opts.actor ?? defaultActor(), reason: opts.reason ?? '' };
  try {
    const store = await openStore(opts);
    if (stage) {
      const v = await store.stage(text, stage, meta, bundlePath);
      const m = v.bundle.manifest;
      io.stdout.write(
        `staged ${m.name}@${m.version} ${v.digest} ${describeStage(stage)} → ${store.candidatePath}\n`,
      );
      return EXIT_OK;
    }
    const v = await store.activate(text, meta, bundlePath);
    const m = v.bundle.manifest;
    io.stdout.write(
      `activated ${m.name}@${m.version} ${v.digest} (signed by ${v.approvers.join(', ')}) → ${store.activePath}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    return reportLifecycleError(error, io);
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Registers `rampart activate`. */
export function registerActivate(program: Command): void {
  program
    .command('activate')
    .description('verify a signed bundle and make it active in a state directory that services watch')
    .argument('<bundle>', 'signed bundle file')
    .requiredOption('--state <dir>', 'activation state directory (bundles/, active.json, history.json)')
    .requiredOption('-g, --governance <file>', 'the governance.yaml you trust')
    .option('--actor <who>', 'who is activating (default: $USER)')
    .requiredOption('--reason <text>', 'why (recorded in the activation history)')
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
    .addHelpText('after', '\nActivating a bundle that is staged promotes it and ends its shadow or rollout.')
    .action(async (bundle: string, opts: ActivateCommandOptions) => {
      process.exitCode = await runActivate(bundle, opts);
    });
}
