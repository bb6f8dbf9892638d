/**
 * Reads a policy directory (and every baseline directory it `extends:`) into the file list a bundle
 * embeds. Paths are made relative to the directories' common ancestor, so `extends: ../baseline`
 * still resolves inside the bundle; `entry` names the policy directory within it.
 */
import { execFileSync } from 'node:child_process';
import type { Stats } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { BundleError } from './errors.js';
import { extendsOfText } from './policy-view.js';

/** Files larger than this are refused (a bundle is policy, not a data set). */
export const MAX_SOURCE_FILE_BYTES = 16 * 1024 * 1024;
const MAX_FILES = 2000;
/** Never bundled: private keys, build outputs, VCS and dependency folders. */
const SKIP = /(^\.|^node_modules$|\.key$|\.pem$|\.bundle\.json$|^exceptions\.json$)/;

/** What `collectSourceFiles` found. */
export interface CollectedSources {
  files: { path: string; bytes: Uint8Array }[];
  entry: string;
  /** Absolute directories read: the policy first, then its baselines. */
  layers: string[];
}

async function walk(dir: string, out: string[]): Promise<void> {
  for (const name of (await readdir(dir)).sort()) {
    if (SKIP.test(name)) continue;
    const full = join(dir, name);
    const st = await lstat(full);
    if (st.isSymbolicLink()) continue; // a link could pull in anything on the machine
    if (st.isDirectory()) await walk(full, out);
    else if (st.isFile()) {
      if (st.size > MAX_SOURCE_FILE_BYTES)
        throw new BundleError('bundle/too-large', `${full} is larger than ${MAX_SOURCE_FILE_BYTES} bytes`);
      out.push(full);
      if (out.length > MAX_FILES)
        throw new BundleError('bundle/too-large', `more than ${MAX_FILES} files under ${dir}`);
    }
  }
}

function commonAncestor(dirs: string[]): string {
  let root = dirs[0] as string;
  for (const d of dirs.slice(1))
    while (relative(root, d).startsWith('..') || isAbsolute(relative(root, d))) root = dirname(root);
  return root;
}

/** Reads the directory and its baselines. Throws `BundleError` for missing directories or oversize input. */
export async function collectSourceFiles(dir: string): Promise<CollectedSources> {
  const layers: string[] = [];
  const byLayer = new Map<string, string[]>();
  let next: string | undefined = resolve(dir);
  while (next && !layers.includes(next)) {
    const st: Stats | undefined = await lstat(next).catch(() => undefined);
    if (!st?.isDirectory())
      throw new BundleError('bundle/not-found', `policy directory ${next} does not exist`);
    layers.push(next);
    const found: string[] = [];
    await walk(next, found);
    byLayer.set(next, found);
    let ext: string | undefined;
    for (const f of found.filter((p) => /\.ya?ml$/.test(p))) ext ??= extendsOfText(await readFile(f, 'utf8'));
    next = ext === undefined ? undefined : resolve(st.isFile() ? dirname(next) : next, ext);
  }
  const root = commonAncestor(layers.map((l, i) => (i > 0 && byLayer.get(l)?.[0] === l ? dirname(l) : l)));
  const seen = new Set<string>();
  const files: CollectedSources['files'] = [];
  for (const layer of layers)
    for (const full of byLayer.get(layer) ?? []) {
      if (seen.has(full)) continue;
      seen.add(full);
      files.push({ path: relative(root, full).split(sep).join('/'), bytes: await readFile(full) });
    }
  return {
    files,
    entry: relative(root, layers[0] as string)
      .split(sep)
      .join('/'),
    layers,
  };
}

/** The git commit of the sources when they are in a clean git work tree (`<sha>-dirty` when not clean), else null. */
export function sourceCommitOf(dir: string): string | null {
  try {
    const opts = {
      cwd: dir,
      encoding: 'utf8' as const,
      stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    };
    const head = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '.'], opts).trim() !== '';
    return dirty ? `${head}-dirty` : head;
  } catch {
    return null;
  }
}
