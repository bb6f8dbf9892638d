/**
 * `rampart activate` / `rampart rollback`: which activation store the flags name (a state directory,
 * PostgreSQL, or a serve config file), the usage errors, the state-directory round trip, and the
 * --help text. The PostgreSQL store itself is exercised in activate-postgres.test.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import {
  registerActivate,
  resolveTarget,
  runActivate,
  type StateCommandOptions,
} from '../../src/cli/commands/activate.js';
import { registerRollback, runRollback } from '../../src/cli/commands/rollback.js';
import { UsageError } from '../../src/cli/exit.js';
import {
  openReadableStore,
  parseStoreLocation,
  queryRecords,
  verifyStore,
} from '../../src/evidence/index.js';
import { bundleFromText, governanceYaml, makeKeys, POLICY_TEXT, signAll } from '../bundle/bundle-fixtures.js';
import { captureIo } from '../support/capture-io.js';

const KEYS = makeKeys(['alice', 'bob']);

let dir: string;
let governance: string;
let v1: string;
let v2: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-cli-activate-'));
  governance = join(dir, 'governance.yaml');
  await writeFile(governance, governanceYaml(KEYS, { required: 2, loosening: 2 }));
  v1 = join(dir, 'v1.json');
  v2 = join(dir, 'v2.json');
  await writeFile(v1, serializeBundle(signAll(bundleFromText(POLICY_TEXT, { version: '1.0.0' }), KEYS)));
  await writeFile(v2, serializeBundle(signAll(bundleFromText(POLICY_TEXT, { version: '2.0.0' }), KEYS)));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('choosing the activation store', () => {
  it.each<[string, StateCommandOptions, RegExp]>([
    [
      'two stores',
      { state: '/s', database: 'postgres://db/x', governance: '/g' },
      /--state and --database name two activation stores/,
    ],
    [
      'three stores',
      { state: '/s', database: 'postgres://db/x', config: '/c' },
      /--state and --database and --config/,
    ],
    ['no store', { governance: '/g' }, /give the activation store: --state <dir>, --database <url>/],
    ['--schema alone', { state: '/s', schema: 'x', governance: '/g' }, /--schema only go with --database/],
    [
      '--redis alone',
      { state: '/s', redis: 'redis://r', redisPrefix: 'p:', governance: '/g' },
      /--redis, --redis-prefix only go/,
    ],
    [
      'not a postgres URL',
      { database: 'mysql://db', governance: '/g' },
      /--database must be a postgres:\/\/ connection URL/,
    ],
    [
      'not a redis URL',
      { database: 'postgres://db', redis: 'http://r', governance: '/g' },
      /--redis must be a redis:\/\//,
    ],
    ['no governance', { database: 'postgres://db' }, /-g\/--governance <file> is required/],
    ['no governance (state)', { state: '/s' }, /-g\/--governance <file> is required/],
  ])('refuses %s', (_name, opts, message) => {
    expect(() => resolveTarget(opts, {})).toThrow(UsageError);
    expect(() => resolveTarget(opts, {})).toThrow(message);
  });

  it('takes --database with its schema and Redis as given', () => {
    expect(
      resolveTarget(
        {
          database: 'postgresql://db/x',
          schema: 's1',
          redis: 'rediss://r:6380',
          redisPrefix: 'p:',
          governance: '/g',
        },
        {},
      ),
    ).toEqual({
      governance: '/g',
      postgres: { database: 'postgresql://db/x', schema: 's1', redis: 'rediss://r:6380', prefix: 'p:' },
    });
  });

  it('reads an activation: postgres serve config, with RAMPART_* variables winning as for serve', async () => {
    const config = join(dir, 'cluster.yaml');
    await writeFile(
      config,
      'activation: postgres\nevidence: { kind: postgres, url: "postgres://file/db", schema: fromfile }\nredis: redis://file:6379\ngovernance: g.yaml\n',
    );
    expect(resolveTarget({ config }, { RAMPART_REDIS_URL: 'redis://env:6379' })).toEqual({
      governance: join(dir, 'g.yaml'),
      postgres: { database: 'postgres://file/db', schema: 'fromfile', redis: 'redis://env:6379' },
    });
    // RAMPART_CONFIG names the file when no store flag is given; -g overrides its governance.
    expect(resolveTarget({ governance: '/mine.yaml' }, { RAMPART_CONFIG: config }).governance).toBe(
      '/mine.yaml',
    );
  });

  it('reads a state-directory serve config', async () => {
    const config = join(dir, 'state.yaml');
    await writeFile(config, 'state: st\ngovernance: g.yaml\n');
    expect(resolveTarget({ config }, {})).toEqual({
      governance: join(dir, 'g.yaml'),
      state: join(dir, 'st'),
    });
  });

  it('refuses a config that names no store, or one serve itself would refuse', async () => {
    const plain = join(dir, 'plain.yaml');
    await writeFile(plain, 'port: 8181\n');
    expect(() => resolveTarget({ config: plain, governance: '/g' }, {})).toThrow(/names no activation store/);
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'activation: postgres\n');
    expect(() => resolveTarget({ config: broken, governance: '/g' }, {})).toThrow(UsageError);
    expect(() => resolveTarget({ config: join(dir, 'absent.yaml') }, {})).toThrow(/cannot read config file/);
  });
});

describe('activate and rollback on a state directory', () => {
  it('activates, rolls back, lists and withdraws, recording who and why', async () => {
    const state = join(dir, 'state');
    const evidence = join(dir, 'evidence.db');
    const opts = { state, governance, actor: 'alice', evidence };
    const a = captureIo();
    expect(await runActivate(v1, { ...opts, reason: 'first' }, a.io, {})).toBe(0);
    expect(a.out()).toMatch(
      /^activated \S+@1\.0\.0 sha256:[0-9a-f]{64} \(signed by alice, bob\) → .*active\.json\n$/,
    );
    expect(a.err()).toBe('');
    expect(await runActivate(v2, { ...opts, reason: 'second' }, captureIo().io, {})).toBe(0);
    const s = captureIo();
    expect(await runActivate(v1, { ...opts, reason: 'try', shadow: true }, s.io, {})).toBe(0);
    expect(s.out()).toMatch(/staged .* in shadow .*candidate\.json/);
    const w = captureIo();
    expect(await runRollback({ ...opts, withdraw: true, reason: 'enough' }, w.io, {})).toBe(0);
    expect(w.out()).toBe('withdrew the staged shadow/rollout candidate\n');
    const r = captureIo();
    expect(await runRollback({ ...opts, to: '1.0.0', reason: 'back' }, r.io, {})).toBe(0);
    expect(r.out()).toMatch(/^rolled back to \S+@1\.0\.0 /);
    const l = captureIo();
    expect(await runRollback({ ...opts, list: true }, l.io, {})).toBe(0);
    expect(l.out()).toMatch(/^\* 1\.0\.0 /m);
    expect(l.out()).toMatch(/rollback 1\.0\.0 .* by alice: back/);
    // Each change is also one chained admin record (listing is not); the store verifies.
    const store = await openReadableStore(parseStoreLocation(evidence));
    try {
      const recs = await queryRecords(store, { point: 'admin', order: 'asc' });
      expect(
        recs.map((r) => [(r.context as { action: string }).action, (r.context as { actor: string }).actor]),
      ).toEqual([
        ['bundles.activate', 'alice'],
        ['bundles.activate', 'alice'],
        ['bundles.shadow', 'alice'],
        ['bundles.withdraw', 'alice'],
        ['bundles.rollback', 'alice'],
      ]);
      expect((await verifyStore(store)).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('refuses a bundle that does not verify, with its code and exit 1', async () => {
    const state = join(dir, 'state-refused');
    const under = join(dir, 'under.json');
    await writeFile(
      under,
      serializeBundle(
        signAll(bundleFromText(POLICY_TEXT, { version: '3.0.0' }), [KEYS[0] as (typeof KEYS)[0]]),
      ),
    );
    const c = captureIo();
    const evidence = join(dir, 'evidence-refused.db');
    expect(await runActivate(under, { state, governance, reason: 'x', evidence }, c.io, {})).toBe(1);
    expect(c.err()).toMatch(/^refused: .*bundle\/under-signed/);
    const store = await openReadableStore(parseStoreLocation(evidence));
    try {
      const recs = await queryRecords(store, { point: 'admin' });
      expect(recs.map((r) => r.context)).toMatchObject([
        { action: 'bundles.activate', outcome: 'refused', code: 'bundle/under-signed', actorKind: 'cli' },
      ]);
    } finally {
      await store.close();
    }
  });

  it.each([
    [{}, /give --to/],
    [{ to: '1.0.0' }, /--reason is required/],
    [{ withdraw: true }, /--reason is required/],
    [{ to: '1.0.0', list: true, reason: 'x' }, /--list and --to cannot be combined/],
    [{ withdraw: true, list: true, reason: 'x' }, /--list and --withdraw cannot be combined/],
  ])('rollback refuses %j', async (extra, message) => {
    await expect(runRollback({ state: '/s', governance, ...extra }, captureIo().io, {})).rejects.toThrow(
      message,
    );
  });

  it('activate needs --reason', async () => {
    await expect(runActivate(v1, { state: '/s', governance }, captureIo().io, {})).rejects.toThrow(
      /--reason is required/,
    );
  });
});

describe('--help', () => {
  it.each([
    ['activate', registerActivate],
    ['rollback', registerRollback],
  ])('%s documents every store and the exit codes', (name, register) => {
    const program = new Command();
    register(program);
    const help = program.commands.find((c) => c.name() === name)?.helpInformation() ?? '';
    const after = '--database <url>';
    expect(help).toContain('--state <dir>');
    expect(help).toContain(after);
    expect(help).toContain('--schema <name>');
    expect(help).toContain('--redis <url>');
    expect(help).toContain('--redis-prefix <p>');
    expect(help).toContain('--config <file>');
    expect(help).toContain('-g, --governance <file>');
  });
});
