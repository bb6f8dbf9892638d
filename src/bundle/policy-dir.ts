/**
 * Reads a policy directory from disk: its top-level YAML files, and the baseline it `extends:`,
 * with size bounds checked before reading. Computes the content digest that identifies the policy.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PolicyLoadError } from '../policy/errors.js';
import { POLICY_LIMITS } from '../policy/limits.js';
import { parsePolicyFiles } from '../policy/parse-policy-files.js';
import type { PolicySource } from '../policy/policy-document.js';
import { readYaml, type SourceFile } from '../policy/yaml-source.js';

const MAX_EXTENDS_DEPTH = 4;

/** Options for reading a policy directory. */
export interface ReadPolicyOptions {
  /** ISO date for judging deviation expiry; defaults to today. */
  today?: string;
}

/** Reads and checks the policy in `dir` (a directory of YAML files, or a single YAML file). */
export async function readPolicyDir(dir: string, options: ReadPolicyOptions = {}): Promise<PolicySource> {
  return readLayer(path.resolve(dir), options, []);
}

async function readLayer(dir: string, options: ReadPolicyOptions, chain: string[]): Promise<PolicySource> {
  if (chain.includes(dir)) {
    throw located(
      dir,
      'policy/extends-cycle',
      `\`extends\` forms a cycle: ${[...chain, dir].map(display).join(' → ')}`,
    );
  }
  if (chain.length > MAX_EXTENDS_DEPTH)
    throw located(dir, 'policy/extends-too-deep', `more than ${MAX_EXTENDS_DEPTH} levels of \`extends\``);
  const files = await readPolicyFiles(dir);
  const base = findExtends(files);
  let baseline: PolicySource | undefined;
  if (base) {
    const from = (await isDirectory(dir)) ? dir : path.dirname(dir);
    const target = path.resolve(from, base.value);
    if (!(await exists(target))) {
      throw new PolicyLoadError([
        {
          code: 'policy/extends-not-found',
          message: `baseline \`${base.value}\` not found (looked in ${display(target)})`,
          file: base.file,
          line: base.line,
          column: base.column,
          severity: 'error',
        },
      ]);
    }
    baseline = await readLayer(target, options, [...chain, dir]);
  }
  const source = parsePolicyFiles(files, {
    ...(baseline ? { baseline } : {}),
    ...(options.today ? { today: options.today } : {}),
  });
  source.digest = digestOf(files, baseline?.digest);
  return source;
}

/** Lists and reads the top-level `.yaml`/`.yml` files of a policy directory (or one file), bounded in size. */
export async function readPolicyFiles(target: string): Promise<SourceFile[]> {
  let names: string[];
  let dir: string;
  if (await isDirectory(target)) {
    dir = target;
    names = (await readdir(target)).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } else if (await exists(target)) {
    dir = path.dirname(target);
    names = [path.basename(target)];
  } else {
    throw located(target, 'policy/not-found', `no policy at ${display(target)}`);
  }
  if (names.length === 0) throw located(target, 'policy/empty', `no .yaml files in ${display(target)}`);
  if (names.length > POLICY_LIMITS.maxFiles)
    throw located(
      target,
      'policy/too-many-files',
      `${names.length} files; the limit is ${POLICY_LIMITS.maxFiles}`,
    );
  const files: SourceFile[] = [];
  let total = 0;
  for (const name of names) {
    const full = path.join(dir, name);
    const info = await stat(full);
    // Bytes bound characters from above, so checking the size first keeps a huge file from being read at all.
    if (info.size > POLICY_LIMITS.maxFileChars * 4)
      throw located(
        full,
        'policy/file-too-large',
        `${info.size} bytes; the limit is about ${POLICY_LIMITS.maxFileChars} characters`,
      );
    total += info.size;
    if (total > POLICY_LIMITS.maxTotalChars * 4)
      throw located(full, 'policy/too-large', 'policy files are too large in total');
    files.push({ path: display(full), text: await readFile(full, 'utf8') });
  }
  return files;
}

/** sha256 over the files' names and contents in a canonical order, chained to the baseline's digest. */
export function digestOf(files: SourceFile[], baselineDigest?: string): string {
  const hash = createHash('sha256');
  if (baselineDigest) hash.update(`baseline\0${baselineDigest}\0`);
  for (const f of [...files].sort((a, b) => (path.basename(a.path) < path.basename(b.path) ? -1 : 1))) {
    hash.update(`${path.basename(f.path)}\0${f.text.replace(/\r\n/g, '\n')}\0`);
  }
  return `sha256:${hash.digest('hex')}`;
}

function findExtends(
  files: SourceFile[],
): { value: string; file: string; line: number; column: number } | undefined {
  for (const f of files) {
    const { source } = readYaml(f);
    const data = source?.data as { extends?: unknown; kind?: unknown } | undefined;
    if (data && data.kind === 'Policy' && typeof data.extends === 'string') {
      const loc = source?.locate(['extends']);
      return { value: data.extends, file: f.path, line: loc?.line ?? 1, column: loc?.column ?? 1 };
    }
  }
  return undefined;
}

function located(file: string, code: string, message: string): PolicyLoadError {
  return new PolicyLoadError([{ code, message, file: display(file), line: 1, column: 1, severity: 'error' }]);
}

function display(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') ? rel : p;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
