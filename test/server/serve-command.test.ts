import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { governanceYaml, makeKeys } from '../bundle/bundle-fixtures.js';
import { spawnServe, waitForOutput } from './serve-process.js';
import { REQUESTS } from './test-server.js';

const exitCode = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });

describe('rampart serve (spawned)', () => {
  it('serves the flagship policy by default, records to ./.rampart, stops cleanly on SIGTERM', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'rampart-serve-'));
    const child = spawnServe(['--port', '0', '--evidence', 'jsonl'], cwd);
    try {
      const banner = await waitForOutput(child, /metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/, 45_000);
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
      const stopped = waitForOutput(child, /rampart: stopped/, 20_000);
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

  it('takes --state and --governance as flags: an empty state directory serves the safe baseline, not ready', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'rampart-serve-state-flag-'));
    writeFileSync(
      path.join(cwd, 'governance.yaml'),
      governanceYaml(makeKeys(['alice', 'bob', 'carol']), { required: 2, loosening: 2 }),
    );
    const child = spawnServe(
      ['--port', '0', '--evidence', 'memory', '--state', 'state', '--governance', 'governance.yaml'],
      cwd,
    );
    try {
      const banner = await waitForOutput(child, /metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/, 45_000);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { cause: string }).cause).toBe('no verified policy active');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('starts while Redis is unreachable: tool calls fail closed on unknown kill switches, other points decide', async () => {
    // A loopback port nothing listens on.
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const cwd = mkdtempSync(path.join(tmpdir(), 'rampart-serve-no-redis-'));
    const child = spawnServe(['--port', '0', '--evidence', 'memory'], cwd, {
      RAMPART_REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    try {
      const banner = await waitForOutput(child, /metrics\s+http:\/\/127\.0\.0\.1:\d+\/metrics/, 45_000);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1];
      const decide = async (point: string, body: unknown) =>
        (await (
          await fetch(`${url}/v1/decide/${point}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json()) as { outcome: string; rules: string[] };
      const tool = await decide('tool', REQUESTS.refundOverLimit);
      expect(tool.rules).toEqual(['rampart/kill-switch']);
      expect(tool.outcome).toBe('blocked');
      const input = await decide('input', REQUESTS.customerQuestion);
      expect(input.rules).not.toContain('rampart/kill-switch');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  it('exits 2 on bad settings without a stack trace', async () => {
    const child = spawnServe(['--host', '0.0.0.0', '--port', '0'], tmpdir());
    const out = await waitForOutput(child, /loopback only/, 45_000);
    expect(await exitCode(child)).toBe(2);
    expect(out).not.toMatch(/\n\s+at /);
  }, 60_000);
});
