/** `rampart init [dir]`: scaffold a small, valid policy with a test suite, never overwriting files. */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { formatPolicy } from '../../policy/format-policy.js';
import { EXIT_FAILURE, EXIT_OK } from '../exit.js';
import { INIT_POLICY, INIT_TESTS } from '../init-templates.js';

/** Registers `rampart init`. */
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('scaffold a policy directory with a test suite')
    .argument('[dir]', 'directory to create', 'policy')
    .option('--name <name>', 'policy name (lowercase, digits, . _ -)', 'my-assistant')
    .addHelpText('after', '\nNext: rampart validate <dir> && rampart test <dir>')
    .action(async (dir: string, opts: { name: string }) => {
      if (!/^[a-z0-9][a-z0-9._-]{0,127}$/.test(opts.name)) {
        process.stderr.write(
          `rampart: invalid --name \`${opts.name}\`: use lowercase letters, digits, . _ -\n`,
        );
        process.exitCode = 2;
        return;
      }
      const files = [
        [path.join(dir, 'policy.yaml'), INIT_POLICY.replace('__NAME__', opts.name)],
        [path.join(dir, 'tests', 'basic.yaml'), INIT_TESTS],
      ] as const;
      for (const [file] of files) {
        if (await exists(file)) {
          process.stderr.write(`rampart: ${file} already exists; nothing was written\n`);
          process.exitCode = EXIT_FAILURE;
          return;
        }
      }
      for (const [file, text] of files) {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, formatPolicy(text, file), { flag: 'wx' });
        process.stdout.write(`created ${file}\n`);
      }
      process.stdout.write(`\nNext: rampart validate ${dir}\n`);
      process.exitCode = EXIT_OK;
    });
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
