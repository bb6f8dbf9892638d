/**
 * `rampart diff <old> <new>`: what changed between two bundles (or policy directories), in review
 * text, and the behavioural impact: every test case of both and an optional JSONL sample of past
 * requests replayed through both compiled policies, with the decisions that flip grouped by rule.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { type Bundle, bundleTexts, fileText, parseBundle } from '../../bundle/bundle-format.js';
import { compileBundle } from '../../bundle/bundle-policy.js';
import { collectSourceFiles } from '../../bundle/collect-sources.js';
import { createBundle, isBundleVersion } from '../../bundle/create-bundle.js';
import type { SignedExceptionGrant } from '../../bundle/exceptions.js';
import { diffPolicies, formatPolicyDiff } from '../../bundle/policy-diff.js';
import { readPolicyView } from '../../bundle/policy-view.js';
import type { DecisionRequest, Point } from '../../policy/types.js';
import { kindOf, parseIncident, parseTestSuite } from '../../testing/case-file-loader.js';
import { policyUnderTest } from '../../testing/engine-adapter.js';
import {
  parseReplayRequests,
  type ReplayReport,
  type ReplayRequest,
  replayRequests,
} from '../../testing/replay.js';
import { EXIT_OK } from '../exit.js';
import { reportLifecycleError } from './activate.js';
import { readInputFile } from './sign.js';

/** Options of `rampart diff`. */
export interface DiffCommandOptions {
  requests?: string;
  oldExceptions?: string;
  newExceptions?: string;
  examples?: number;
}

/** Reads a bundle file, or assembles an in-memory bundle from a policy directory. */
export async function loadBundleOrDir(path: string): Promise<Bundle> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    const src = await collectSourceFiles(path);
    const draft = createBundle({
      files: src.files,
      entry: src.entry,
      changelog: '(working tree)',
      version: '0.0.0-working',
      createdAt: new Date(0),
      builder: 'rampart diff',
    });
    const version = readPolicyView(bundleTexts(draft)).version;
    return isBundleVersion(version)
      ? createBundle({
          files: src.files,
          entry: src.entry,
          changelog: '(working tree)',
          createdAt: new Date(0),
          builder: 'rampart diff',
        })
      : draft;
  }
  return parseBundle(await readInputFile(path, 'bundle'));
}

function grantsOf(text: string | undefined): SignedExceptionGrant[] | undefined {
  if (text === undefined) return undefined;
  const doc = JSON.parse(text) as { grants?: SignedExceptionGrant[] };
  return Array.isArray(doc.grants) ? doc.grants : [];
}

/** A test case turned into a replayable request, with a label for the report. */
interface LabelledCase {
  label: string;
  point: Point;
  request: DecisionRequest;
}

/** The test and incident cases a bundle carries (files under `<entry>/tests` and `<entry>/incidents`). */
export function bundleCases(bundle: Bundle): LabelledCase[] {
  const prefix = bundle.manifest.entry === '' ? '' : `${bundle.manifest.entry}/`;
  const out: LabelledCase[] = [];
  for (const [path, file] of Object.entries(bundle.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!path.startsWith(prefix) || !/^(tests|incidents)\/[^/]+\.ya?ml$/.test(path.slice(prefix.length)))
      continue;
    const text = fileText(file);
    const kind = kindOf(text);
    const rel = path.slice(prefix.length);
    try {
      const cases =
        kind === 'TestSuite'
          ? parseTestSuite(rel, text).cases
          : kind === 'Incident'
            ? parseIncident(rel, text).cases
            : [];
      for (const c of cases) out.push({ label: `${rel}: ${c.name}`, point: c.point, request: c.request });
    } catch {
      // an invalid suite is `rampart test`'s to report; diff replays what it can read
    }
  }
  return out;
}

function mergeCases(a: LabelledCase[], b: LabelledCase[]): LabelledCase[] {
  const seen = new Map<string, LabelledCase>();
  for (const c of [...a, ...b]) if (!seen.has(c.label)) seen.set(c.label, c);
  return [...seen.values()];
}

function brief(s: { effect: string; rules: string[] }): string {
  return `${s.effect} [${s.rules.join(', ')}]`;
}

