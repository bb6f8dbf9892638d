import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_DIR, hashApiKey, resolveServeConfig } from '../../src/server/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-serve-config-'));

describe('resolveServeConfig', () => {
  it('needs no configuration', () => {
    const c = resolveServeConfig({}, {});
    expect(c.policyDir).toBe(DEFAULT_POLICY_DIR);
    expect(c.port).toBe(8181);
    expect(c.host).toBe('127.0.0.1');
    expect(c.evidence).toEqual({ kind: 'sqlite', path: join('.rampart', 'evidence.db') });
    expect(c.auth).toEqual({});
  });

  it('reads a config file, overridden by environment, overridden by flags', () => {
    const file = join(dir, 'serve.yaml');
    writeFileSync(
      file,
      'port: 9000\nhost: 127.0.0.2\npolicy: ./policy\nevidence: { kind: jsonl, path: ./ev.jsonl }\n',
    );
    const fromFile = resolveServeConfig({ config: file }, {});
    expect(fromFile).toMatchObject({ port: 9000, host: '127.0.0.2', policyDir: join(dir, 'policy') });
    expect(fromFile.evidence).toEqual({ kind: 'jsonl', path: join(dir, 'ev.jsonl') });
    const fromEnv = resolveServeConfig(
      { config: file },
      { RAMPART_PORT: '9100', RAMPART_EVIDENCE: 'memory' },
    );
    expect(fromEnv.port).toBe(9100);
    expect(fromEnv.evidence.kind).toBe('memory');
    expect(resolveServeConfig({ config: file, port: '9200' }, { RAMPART_PORT: '9100' }).port).toBe(9200);
  });

  it.each([
    [{ port: 'eighty' }, {}, /port must be an integer/],
    [{ port: '70000' }, {}, /port must be an integer/],
    [{ evidence: 'mysql' }, {}, /evidence must be one of/],
    [{ evidence: 'postgres' }, {}, /RAMPART_DATABASE_URL/],
    [{ host: '0.0.0.0' }, {}, /loopback only/],
    [{ config: join(dir, 'missing.yaml') }, {}, /cannot read config file/],
    [{ state: join(dir, 'state') }, {}, /needs the trusted governance file/],
  ])('refuses %j %j', (flags, env, message) => {
    expect(() => resolveServeConfig(flags, env)).toThrow(message);
  });

  it('refuses unknown keys in the config file', () => {
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, 'prot: 9000\n');
    expect(() => resolveServeConfig({ config: file }, {})).toThrow(/unknown key `prot`/);
  });

  it('allows a non-loopback host once API keys are configured', () => {
    const keys = join(dir, 'keys.json');
    writeFileSync(
      keys,
      JSON.stringify({ apiKeys: [{ id: 'svc', sha256: hashApiKey('k'), scopes: ['decide'] }] }),
    );
    const c = resolveServeConfig({ host: '0.0.0.0' }, { RAMPART_API_KEYS_FILE: keys });
    expect(c.host).toBe('0.0.0.0');
    expect(c.auth.apiKeys).toHaveLength(1);
  });

  it('configures JWT from the environment', () => {
    const c = resolveServeConfig(
      {},
      { RAMPART_JWT_SECRET: 's'.repeat(32), RAMPART_JWT_ISSUER: 'iss', RAMPART_JWT_AUDIENCE: 'aud' },
    );
    expect(c.auth.jwt).toEqual({ secret: 's'.repeat(32), issuer: 'iss', audience: 'aud' });
  });
});
