/** `rampart verify`: checks a bundle's integrity and signatures against trusted governance. */
import type { Command } from 'commander';
import { parseBundle } from '../../bundle/bundle-format.js';
import { formatBundleDiagnostic, isBundleError } from '../../bundle/errors.js';
import { parseGovernance } from '../../bundle/governance.js';
import { verifyBundle } from '../../bundle/verify-bundle.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { readInputFile } from './sign.js';

/** Options of `rampart verify`. */
export interface VerifyCommandOptions {
  governance: string;
  parent?: string;
  json?: boolean;
}

/** Verifies a bundle file; prints the result and returns the exit code (1 when refused). */
export async function runVerify(
  bundlePath: string,
  opts: VerifyCommandOptions,
  io = process,
): Promise<number> {
  const text = await readInputFile(bundlePath, 'bundle');
  const govText = await readInputFile(opts.governance, 'governance file');
  const parentText = opts.parent ? await readInputFile(opts.parent, 'parent bundle') : undefined;
  try {
    const governance = parseGovernance(govText, opts.governance);
    const parent = parentText === undefined ? undefined : parseBundle(parentText);
    const v = verifyBundle(text, { governance, ...(parent ? { parent } : {}) });
    const m = v.bundle.manifest;
    if (opts.json) {
      io.stdout.write(
        `${JSON.stringify({ ok: true, name: m.name, version: m.version, digest: v.digest, approvers: v.approvers, required: v.required, loosening: v.loosening })}\n`,
      );
    } else {
      io.stdout.write(`ok ${m.name}@${m.version} ${v.digest}\n`);
      io.stdout.write(
        `signed by ${v.approvers.join(', ')} (${v.approvers.length} of ${v.required} required)\n`,
      );
      if (v.loosening.length > 0) io.stdout.write(`loosens high-risk rules: ${v.loosening.join('; ')}\n`);
    }
    return EXIT_OK;
  } catch (error) {
    if (!isBundleError(error)) throw error;
    if (opts.json)
      io.stdout.write(`${JSON.stringify({ ok: false, code: error.code, message: error.message })}\n`);
    io.stderr.write(`refused: ${error.diagnostics.map(formatBundleDiagnostic).join('\n')}\n`);
    return EXIT_FAILURE;
  }
}

/** Registers `rampart verify`. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'Verify a bundle: canonical bytes, pinned file digests, content digest, k-of-n approver signatures',
    )
    .argument('<bundle>', 'bundle file')
    .requiredOption(
      '-g, --governance <file>',
      'the governance.yaml you trust (not the copy inside the bundle)',
    )
    .option('-p, --parent <bundle>', 'the parent bundle, to recheck what this one loosens')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit codes: 0 verified, 1 refused (the error code says why), 2 usage error.')
    .action(async (bundle: string, opts: VerifyCommandOptions) => {
      process.exitCode = await runVerify(bundle, opts);
    });
}
