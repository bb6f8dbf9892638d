/**
 * `rampart scan`: runs detectors over JSON Lines from stdin (`{"id","text"}` per line) and writes one
 * line per input: `{"id","findings":[{"detector","type","start","end","score"}]}`. A bad line is
 * reported on stderr with its line number and skipped; the other lines are still processed.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { defaultDetectors } from '../../bundle/default-detectors.js';
import { loadPolicy } from '../../bundle/load-policy.js';
import { isDetectError } from '../../detect/index.js';
import type { Detector, DetectorConfig } from '../../policy/detector-contract.js';
import type { Finding } from '../../policy/types.js';
import { EXIT_OK, EXIT_USAGE, UsageError } from '../exit.js';
import { handlePolicyError } from '../policy-errors.js';

/** Longest accepted input line (UTF-16 code units); longer lines are rejected, not truncated. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

/** The built-in detector names `--detectors` accepts without a policy. */
export const BUILTIN_NAMES: Readonly<Record<string, string>> = {
  pii: 'builtin/pii',
  secrets: 'builtin/secrets',
  injection: 'builtin/injection',
};

/** One named detector ready to scan. */
export interface NamedDetector {
  name: string;
  detector: Detector;
}

/** A parsed input line. */
export interface InputRecord {
  id: string | number;
  text: string;
}

/** Parses one JSON Lines record; returns an error message instead of throwing. */
export function parseRecord(line: string): InputRecord | string {
  if (line.length > MAX_LINE_CHARS) return `line is longer than ${MAX_LINE_CHARS} characters`;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return 'expected an object {"id", "text"}';
  const { id, text } = value as Record<string, unknown>;
  if (typeof id !== 'string' && typeof id !== 'number') return '"id" must be a string or a number';
  if (typeof text !== 'string') return '"text" must be a string';
  return { id, text };
}

/** Runs every detector on `text`; findings ordered by position, with only the contract's fields. */
export function scanText(detectors: readonly NamedDetector[], text: string): Finding[] {
  const all: Finding[] = [];
  for (const { detector } of detectors)
    for (const f of detector.scan(text))
      all.push({ detector: f.detector, type: f.type, start: f.start, end: f.end, score: f.score });
  return all.sort(
    (a, b) =>
      a.start - b.start ||
      a.end - b.end ||
      a.detector.localeCompare(b.detector) ||
      a.type.localeCompare(b.type),
  );
}

/** Options shared by `scan` and `redact`. */
export interface DetectorSelection {
  detectors?: string;
  policy?: string;
}

/** Builds the detectors from `--policy` (its `detectors:`) or the built-ins, filtered by `--detectors`. */
export async function selectDetectors(opts: DetectorSelection): Promise<NamedDetector[] | number> {
  const wanted = opts.detectors
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  let configs: [string, DetectorConfig][];
  if (opts.policy) {
    try {
      const policy = await loadPolicy(opts.policy);
      configs = Object.entries(policy.detectors);
    } catch (error) {
      return handlePolicyError(error);
    }
    if (configs.length === 0) throw new UsageError(`policy ${opts.policy} declares no detectors`);
  } else {
    configs = Object.entries(BUILTIN_NAMES).map(([name, use]) => [name, { use }]);
  }
  if (wanted) {
    const known = configs.map(([n]) => n);
    const unknown = wanted.filter((w) => !known.includes(w));
    if (unknown.length > 0)
      throw new UsageError(
        `unknown detector ${unknown.map((u) => `\`${u}\``).join(', ')}; available: ${known.join(', ')}`,
      );
    configs = configs.filter(([n]) => wanted.includes(n));
  }
  const registry = defaultDetectors();
  return configs.map(([name, config]) => {
    const factory = registry[config.use];
    if (!factory) throw new UsageError(`detector \`${name}\` uses \`${config.use}\`, which is not available`);
    try {
      return { name, detector: factory(name, config) };
    } catch (error) {
      if (isDetectError(error)) throw new UsageError(`detector \`${name}\`: ${error.message}`);
      throw error;
    }
  });
}

/**
 * Reads JSON Lines from `input`, calls `handle` for each good record and writes its result as one
 * line; bad lines go to stderr as `line N: …`. Returns how many lines were bad.
 */
export async function processJsonLines(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  handle: (record: InputRecord) => unknown,
  errors: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  let bad = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    const record = parseRecord(line);
    if (typeof record === 'string') {
      bad++;
      errors.write(`rampart: line ${lineNo}: ${record}\n`);
      continue;
    }
    const ok = output.write(`${JSON.stringify(handle(record))}\n`);
    if (!ok) await new Promise((resolve) => output.once('drain', resolve));
  }
  return bad;
}

const EXIT_HELP =
  '\nInput: JSON Lines on stdin, one {"id": string|number, "text": string} per line; blank lines are skipped.\n' +
  'Exit codes: 0 every line processed; 1 invalid policy; 2 usage error, or some input lines were invalid\n' +
  '(each is reported on stderr as "line N: …" and skipped; all other lines are still written).';

/** Registers `rampart scan`. */
export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('run detectors over JSON Lines {"id","text"} from stdin and print findings per line')
    .option(
      '--detectors <names>',
      'comma-separated detector names (default: all; built-ins: pii, secrets, injection)',
    )
    .option('--policy <dir>', "use the policy's detectors (names and configs from its `detectors:`)")
    .addHelpText(
      'after',
      `${EXIT_HELP}\nOutput: {"id", "findings": [{"detector", "type", "start", "end", "score"}]} per line; offsets are UTF-16 code units.\nExample: echo '{"id":"1","text":"mail a@example.com"}' | rampart scan --detectors pii`,
    )
    .action(async (opts: DetectorSelection) => {
      const detectors = await selectDetectors(opts);
      if (typeof detectors === 'number') {
        process.exitCode = detectors;
        return;
      }
      const bad = await processJsonLines(process.stdin, process.stdout, (r) => ({
        id: r.id,
        findings: scanText(detectors, r.text),
      }));
      process.exitCode = bad > 0 ? EXIT_USAGE : EXIT_OK;
    });
}
