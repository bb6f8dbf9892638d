/** `rampart activate`: verifies a bundle and makes it the active one in a state directory. */
import type { Command } from 'commander';
import { ActivationStore } from '../../bundle/activation-store.js';
import { formatBundleDiagnostic, isBundleError } from '../../bundle/errors.js';
import { parseGovernance } from '../../bundle/governance.js';
import { formatDiagnostic, isPolicyError } from '../../policy/errors.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
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

/** Activates `bundlePath`; returns the exit code. */
export async function runActivate(
  bundlePath: string,
  opts: StateCommandOptions,
  io = process,
): Promise<number> {
  const text = await readInputFile(bundlePath, 'bundle');
  try {
    const store = await openStore(opts);
    const v = await store.activate(
      text,
      { actor: opts.actor ?? defaultActor(), reason: opts.reason ?? '' },
      bundlePath,
    );
    const m = v.bundle.manifest;
    io.stdout.write(
      `activated ${m.name}@${m.version} ${v.digest} (signed by ${v.approvers.join(', ')}) → ${store.activePath}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    return reportLifecycleError(error, io);
  }
}

/** Registers `rampart activate`. */
export function registerActivate(program: Command): void {
  program
    .command('activate')
    .description('Verify a signed bundle and make it active in a state directory that services watch')
    .argument('<bundle>', 'signed bundle file')
    .requiredOption('--state <dir>', 'activation state directory (bundles/, active.json, history.json)')
    .requiredOption('-g, --governance <file>', 'the governance.yaml you trust')
    .option('--actor <who>', 'who is activating (default: $USER)')
    .requiredOption('--reason <text>', 'why (recorded in the activation history)')
    .action(async (bundle: string, opts: StateCommandOptions) => {
      process.exitCode = await runActivate(bundle, opts);
    });
}
