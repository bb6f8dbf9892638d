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
    expect(c.evidence).toEqual({ kind: 'sqlite', path: join('.rampart', 'evidence.db'), fsync: true });
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
    expect(fromFile.evidence).toEqual({ kind: 'jsonl', path: join(dir, 'ev.jsonl'), fsync: true });
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
    [
      {},
      { RAMPART_EVIDENCE_FSYNC: 'sometimes' },
      /RAMPART_EVIDENCE_FSYNC or evidence.fsync\) must be true or false/,
    ],
  ])('refuses %j %j', (flags, env, message) => {
    expect(() => resolveServeConfig(flags, env)).toThrow(message);
  });

  it.each([
    [{}, true],
    [{ RAMPART_EVIDENCE_FSYNC: 'false' }, false],
    [{ RAMPART_EVIDENCE_FSYNC: '0' }, false],
    [{ RAMPART_EVIDENCE_FSYNC: 'true' }, true],
  ])('evidence fsync from %j is %s', (env, fsync) => {
    expect(resolveServeConfig({}, env).evidence.fsync).toBe(fsync);
  });

  it('evidence fsync from the config file, overridden by the environment', () => {
    const file = join(dir, 'nofsync.yaml');
    writeFileSync(file, 'evidence: { kind: sqlite, fsync: false }\n');
    expect(resolveServeConfig({ config: file }, {}).evidence.fsync).toBe(false);
    expect(resolveServeConfig({ config: file }, { RAMPART_EVIDENCE_FSYNC: 'true' }).evidence.fsync).toBe(
      true,
    );
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

describe('limits.maxBundleBytes (admin bundle upload limit)', () => {
  it('is unset by default (the admin API then allows 8 MiB)', () => {
    expect(resolveServeConfig({}, {}).limits.maxBundleBytes).toBeUndefined();
  });

  it.each([
    [1048576, 1048576],
    ['1048576', 1048576],
    ['512KiB', 512 * 1024],
    ['16MiB', 16 * 1024 * 1024],
    ['64 KiB', 64 * 1024],
    ['64MiB', 64 * 1024 * 1024],
  ])('reads %j from the config file as %i bytes', (value, bytes) => {
    const file = join(dir, `limits-${String(value).replace(/\W/g, '')}.yaml`);
    writeFileSync(file, `limits: { maxBundleBytes: ${JSON.stringify(value)} }\n`);
    expect(resolveServeConfig({ config: file }, {}).limits.maxBundleBytes).toBe(bytes);
  });

  it('takes RAMPART_MAX_BUNDLE_BYTES over the file, keeping the other limits', () => {
    const file = join(dir, 'limits-both.yaml');
    writeFileSync(file, 'limits: { maxBundleBytes: 1048576, maxBatch: 7 }\n');
    const c = resolveServeConfig({ config: file }, { RAMPART_MAX_BUNDLE_BYTES: '2MiB' });
    expect(c.limits).toEqual({ maxBundleBytes: 2 * 1024 * 1024, maxBatch: 7 });
  });

  it.each([
    ['1KiB', /RAMPART_MAX_BUNDLE_BYTES: must be between 65536 and 67108864 bytes, got 1024/],
    ['65MiB', /must be between 65536 and 67108864 bytes, got 68157440/],
    ['8 GB', /must be a size in bytes \(e\.g\. 8388608, "512KiB", "16MiB"\), got "8 GB"/],
    ['-1', /must be a size in bytes/],
    ['', /must be a size in bytes/],
  ])('refuses RAMPART_MAX_BUNDLE_BYTES=%j with server/config', (value, message) => {
    let error: unknown;
    try {
      resolveServeConfig({}, { RAMPART_MAX_BUNDLE_BYTES: value });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'server/config' });
    expect((error as Error).message).toMatch(message);
  });

  it('names the file setting when the file value is bad', () => {
    const file = join(dir, 'limits-bad.yaml');
    writeFileSync(file, 'limits: { maxBundleBytes: 1.5 }\n');
    expect(() => resolveServeConfig({ config: file }, {})).toThrow(
      /^limits\.maxBundleBytes: must be a size in bytes/,
    );
  });
});
