/** `rampart exceptions grant|list`: signed, scoped, time-boxed waivers stored beside the bundle. */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '../../bundle/atomic-file.js';
import { bundleTexts, parseBundle } from '../../bundle/bundle-format.js';
import { parseDuration } from '../../bundle/duration.js';
import {
  createExceptionGrant,
  expiringWithin,
  loadExceptions,
  parseScope,
  ruleRiskFromView,
  serializeExceptions,
} from '../../bundle/exceptions.js';
import { parseGovernance } from '../../bundle/governance.js';
import { loadSigningKey } from '../../bundle/keys.js';
import { readPolicyView } from '../../bundle/policy-view.js';
import { EXIT_OK, UsageError } from '../exit.js';
import { reportLifecycleError } from './activate.js';
import { readInputFile } from './sign.js';

/** Options of `exceptions grant`. */
export interface GrantCommandOptions {
  rule: string[];
  scope: string;
  expires: string;
  reason: string;
  key: string;
  governance: string;
  bundle: string;
  file?: string;
  review?: string;
}

/** Options of `exceptions list`. */
export interface ListCommandOptions {
  governance: string;
  file?: string;
  bundle?: string;
  expiring?: string;
  json?: boolean;
}

function exceptionsPath(opts: { file?: string; bundle?: string }): string {
  if (opts.file) return opts.file;
  if (opts.bundle) return join(dirname(opts.bundle), 'exceptions.json');
  throw new UsageError('give --file <exceptions.json> or --bundle <bundle> (the file sits beside it)');
}

function durationOrUsage(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${flag} must be a duration like 7d, 12h or 30m`);
  return ms;
}

async function readExisting(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Grants an exception; returns the exit code. `now` is injectable for tests. */
export async function runExceptionsGrant(
  opts: GrantCommandOptions,
  io = process,
  now = new Date(),
): Promise<number> {
  const durationMs = durationOrUsage(opts.expires, '--expires');
  const review = opts.review ? new Date(now.getTime() + durationOrUsage(opts.review, '--review')) : undefined;
  const path = exceptionsPath(opts);
  try {
    const governance = parseGovernance(
      await readInputFile(opts.governance, 'governance file'),
      opts.governance,
    );
    const bundle = parseBundle(await readInputFile(opts.bundle, 'bundle'));
    const key = loadSigningKey(await readInputFile(opts.key, 'key'));
    const ruleRisk = ruleRiskFromView(readPolicyView(bundleTexts(bundle)));
    const grant = createExceptionGrant(
      {
        rules: opts.rule,
        scope: parseScope(opts.scope),
        durationMs,
        reason: opts.reason,
        now,
        ...(review ? { review } : {}),
      },
      key,
      governance,
      ruleRisk,
    );
    const existing = await readExisting(path);
    const loaded =
      existing === undefined ? undefined : loadExceptions(existing, { governance, now, ruleRisk });
    // Keep verified grants (expired ones too, as the audit trail); drop nothing silently: refuse when the file has forged entries.
    if (loaded && loaded.rejected.length > 0)
      throw new UsageError(
        `${path} holds ${loaded.rejected.length} grant(s) that fail verification; fix or remove them first (rampart exceptions list)`,
      );
    await writeFileAtomic(path, serializeExceptions([...(loaded?.verified ?? []), grant]));
    const g = grant.grant;
    io.stdout.write(
      `granted ${g.id}: waives ${g.rules.join(', ')} (${grant.risk}) for ${Object.entries(g.scope)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')} until ${g.expires}, review by ${grant.review} → ${path}\n`,
    );
    return EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return reportLifecycleError(error, io);
  }
}

/** Lists grants; returns the exit code (1 when any grant fails verification). */
export async function runExceptionsList(
  opts: ListCommandOptions,
  io = process,
  now = new Date(),
): Promise<number> {
  const path = exceptionsPath(opts);
  try {
    const governance = parseGovernance(
      await readInputFile(opts.governance, 'governance file'),
      opts.governance,
    );
    const text = await readExisting(path);
    const loaded =
      text === undefined
        ? { active: [], expired: [], rejected: [], verified: [] }
        : loadExceptions(text, { governance, now });
    let shown = loaded.verified.filter((g) => Date.parse(g.grant.expires) > now.getTime());
    if (opts.expiring)
      shown = expiringWithin(loaded.verified, now, durationOrUsage(opts.expiring, '--expiring'));
    if (opts.json) {
      io.stdout.write(
        `${JSON.stringify({ grants: shown, expired: loaded.expired.length, rejected: loaded.rejected })}\n`,
      );
    } else {
      if (shown.length === 0)
        io.stdout.write(
          opts.expiring ? `no exceptions expire within ${opts.expiring}\n` : 'no active exceptions\n',
        );
      for (const g of shown) {
        const scope = Object.entries(g.grant.scope)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        io.stdout.write(
          `${g.grant.id}  ${g.grant.rules.join(',')}  ${scope}  ${g.risk}  expires ${g.grant.expires}  review ${g.review}  by ${g.grant.granter}: ${g.grant.reason}\n`,
        );
      }
      if (loaded.expired.length > 0)
        io.stdout.write(
          `(${loaded.expired.length} expired grant(s) kept for the record; they no longer apply)\n`,
        );
      for (const r of loaded.rejected)
        io.stderr.write(`rejected grant #${r.index}${r.id ? ` ${r.id}` : ''}: ${r.code}: ${r.message}\n`);
    }
    return loaded.rejected.length > 0 ? 1 : EXIT_OK;
  } catch (error) {
    return reportLifecycleError(error, io);
  }
}

/** Registers `rampart exceptions`. */
export function registerExceptions(program: Command): void {
  const cmd = program
    .command('exceptions')
    .description('grant and review scoped, time-boxed, signed rule exceptions');
  cmd
    .command('grant')
    .description('sign a grant that waives named rules for a scope until it expires')
    .requiredOption('--rule <id>', 'rule to waive (repeatable)', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .requiredOption('--scope <k=v,...>', 'who it applies to: principal=, tenant=, tool=, route=')
    .requiredOption('--expires <duration>', 'lifetime, e.g. 7d (capped per risk class by governance)')
    .requiredOption('--reason <text>', 'why the waiver is needed')
    .requiredOption('-k, --key <file>', 'exception granter private key')
    .requiredOption('-g, --governance <file>', 'the governance.yaml you trust')
    .requiredOption('-b, --bundle <file>', 'the bundle whose rules are waived')
    .option('-f, --file <file>', 'exceptions file (default: exceptions.json beside the bundle)')
    .option('--review <duration>', 'review date from now (default: the expiry)')
    .action(async (opts: GrantCommandOptions) => {
      process.exitCode = await runExceptionsGrant(opts);
    });
  cmd
    .command('list')
    .description('list active exceptions (verified), optionally only those expiring soon')
    .requiredOption('-g, --governance <file>', 'the governance.yaml you trust')
    .option('-f, --file <file>', 'exceptions file')
    .option('-b, --bundle <file>', 'bundle; the exceptions file beside it is read')
    .option('--expiring <duration>', 'only grants expiring within this window, e.g. 14d')
    .option('--json', 'print JSON')
    .action(async (opts: ListCommandOptions) => {
      process.exitCode = await runExceptionsList(opts);
    });
}
