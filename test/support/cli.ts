/**
 * Runs the built `rampart` CLI the way a user does. Spawning the compiled JavaScript keeps each call
 * fast; when any source file is newer than the build, the build is refreshed first.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.join(import.meta.dirname, '..', '..');
const entry = path.join(repoRoot, 'dist', 'cli', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

let checked = false;
/** Rebuilds `dist/` when a source file is newer than the build (call from `beforeAll` with a long timeout). */
export function ensureBuilt(): void {
  if (checked) return;
  checked = true;
  let built = 0;
  try {
    built = statSync(entry).mtimeMs;
  } catch {}
  if (built >= newestSource(path.join(repoRoot, 'src'))) return;
  const r = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`);
}

/** Runs `rampart <args>` with optional stdin; returns exit code and output. */
export function runCli(
  args: string[],
  input?: string,
  cwd = repoRoot,
): { code: number | null; out: string; err: string } {
  ensureBuilt();
  const r = spawnSync(process.execPath, [entry, ...args], { cwd, encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
