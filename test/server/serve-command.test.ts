import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REQUESTS } from './test-server.js';

const root = path.resolve(import.meta.dirname, '../..');

function serve(args: string[], cwd: string, env: Record<string, string> = {}): ChildProcess {
  // tsx is imported by absolute URL: the working directory (where evidence goes) is outside the repository.
  const tsx = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  return spawn(process.execPath, ['--import', tsx, path.join(root, 'src/cli/main.ts'), 'serve', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function waitFor(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
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

const exitCode = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });

describe('rampart serve (spawned)', () => {
  it('serves the flagship policy by default, records to ./.rampart, stops cleanly on SIGTERM', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'rampart-serve-'));
    const child = serve(['--port', '0', '--evidence', 'jsonl'], cwd);
    try {
      const banner = await waitFor(child, /metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/, 45_000);
      expect(banner).toMatch(/policy\s+claims-assistant/);
      expect(banner).toMatch(/openapi\s+http:\/\/127\.0\.0\.1:\d+\/openapi\.json/);
      expect(banner).toMatch(/loopback only/);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
      const res = await fetch(`${url}/v1/decide/tool`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(REQUESTS.refundOverLimit),
      });
      expect(res.status).toBe(200);
      const stopped = waitFor(child, /rampart: stopped/, 20_000);
      child.kill('SIGTERM');
      await stopped;
      expect(await exitCode(child)).toBe(0);
      const file = path.join(cwd, '.rampart', 'evidence.jsonl');
      expect(existsSync(file)).toBe(true);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines.some((l) => l.includes('refund-over-limit-needs-supervisor'))).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);

  it('exits 2 on bad settings without a stack trace', async () => {
    const child = serve(['--host', '0.0.0.0', '--port', '0'], tmpdir());
    const out = await waitFor(child, /loopback only/, 45_000);
    expect(await exitCode(child)).toBe(2);
    expect(out).not.toMatch(/\n\s+at /);
  }, 60_000);
});
