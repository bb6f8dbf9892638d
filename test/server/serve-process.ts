/** `rampart serve` as a child process, for tests that need the real CLI (signals, workers, banner). */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '../..');

/** Spawns `rampart serve <args>` from the sources in `cwd` (where `.rampart/` evidence goes). */
export function spawnServe(args: string[], cwd: string, env: Record<string, string> = {}): ChildProcess {
  // tsx is imported by absolute URL: the working directory is usually outside the repository.
  const tsx = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  return spawn(process.execPath, ['--import', tsx, path.join(root, 'src/cli/main.ts'), 'serve', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Resolves with everything printed once `pattern` appears; rejects on timeout or an exit before it. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}; got:\n${out}`)),
      timeoutMs,
    );
    const onData = (d: Buffer) => {
      out += d.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', () => {
      clearTimeout(timer);
      pattern.test(out) ? resolve(out) : reject(new Error(`exited before ${pattern}; got:\n${out}`));
    });
  });
}

/**
 * Runs `rampart <args>` from the sources in `cwd` to its exit, with only PATH and USER from this
 * test's environment (so a command under test must take its settings from its flags or config).
 */
export function runRampart(
  args: string[],
  cwd: string,
  env: Record<string, string> = { PATH: process.env.PATH ?? '', USER: 'operator-test' },
): Promise<{ code: number | null; out: string; err: string }> {
  const tsx = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, path.join(root, 'src/cli/main.ts'), ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}