function formatImpact(
  parts: { title: string; report: ReplayReport; label: (line: number) => string }[],
  examples: number,
): string {
  const lines = ['', 'Behavioural impact'];
  for (const p of parts)
    lines.push(`  ${p.title}: ${p.report.total} replayed, ${p.report.changed} decision(s) flip`);
  const byRule = new Map<
    string,
    { count: number; transitions: Record<string, number>; examples: string[] }
  >();
  for (const p of parts)
    for (const g of p.report.groups) {
      const entry = byRule.get(g.rule) ?? { count: 0, transitions: {}, examples: [] };
      entry.count += g.count;
      for (const [t, n] of Object.entries(g.transitions))
        entry.transitions[t] = (entry.transitions[t] ?? 0) + n;
      for (const e of g.examples)
        if (entry.examples.length < examples)
          entry.examples.push(
            `${p.label(e.line)}${e.tool ? ` (${e.tool})` : ''}: ${brief(e.before)} → ${brief(e.after)}`,
          );
      byRule.set(g.rule, entry);
    }
  if (byRule.size === 0) {
    lines.push('  no decision changes');
    return lines.join('\n');
  }
  lines.push('  Flips by rule');
  const sorted = [...byRule.entries()].sort(([a, x], [b, y]) => y.count - x.count || (a < b ? -1 : 1));
  for (const [rule, g] of sorted) {
    const ts = Object.entries(g.transitions)
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([t, n]) => `${t} ×${n}`)
      .join(', ');
    lines.push(`    ${rule} — ${g.count} (${ts})`);
    for (const e of g.examples) lines.push(`      ${e}`);
  }
  return lines.join('\n');
}

/** Produces the full diff text (structural + behavioural). */
export async function diffText(oldPath: string, newPath: string, opts: DiffCommandOptions): Promise<string> {
  const before = await loadBundleOrDir(oldPath);
  const after = await loadBundleOrDir(newPath);
  const exceptions = {
    before: grantsOf(
      opts.oldExceptions ? await readInputFile(opts.oldExceptions, 'exceptions file') : undefined,
    ),
    after: grantsOf(
      opts.newExceptions ? await readInputFile(opts.newExceptions, 'exceptions file') : undefined,
    ),
  };
  const structural = diffPolicies(readPolicyView(bundleTexts(before)), readPolicyView(bundleTexts(after)), {
    ...(exceptions.before ? { before: exceptions.before } : {}),
    ...(exceptions.after ? { after: exceptions.after } : {}),
  });
  const head = (b: Bundle) => `${b.manifest.version} (${b.digest.slice(0, 19)}…)`;
  const header = `rampart diff — ${after.manifest.name}: ${head(before)} → ${head(after)}`;
  const oldPolicy = policyUnderTest(compileBundle(before));
  const newPolicy = policyUnderTest(compileBundle(after));
  const cases = mergeCases(bundleCases(before), bundleCases(after));
  const caseRequests: ReplayRequest[] = cases.map((c, i) => ({
    line: i,
    point: c.point,
    request: c.request,
  }));
  const parts = [
    {
      title: 'test cases',
      report: replayRequests(caseRequests, newPolicy, oldPolicy, { examplesPerGroup: opts.examples ?? 3 }),
      label: (i: number) => `test ${cases[i]?.label ?? i}`,
    },
  ];
  if (opts.requests) {
    const sample = parseReplayRequests(opts.requests, await readInputFile(opts.requests, 'request sample'));
    parts.push({
      title: `sample requests (${basename(opts.requests)})`,
      report: replayRequests(sample, newPolicy, oldPolicy, { examplesPerGroup: opts.examples ?? 3 }),
      label: (line: number) => `sample line ${line}`,
    });
  }
  return `${header}\n${formatPolicyDiff(structural)}\n${formatImpact(parts, opts.examples ?? 3)}\n`;
}

/** Runs `rampart diff`; prints the report and returns the exit code. */
export async function runDiff(
  oldPath: string,
  newPath: string,
  opts: DiffCommandOptions,
  io = process,
): Promise<number> {
  try {
    io.stdout.write(await diffText(oldPath, newPath, opts));
    return EXIT_OK;
  } catch (error) {
    const diagnostics = (
      error as { diagnostics?: { file?: string; line?: number; code: string; message: string }[] }
    ).diagnostics;
    if ((error as { name?: string }).name === 'TestingError' && diagnostics) {
      io.stderr.write(
        `${diagnostics.map((d) => `${d.file}:${d.line ?? 1} ${d.code}: ${d.message}`).join('\n')}\n`,
      );
      return 2;
    }
    return reportLifecycleError(error, io);
  }
}

/** Registers `rampart diff`. */
export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('show what changed between two bundles (or policy directories) and which decisions flip')
    .argument('<old>', 'old bundle file or policy directory')
    .argument('<new>', 'new bundle file or policy directory')
    .option('-r, --requests <jsonl>', 'sample of past requests to replay: {"point", "request"} per line')
    .option('--old-exceptions <file>', 'exceptions file in force with the old bundle')
    .option('--new-exceptions <file>', 'exceptions file in force with the new bundle')
    .option('--examples <n>', 'examples shown per rule', (v) => Number.parseInt(v, 10), 3)
    .action(async (oldPath: string, newPath: string, opts: DiffCommandOptions) => {
      process.exitCode = await runDiff(oldPath, newPath, opts);
    });
}
