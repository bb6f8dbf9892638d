import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bracketsAtMost } from '../../src/server/body.js';
import { jsonDepth } from '../../src/server/index.js';
import { REQUESTS, startTestServer, type TestServer } from './test-server.js';

/** Sends raw bytes and returns what the server answered before closing. */
function raw(url: string, bytes: string, waitMs = 3000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let out = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(out);
    }, waitMs);
    socket.on('data', (d) => {
      out += d.toString();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('hostile input', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      limits: {
        maxBodyBytes: 4096,
        maxJsonDepth: 8,
        headersTimeoutMs: 300,
        requestTimeoutMs: 600,
        timeoutCheckIntervalMs: 100,
      },
    });
  });
  afterAll(() => t.close());

  const deep = `${'['.repeat(9)}${']'.repeat(9)}`;
  const cases: {
    name: string;
    method?: string;
    path: string;
    type?: string;
    body?: string;
    status: number;
    code: string;
  }[] = [
    {
      name: 'bad JSON',
      path: '/v1/decide/input',
      body: '{"principal":',
      status: 400,
      code: 'server/bad-json',
    },
    { name: 'empty body', path: '/v1/decide/input', body: '', status: 400, code: 'server/bad-json' },
    { name: 'too deep', path: '/v1/decide/input', body: deep, status: 400, code: 'server/too-deep' },
    { name: 'unknown route', path: '/v2/anything', body: '{}', status: 404, code: 'server/not-found' },
    {
      name: 'unknown point',
      path: '/v1/decide/elsewhere',
      body: '{}',
      status: 404,
      code: 'server/not-found',
    },
    {
      name: 'wrong method',
      method: 'GET',
      path: '/v1/decide/input',
      status: 405,
      code: 'server/method-not-allowed',
    },
    { name: 'POST to healthz', path: '/healthz', body: '{}', status: 405, code: 'server/method-not-allowed' },
    {
      name: 'not JSON media type',
      path: '/v1/decide/input',
      type: 'text/plain',
      body: '{}',
      status: 415,
      code: 'server/unsupported-media-type',
    },
    {
      name: 'form media type',
      path: '/v1/scan',
      type: 'application/x-www-form-urlencoded',
      body: 'a=b',
      status: 415,
      code: 'server/unsupported-media-type',
    },
    {
      name: 'body too large',
      path: '/v1/decide/input',
      body: JSON.stringify({ pad: 'x'.repeat(5000) }),
      status: 413,
      code: 'server/body-too-large',
    },
    {
      name: 'array instead of object',
      path: '/v1/decide/input',
      body: '[]',
      status: 422,
      code: 'server/invalid-request',
    },
    {
      name: 'no principal',
      path: '/v1/decide/input',
      body: '{"input":{"text":"hi"}}',
      status: 422,
      code: 'server/invalid-request',
    },
    {
      name: 'missing point member',
      path: '/v1/decide/output',
      body: JSON.stringify({ principal: { id: 'u' } }),
      status: 422,
      code: 'server/invalid-request',
    },
    {
      name: 'tool args not an object',
      path: '/v1/decide/tool',
      body: JSON.stringify({ principal: { id: 'u' }, tool: { name: 't', args: [1] } }),
      status: 422,
      code: 'server/invalid-request',
    },
    {
      name: 'batch without requests',
      path: '/v1/decide',
      body: '{"request":[]}',
      status: 422,
      code: 'server/invalid-request',
    },
    {
      name: 'scan without text',
      path: '/v1/scan',
      body: '{"text":42}',
      status: 422,
      code: 'server/invalid-request',
    },
    {
      name: 'redact with non-list detectors',
      path: '/v1/redact',
      body: '{"text":"a","detectors":"pii"}',
      status: 422,
      code: 'server/invalid-request',
    },
  ];

  it.each(cases)('$name → $status $code', async (c) => {
    const res = await fetch(`${t.url}${c.path}`, {
      method: c.method ?? 'POST',
      headers: { 'content-type': c.type ?? 'application/json' },
      ...(c.method === 'GET' ? {} : { body: c.body ?? '' }),
    });
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe(c.code);
    expect(body.error.message).toEqual(expect.any(String));
    expect(body.error.message).not.toMatch(/\n\s+at /);
  });

  it('refuses a chunked body that grows past the limit', async () => {
    const answer = await raw(
      t.url,
      'POST /v1/decide/input HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n' +
        `1400\r\n${'x'.repeat(0x1400)}\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer).toContain('"code":"server/body-too-large"');
  });

  it('answers malformed HTTP with 400 and a stable code', async () => {
    const answer = await raw(t.url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(answer).toContain('"code":"server/bad-http"');
  });

  it('times out a client that never finishes its headers', async () => {
    const answer = await raw(t.url, 'POST /v1/decide/input HTTP/1.1\r\nhost: x\r\n', 5000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"code":"server/timeout"');
  });

  it('keeps serving after all of the above', async () => {
    const res = await fetch(`${t.url}/v1/decide/input`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(REQUESTS.customerQuestion),
    });
    expect(res.status).toBe(200);
  });
});

describe('bracketsAtMost', () => {
  it('never lets a body deeper than the limit through (the exact scan is only skipped when safe)', () => {
    const json = fc.oneof(
      fc.json({ depthSize: 'large' }),
      fc.integer({ min: 0, max: 90 }).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
    );
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 70 }), (text, limit) => {
        if (bracketsAtMost(text, limit)) expect(jsonDepth(text)).toBeLessThanOrEqual(limit);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['{}', 1, true],
    ['{"a":[{}]}', 2, false],
    ['{"a":"[[["}', 1, false],
    ['42', 0, true],
  ])('%s within %i brackets: %s', (text, limit, within) => {
    expect(bracketsAtMost(text, limit)).toBe(within);
  });
});

describe('jsonDepth', () => {
  it.each([
    ['{}', 1],
    ['[[[]]]', 3],
    ['{"a":"[[[[["}', 1],
    ['{"a":"\\"[[["}', 1],
    ['[{"a":[1,{"b":[]}]}]', 5],
    ['42', 0],
  ])('%s has depth %i', (text, depth) => {
    expect(jsonDepth(text)).toBe(depth);
  });
});
