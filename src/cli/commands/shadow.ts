/** `rampart shadow report`: summarises shadow divergences recorded in a JSONL evidence file, by rule. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { formatShadowReport, type ShadowRecordView, summarizeShadow } from '../../bundle/shadow.js';
import { EXIT_OK, UsageError } from '../exit.js';

/** Longest evidence line read; longer lines are skipped. */
const MAX_LINE = 1024 * 1024;

function asRecord(line: string): ShadowRecordView | undefined {
  if (line.length > MAX_LINE) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r.outcome !== 'string' || !Array.isArray(r.rules)) return undefined;
  const view: ShadowRecordView = { outcome: r.outcome, rules: r.rules.map(String) };
  const s = r.shadow as Record<string, unknown> | undefined;
  if (
    s &&
    typeof s === 'object' &&
    typeof s.digest === 'string' &&
    typeof s.outcome === 'string' &&
    Array.isArray(s.rules)
  )
    view.shadow = {
      digest: s.digest,
      outcome: s.outcome,
      rules: s.rules.map(String),
      ...(typeof s.version === 'string' ? { version: s.version } : {}),
    };
  return view;
}

/** Options of `shadow report`. */
export interface ShadowReportOptions {
  candidate?: string;
  json?: boolean;
}

/** Reads the evidence file and prints the report; returns the exit code. */
export async function runShadowReport(
  file: string,
  opts: ShadowReportOptions,
  io = process,
): Promise<number> {
  if (!(await stat(file).catch(() => undefined))?.isFile())
    throw new UsageError(`cannot read evidence file ${file}`);
  const records: ShadowRecordView[] = [];
  let skipped = 0;
  const lines = createInterface({
    input: createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    const r = asRecord(line);
    if (!r) {
      skipped++;
      continue;
    }
    if (
      opts.candidate &&
      r.shadow &&
      !r.shadow.digest.startsWith(opts.candidate) &&
      r.shadow.version !== opts.candidate
    )
      delete r.shadow;
    records.push(r);
  }
  const report = summarizeShadow(records, skipped);
  io.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : formatShadowReport(report));
  return EXIT_OK;
}

/** Registers `rampart shadow`. */
export function registerShadow(program: Command): void {
  const shadow = program
    .command('shadow')
    .description('shadow evaluation of a candidate bundle beside the active one');
  shadow
    .command('report')
    .description('summarise divergences (decision records with a `shadow` field) by rule and outcome')
    .argument('<evidence>', 'JSONL evidence file (one decision record per line)')
    .option('--candidate <digest|version>', 'only count divergences of this candidate')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: ShadowReportOptions) => {
      process.exitCode = await runShadowReport(file, opts);
    });
}
