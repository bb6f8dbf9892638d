/** Expands CLI path arguments into the YAML files under them, in a stable order. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './exit.js';

/** Files ending in .yaml/.yml under each path (recursing into directories, skipping node_modules and dot-dirs). */
export async function readPolicyFilesRecursive(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(p);
    } catch {
      throw new UsageError(`no such file or directory: ${p}`);
    }
    if (info.isFile()) out.push(p);
    else await walk(p, out);
  }
  return out.sort();
}

async function walk(dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (/\.ya?ml$/i.test(entry.name)) out.push(full);
  }
}
