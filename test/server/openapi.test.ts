import { describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT } from '../../src/server/index.js';
import { ROUTES } from '../../src/server/server.js';
import { SPIKE_ROUTES } from '../../src/server/spike/admin-routes.js';
import { startTestServer } from './test-server.js';

const paths = OPENAPI_DOCUMENT.paths as Record<
  string,
  Record<string, { responses: Record<string, unknown> }>
>;

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1', () => {
    expect(OPENAPI_DOCUMENT.openapi).toBe('3.1.0');
  });

  it('describes every route the server has, with its method (incl. the spike routes `rampart serve` adds)', () => {
    const routes = { ...ROUTES, ...SPIKE_ROUTES, '/v1/decide/{point}': 'POST' };
    for (const [path, method] of Object.entries(routes)) {
      expect(paths[path], path).toBeDefined();
      expect(paths[path]?.[method.toLowerCase()], `${method} ${path}`).toBeDefined();
    }
    expect(Object.keys(paths).sort()).toEqual(Object.keys(routes).sort());
  });

  it('resolves every $ref', () => {
    const schemas = OPENAPI_DOCUMENT.components.schemas as Record<string, unknown>;
    const refs = JSON.stringify(OPENAPI_DOCUMENT).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs)
      expect(schemas[ref.slice('"#/components/schemas/'.length, -1)], ref).toBeDefined();
  });

  it('is served at /openapi.json', async () => {
    const t = await startTestServer();
    try {
      const res = await fetch(`${t.url}/openapi.json`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    } finally {
      await t.close();
    }
  });
});
