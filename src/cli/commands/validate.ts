/** `rampart validate <dir>`: load and compile a policy, report every problem with its location. */
import type { Command } from 'commander';
import { loadPolicy } from '../../bundle/load-policy.js';
import { EXIT_OK } from '../exit.js';
import { handlePolicyError, printDiagnostics } from '../policy-errors.js';

/** Registers `rampart validate`. */
export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a policy directory: schema, CEL types, references, overlay deviations')
    .argument('<dir>', 'policy directory (or a single policy file)')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 valid, 1 invalid policy, 2 usage error.\nExample: rampart validate examples/claims-assistant',
    )
    .action(async (dir: string, opts: { json?: boolean }) => {
      try {
        const policy = await loadPolicy(dir);
        if (!opts.json) printDiagnostics([...policy.warnings], false);
        const summary = {
          ok: true,
          name: policy.name,
          version: policy.version,
          digest: policy.digest,
          rules: policy.rules.length,
          tools: Object.keys(policy.tools).length,
          detectors: Object.keys(policy.detectors).length,
        };
        if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
        else
          process.stdout.write(
            `✓ ${policy.name} ${policy.version}: ${summary.rules} rules, ${summary.tools} tools, ${summary.detectors} detectors (${policy.digest})\n`,
          );
        process.exitCode = EXIT_OK;
      } catch (error) {
        process.exitCode = handlePolicyError(error, opts.json);
      }
    });
}
