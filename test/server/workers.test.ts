import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore, verifyStore } from '../../src/evidence/index.js';
import { hashApiKey } from '../../src/server/index.js';
import { parseWorkers } from '../../src/server/workers.js';
import { spawnServe, waitForOutput } from './serve-process.js';
import { REQUESTS } from './test-server.js';

const OPERATOR = 'rk_workers_operator_0123456789abcdef';
const APP = 'rk_workers_app_0123456789abcdef01234';

/** One request on a fresh connection, so the cluster hands each to the next worker. */
function call(
  url: string,
  method: string,
  body: unknown,
  key: string,
): Promise<{ status: number; body: Record<string, unknown> | string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: {
          authorization: `Bearer ${key}`,
          connection: 'close',
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => {
          const json = (res.headers['content-type'] ?? '').includes('json');
          resolve({ status: res.statusCode ?? 0, body: json ? JSON.parse(text) : text });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('rampart serve --workers', () => {
  it('parses the worker count', () => {
    expect(parseWorkers(undefined)).toBe(1);
    expect(parseWorkers('3')).toBe(3);
    expect(parseWorkers('auto')).toBeGreaterThanOrEqual(1);
    expect(() => parseWorkers('0')).toThrow(/--workers/);
    expect(() => parseWorkers('two')).toThrow(/--workers/);
  });

  it('shares one port between workers: kill switches reach every worker, metrics sum over them, each chain verifies', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'rampart-workers-'));
    const keys = path.join(cwd, 'keys.json');
    writeFileSync(
      keys,
      JSON.stringify({
        apiKeys: [
          { id: 'oncall', sha256: hashApiKey(OPERATOR), scopes: ['admin:read', 'killswitch'] },
          { id: 'app', sha256: hashApiKey(APP), scopes: ['decide'] },
        ],
      }),
    );
    const child = spawnServe(['--port', '0', '--workers', '2', '--evidence', 'sqlite'], cwd, {
      RAMPART_API_KEYS_FILE: keys,
    });
    try {
      const banner = await waitForOutput(child, /workers\s+2 processes share the port/, 90_000);
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] as string;
      const decide = () => call(`${url}/v1/decide/tool`, 'POST', REQUESTS.refundOverLimit, APP);
      for (let i = 0; i < 6; i++)
        expect((await decide()).body).toMatchObject({ effect: 'allow_with_conditions' });

      const killed = await call(
        `${url}/v1/admin/killswitch`,
        'POST',
        { kind: 'tool', name: 'payments.refund', reason: 'incident' },
        OPERATOR,
      );
      expect(killed.status).toBe(200);
      // The relay goes through the primary; give it a moment, then every connection (both workers) denies.
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 6; i++)
        expect((await decide()).body).toMatchObject({ effect: 'deny', rules: ['rampart/kill-switch'] });

      const metrics = await call(`${url}/metrics`, 'GET', undefined, OPERATOR);
      const text = metrics.body as string;
      const count = (rule: string) =>
        Number(
          new RegExp(
            `rampart_decisions_total\\{point="tool",outcome="[a-z_]+",rule="${rule}",route="staff-console"\\} (\\d+)`,
          ).exec(text)?.[1],
        );
      // 12 decisions spread over two workers, summed by the primary.
      expect(count('refund-over-limit-needs-supervisor')).toBe(6);
      expect(count('rampart/kill-switch')).toBe(6);

      const stopped = waitForOutput(child, /rampart: stopped/, 30_000);
      child.kill('SIGTERM');
      await stopped;
      await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
      expect(child.exitCode).toBe(0);

      const store = new SqliteStore({ path: path.join(cwd, '.rampart', 'evidence.db'), readonly: true });
      await store.open();
      try {
        const report = await verifyStore(store, {});
        expect(report.ok).toBe(true);
        const decisionStreams = report.streams.filter((s) => !s.stream.startsWith('admin'));
        // Round-robin over fresh connections: both workers decided, each on its own stream.
        expect(decisionStreams.length).toBe(2);
        expect(decisionStreams.reduce((n, s) => n + s.records, 0)).toBe(12);
      } finally {
        await store.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 150_000);
});
