/**
 * The admin API's bundle upload limit: a setting (`AdminOptions.maxBundleBytes`, `limits.maxBundleBytes`
 * / `RAMPART_MAX_BUNDLE_BYTES` under `rampart serve`), bounded, answered 413 `server/body-too-large`
 * on upload and verify whether the size is declared or streamed, audited for a known caller, and
 * checked only after authentication and authorization.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivationStore } from '../../../src/bundle/activation-store.js';
import { serializeBundle } from '../../../src/bundle/bundle-format.js';
import { PolicyRuntime } from '../../../src/bundle/policy-runtime.js';
import { MemorySink } from '../../../src/evidence/index.js';
import { DEFAULT_MAX_BUNDLE_BYTES } from '../../../src/server/admin/index.js';
import { resolveServeConfig } from '../../../src/server/config.js';
import { createDecisionServer, type DecisionServer, hashApiKey } from '../../../src/server/index.js';
import { startServer } from '../../../src/server/start.js';
import { API_KEYS, AUTH, adminRecords, GOVERNANCE_TEXT, governance, v1 } from '../admin-fixture.js';

const LIMIT = 64 * 1024;
/** A JSON body of `bytes` bytes. */
const padded = (bytes: number) => `{"pad":"${'x'.repeat(bytes - 10)}"}`;

async function post(url: string, who: keyof typeof API_KEYS | undefined, body: string, chunked = false) {
  return new Promise<{
    status: number;
    body: { error?: { code: string; message: string } } & Record<string, unknown>;
  }>((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (who) headers.authorization = `Bearer ${API_KEYS[who]?.key}`;
    if (!chunked) headers['content-length'] = String(Buffer.byteLength(body));
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        text += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    // Streamed in pieces without a declared length: the limit is enforced while reading.
    if (chunked) for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.slice(i, i + 16 * 1024));
    else req.write(body);
    req.end();
  });
}

describe('the bundle upload limit of the admin API', () => {
  let dir: string;
  let sink: MemorySink;
  let server: DecisionServer;
  let url: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-bundle-limit-'));
    sink = new MemorySink();
    server = await createDecisionServer({
      evidence: sink,
      auth: AUTH,
      admin: {
        runtime: new PolicyRuntime({ governance, actor: 'test' }),
        store: new ActivationStore(join(dir, 'state'), governance),
        maxBundleBytes: LIMIT,
      },
    });
    url = await server.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts a bundle under the limit', async () => {
    const text = serializeBundle(v1);
    expect(Buffer.byteLength(text)).toBeLessThan(LIMIT);
    const r = await post(`${url}/v1/admin/bundles/upload`, 'operator', text);
    expect(r.status).toBe(200);
    expect(r.body.digest).toBe(v1.digest);
  });

  it.each([
    ['upload', 'declared', false],
    ['upload', 'streamed', true],
    ['verify', 'declared', false],
    ['verify', 'streamed', true],
  ] as const)(
    'refuses an over-limit %s (%s length) with 413 server/body-too-large',
    async (route, _how, chunked) => {
      const r = await post(`${url}/v1/admin/bundles/${route}`, 'operator', padded(LIMIT + 1024), chunked);
      expect(r.status).toBe(413);
      expect(r.body.error?.code).toBe('server/body-too-large');
      expect(r.body.error?.message).toBe(
        `bundle is larger than the upload limit of ${LIMIT} bytes (limits.maxBundleBytes, RAMPART_MAX_BUNDLE_BYTES)`,
      );
    },
  );

  it('records each refused upload of a known caller with its code', () => {
    const refused = adminRecords(sink).filter(
      (r) => (r as { context: { code?: string } }).context.code === 'server/body-too-large',
    );
    expect(refused.map((r) => (r as { context: Record<string, string> }).context)).toEqual([
      expect.objectContaining({
        action: 'bundles.upload',
        outcome: 'refused',
        actor: 'operator',
        target: '(submitted bundle)',
      }),
      expect.objectContaining({ action: 'bundles.upload', outcome: 'refused' }),
      expect.objectContaining({ action: 'bundles.verify', outcome: 'refused' }),
      expect.objectContaining({ action: 'bundles.verify', outcome: 'refused' }),
    ]);
  });

  it('authenticates and authorizes before reading the body (401, 403, not 413)', async () => {
    const anonymous = await post(`${url}/v1/admin/bundles/upload`, undefined, padded(LIMIT + 1024));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error?.code).toBe('server/unauthorized');
    const reader = await post(`${url}/v1/admin/bundles/upload`, 'reader', padded(LIMIT + 1024));
    expect(reader.status).toBe(403);
    expect(reader.body.error?.code).toBe('server/forbidden');
  });

  it('can be raised before serving with admin.configure, and refuses a bad value', async () => {
    server.admin.configure({ maxBundleBytes: 2 * LIMIT });
    try {
      const r = await post(`${url}/v1/admin/bundles/verify`, 'operator', padded(LIMIT + 1024));
      // Past the size check: now it is judged as a bundle.
      expect(r.status).toBe(422);
      expect(r.body.error?.code).toBe('bundle/malformed');
    } finally {
      server.admin.configure({ maxBundleBytes: LIMIT });
    }
    for (const bad of [0, LIMIT - 1, 64 * 1024 * 1024 + 1, 1.5, Number.NaN])
      expect(() => server.admin.configure({ maxBundleBytes: bad })).toThrow(
        /maxBundleBytes must be an integer from 65536 to 67108864/,
      );
  });

  it('is 8 MiB unless set, and a bad AdminOptions value stops the server from being created', async () => {
    expect(DEFAULT_MAX_BUNDLE_BYTES).toBe(8 * 1024 * 1024);
    await expect(
      createDecisionServer({ evidence: new MemorySink(), admin: { maxBundleBytes: 1024 } }),
    ).rejects.toMatchObject({ code: 'server/config' });
  });
});

describe('the bundle upload limit under rampart serve settings', () => {
  it('applies RAMPART_MAX_BUNDLE_BYTES to the admin API', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-bundle-limit-serve-'));
    const governancePath = join(dir, 'governance.yaml');
    await writeFile(governancePath, GOVERNANCE_TEXT);
    const key = 'rk_bundle_limit_test_0123456789abcdef';
    const config = join(dir, 'serve.yaml');
    await writeFile(
      config,
      [
        'evidence: { kind: memory }',
        'state: ./state',
        'governance: ./governance.yaml',
        `auth: { apiKeys: [{ id: ops, sha256: "${hashApiKey(key)}", scopes: [admin:read, bundles:activate] }] }`,
        'port: 0',
      ].join('\n'),
    );
    const started = await startServer(resolveServeConfig({ config }, { RAMPART_MAX_BUNDLE_BYTES: '64KiB' }));
    try {
      const over = await fetch(`${started.url}/v1/admin/bundles/upload`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: padded(LIMIT + 1),
      });
      expect(over.status).toBe(413);
      expect(((await over.json()) as { error: { code: string } }).error.code).toBe('server/body-too-large');
      const ok = await fetch(`${started.url}/v1/admin/bundles/upload`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: serializeBundle(v1),
      });
      expect(ok.status).toBe(200);
    } finally {
      await started.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
