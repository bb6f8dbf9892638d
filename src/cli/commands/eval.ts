/** `rampart eval <dir> --point tool --request req.json`: one decision, printed for a human or as JSON. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadPolicy } from '../../bundle/load-policy.js';
import { decide } from '../../engine/decide.js';
import { POINTS, type Point } from '../../policy/types.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';
import { handlePolicyError } from '../policy-errors.js';
import { renderDecision } from '../render-decision.js';

const MAX_REQUEST_BYTES = 1_048_576;

/** Registers `rampart eval`. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('decide one request against a policy')
    .argument('<dir>', 'policy directory')
    .requiredOption('--point <point>', `enforcement point: ${POINTS.join(', ')}`)
    .requiredOption('--request <file>', 'request JSON file, or - for stdin')
    .option('--explain', 'show every rule considered and why it matched or not')
    .option('--json', 'print the decision as JSON')
    .option('--fail-on-deny', 'exit 1 when the decision is deny')
    .addHelpText(
      'after',
      '\nExit codes: 0 decided, 1 invalid policy (or deny with --fail-on-deny), 2 usage error.\nExample: rampart eval examples/claims-assistant --point tool --request examples/claims-assistant/requests/refund-over-limit.json --explain',
    )
    .action(
      async (
        dir: string,
        opts: { point: string; request: string; explain?: boolean; json?: boolean; failOnDeny?: boolean },
      ) => {
        if (!(POINTS as readonly string[]).includes(opts.point)) {
          throw new UsageError(`unknown point \`${opts.point}\`; expected one of ${POINTS.join(', ')}`);
        }
        const request = await readRequest(opts.request);
        let policy: Awaited<ReturnType<typeof loadPolicy>>;
        try {
          policy = await loadPolicy(dir);
        } catch (error) {
          process.exitCode = handlePolicyError(error, opts.json);
          return;
        }
        const decision = decide(policy, opts.point as Point, request as never, {
          explain: opts.explain === true,
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(decision, null, 2)}\n`);
        else process.stdout.write(renderDecision(decision));
        process.exitCode = opts.failOnDeny && decision.effect === 'deny' ? EXIT_FAILURE : EXIT_OK;
      },
    );
}

async function readRequest(file: string): Promise<unknown> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read request file ${file}`);
  }
  if (text.length > MAX_REQUEST_BYTES)
    throw new UsageError(`request is larger than ${MAX_REQUEST_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`request ${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) throw new UsageError(`request is larger than ${MAX_REQUEST_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
