/** `rampart build`: turns a policy directory into an unsigned, content-addressed bundle file. */
import type { Command } from 'commander';
import { writeFileAtomic } from '../../bundle/atomic-file.js';
import { type BuildCheck, buildBundle } from '../../bundle/build-bundle.js';
import { parseBundle, serializeBundle } from '../../bundle/bundle-format.js';
import { formatBundleDiagnostic, isBundleError } from '../../bundle/errors.js';
import { formatDiagnostic, isPolicyError } from '../../policy/errors.js';
import { policyUnderTest } from '../../testing/engine-adapter.js';
import { TestingError } from '../../testing/errors.js';
import { runIncidentCases } from '../../testing/incidents.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';
import { readInputFile } from './sign.js';

/** Options of `rampart build`. */
export interface BuildCommandOptions {
  out: string;
  changelog?: string;
  bundleVersion?: string;
  name?: string;
  parent?: string;
  builder?: string;
}

/** Incident regressions: a bundle whose `incidents/*.yaml` cases fail is refused. */
export const incidentCheck: BuildCheck = async (dir, compiled) => {
  try {
    const run = await runIncidentCases(dir, { policy: policyUnderTest(compiled) });
    return run.failures.map(
      (f) =>
        `incident ${f.group}: case "${f.name}"${f.variant ? ` (${f.variant.label})` : ''} at ${f.file}:${f.line ?? 1}: ${f.failures.map((x) => `${x.check} expected ${x.expected}, got ${x.actual}`).join('; ')}`,
    );
  } catch (error) {
    if (error instanceof TestingError)
      return error.diagnostics.map((d) => `${d.file}:${d.line ?? 1} ${d.code}: ${d.message}`);
    throw error;
  }
};

/** Checks run on the compiled candidate before the bundle is written; any failure refuses the build. */
export const buildChecks: BuildCheck[] = [incidentCheck];

/** Builds `dir` into `opts.out`; prints the digest, returns the exit code. */
export async function runBuild(dir: string, opts: BuildCommandOptions, io = process): Promise<number> {
  if (!opts.changelog || opts.changelog.trim() === '')
    throw new UsageError(
      '--changelog is required: say what changed and why (it is part of the signed manifest)',
    );
  const parent = opts.parent ? parseBundle(await readInputFile(opts.parent, 'parent bundle')) : undefined;
  try {
    const result = await buildBundle(dir, {
      changelog: opts.changelog,
      ...(opts.bundleVersion ? { version: opts.bundleVersion } : {}),
      ...(opts.name ? { name: opts.name } : {}),
      ...(parent ? { parent } : {}),
      ...(opts.builder ? { builder: opts.builder } : {}),
      checks: buildChecks,
    });
    if (result.failures.length > 0) {
      io.stderr.write(
        `build refused: ${result.failures.length} check(s) failed\n${result.failures.join('\n')}\n`,
      );
      return EXIT_FAILURE;
    }
    const { bundle } = result;
    await writeFileAtomic(opts.out, serializeBundle(bundle));
    const m = bundle.manifest;
    io.stdout.write(`built ${m.name}@${m.version} ${bundle.digest}\n`);
    io.stdout.write(
      `${Object.keys(bundle.files).length} files, ${result.compiled.rules.length} rules → ${opts.out} (unsigned)\n`,
    );
    if (m.loosening.length > 0)
      io.stdout.write(`loosens high-risk rules (needs the higher k): ${m.loosening.join('; ')}\n`);
    return EXIT_OK;
  } catch (error) {
    if (isPolicyError(error)) {
      io.stderr.write(`${error.diagnostics.map(formatDiagnostic).join('\n')}\n`);
      return EXIT_FAILURE;
    }
    if (isBundleError(error)) {
      io.stderr.write(`${error.diagnostics.map(formatBundleDiagnostic).join('\n')}\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}

/** Registers `rampart build`. */
export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build a policy directory (and the baseline it extends) into a content-addressed bundle')
    .argument('<dir>', 'policy directory')
    .requiredOption('-o, --out <file>', 'bundle file to write')
    .option('-m, --changelog <text>', 'required: what changed and why')
    .option('--bundle-version <version>', 'bundle version (default: metadata.version)')
    .option('--name <name>', 'bundle name (default: metadata.name)')
    .option('--parent <bundle>', 'the bundle this replaces: records its digest and what this loosens')
    .option('--builder <who>', 'who built it (default: the OS user)')
    .addHelpText('after', '\nThe policy is compiled first; a policy error prints file:line:col and exits 1.')
    .action(async (dir: string, opts: BuildCommandOptions) => {
      process.exitCode = await runBuild(dir, opts);
    });
}
