/**
 * `rampart redact`: like `rampart scan`, but writes `{"id","text"}` with every finding redacted.
 * Modes: mask (default), partial, drop, hash (HMAC-SHA256 keyed by $RAMPART_REDACT_KEY).
 */
import { createHmac } from 'node:crypto';
import type { Command } from 'commander';
import type { RedactMode, RedactOptions } from '../../detect/index.js';
import { REDACT_MODES, redact } from '../../detect/index.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from '../exit.js';
import type { DetectorSelection } from './scan.js';
import { processJsonLines, scanText, selectDetectors } from './scan.js';

const CLI_MODES = REDACT_MODES.filter((m) => m !== 'tokenize');

function parseMode(value: string, where: string): RedactMode {
  if (!(CLI_MODES as readonly string[]).includes(value))
    throw new UsageError(`${where}: unknown mode \`${value}\`; expected one of ${CLI_MODES.join(', ')}`);
  return value as RedactMode;
}

/** Builds redaction options from `--mode` and `--modes TYPE=mode,…`; hash needs $RAMPART_REDACT_KEY. */
export function redactOptionsFromFlags(
  mode: string | undefined,
  modes: string | undefined,
  env: NodeJS.ProcessEnv,
): RedactOptions {
  const options: RedactOptions = { mode: parseMode(mode ?? 'mask', '--mode') };
  if (modes) {
    const perType: Record<string, RedactMode> = {};
    for (const pair of modes.split(',')) {
      const [type, m] = pair.split('=').map((s) => s.trim());
      if (!type || !m) throw new UsageError(`--modes: expected TYPE=mode, got \`${pair}\``);
      perType[type] = parseMode(m, `--modes ${type}`);
    }
    options.modes = perType;
  }
  const used = [options.mode, ...Object.values(options.modes ?? {})];
  if (used.includes('hash')) {
    const key = env.RAMPART_REDACT_KEY;
    if (!key || key.length < 16)
      throw new UsageError('hash mode needs a key of at least 16 characters in $RAMPART_REDACT_KEY');
    options.hash = (value, type) =>
      createHmac('sha256', key).update(`${type}\u0000${value}`).digest('hex').slice(0, 16);
  }
  return options;
}

/** Registers `rampart redact`. */
export function registerRedact(program: Command): void {
  program
    .command('redact')
    .description('redact detector findings in JSON Lines {"id","text"} from stdin')
    .option(
      '--detectors <names>',
      'comma-separated detector names (default: all; built-ins: pii, secrets, injection)',
    )
    .option('--policy <dir>', "use the policy's detectors (names and configs from its `detectors:`)")
    .option('--mode <mode>', `replacement for every type: ${CLI_MODES.join(', ')}`, 'mask')
    .option('--modes <pairs>', 'per-type modes, e.g. CREDIT_CARD=partial,EMAIL=hash')
    .addHelpText(
      'after',
      '\nInput: JSON Lines on stdin, one {"id": string|number, "text": string} per line; blank lines are skipped.\n' +
        'Output: {"id", "text"} per line, redacted. mask → [EMAIL], partial → •••• 4242, drop → removed,\n' +
        'hash → [EMAIL:<16 hex>] (HMAC-SHA256 keyed by $RAMPART_REDACT_KEY, stable across runs).\n' +
        'Exit codes: 0 every line processed; 1 invalid policy; 2 usage error, or some input lines were invalid\n' +
        '(each is reported on stderr as "line N: …" and skipped; all other lines are still written).\n' +
        `Example: echo '{"id":"1","text":"card 4111 1111 1111 1111"}' | rampart redact --mode partial`,
    )
    .action(async (opts: DetectorSelection & { mode?: string; modes?: string }) => {
      const options = redactOptionsFromFlags(opts.mode, opts.modes, process.env);
      const detectors = await selectDetectors(opts);
      if (typeof detectors === 'number') {
        process.exitCode = detectors;
        return;
      }
      const bad = await processJsonLines(process.stdin, process.stdout, (r) => ({
        id: r.id,
        text: redact(r.text, scanText(detectors, r.text), options),
      }));
      process.exitCode = bad > 0 ? EXIT_USAGE : EXIT_OK;
    });
}
