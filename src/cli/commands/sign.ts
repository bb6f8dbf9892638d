/** `rampart sign`: adds one approver's signature to a bundle file. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../bundle/atomic-file.js';
import { parseBundle, serializeBundle } from '../../bundle/bundle-format.js';
import { formatBundleDiagnostic, isBundleError } from '../../bundle/errors.js';
import { loadSigningKey } from '../../bundle/keys.js';
import { signBundle } from '../../bundle/sign-bundle.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';

/** Options of `rampart sign`. */
export interface SignCommandOptions {
  key: string;
  signer: string;
  out?: string;
}

/** Reads a file for a command, turning a missing file into a usage error. */
export async function readInputFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${what} ${path}`);
  }
}

/** Signs `bundlePath` in place (or into `out`); returns the exit code and prints what happened. */
export async function runSign(bundlePath: string, opts: SignCommandOptions, io = process): Promise<number> {
  const text = await readInputFile(bundlePath, 'bundle');
  const pem = await readInputFile(opts.key, 'key');
  try {
    const key = loadSigningKey(pem);
    const signed = signBundle(parseBundle(text), key, { signer: opts.signer });
    await writeFileAtomic(opts.out ?? bundlePath, serializeBundle(signed));
    io.stdout.write(
      `signed ${signed.manifest.name}@${signed.manifest.version} ${signed.digest} as ${opts.signer} (key ${key.keyId}); ${signed.signatures.length} signature(s)\n`,
    );
    return EXIT_OK;
  } catch (error) {
    if (!isBundleError(error)) throw error;
    io.stderr.write(`${error.diagnostics.map(formatBundleDiagnostic).join('\n')}\n`);
    return EXIT_FAILURE;
  }
}

/** Registers `rampart sign`. */
export function registerSign(program: Command): void {
  program
    .command('sign')
    .description('add your approver signature to a bundle (collect k of n, see governance.yaml)')
    .argument('<bundle>', 'bundle file written by `rampart build`')
    .requiredOption('-k, --key <file>', 'your private key (from `rampart keys gen`)')
    .requiredOption('-s, --signer <id>', 'your approver id in governance.yaml')
    .option('-o, --out <file>', 'write the signed bundle here instead of in place')
    .action(async (bundle: string, opts: SignCommandOptions) => {
      process.exitCode = await runSign(bundle, opts);
    });
}
