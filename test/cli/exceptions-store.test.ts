/**
 * `rampart exceptions grant|revoke|list`: which store the flags name (an exceptions file, a state
 * directory, the shared PostgreSQL store of `activation: postgres` instances, or a serve config),
 * the usage errors, revoking from a file, and against real PostgreSQL: a change without Redis is
 * committed and warned about, an unreachable database or an empty activation state is refused with
 * exit 1. Propagation to running instances is in test/server/cluster/shared-exceptions.test.ts.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import {
  registerExceptions,
  resolveExceptionsStore,
  runExceptionsGrant,
  runExceptionsList,
  runExceptionsRevoke,
} from '../../src/cli/commands/exceptions.js';
import { UsageError } from '../../src/cli/exit.js';
import {
  openReadableStore,
  parseStoreLocation,
  queryRecords,
  verifyStore,
} from '../../src/evidence/index.js';
import { openSharedActivation } from '../../src/server/cluster/shared-activation.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from '../evidence/pg-probe.js';
import { GOVERNANCE_TEXT, gina, governance, v1 } from '../server/admin-fixture.js';
import { captureIo } from '../support/capture-io.js';
import { ensureBuilt, runCli } from '../support/cli.js';

const available = await pgAvailable();
const inCi = Boolean(process.env.CI);

describe('PostgreSQL for the exceptions command tests', () => {
  it.runIf(inCi)('is reachable when CI=true', () => {
    expect(available).toBe(true);
  });
});

let dir: string;
let files: { governance: string; key: string; bundle: string };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-exstore-'));
  files = {
    governance: join(dir, 'governance.yaml'),
    key: join(dir, 'gina.key'),
    bundle: join(dir, 'v1.bundle.json'),
  };
  await writeFile(files.governance, GOVERNANCE_TEXT);
  await writeFile(files.key, (gina as NonNullable<typeof gina>).pem);
  await writeFile(files.bundle, serializeBundle(v1));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveExceptionsStore', () => {
  it.each<[string, Parameters<typeof resolveExceptionsStore>[0], RegExp]>([
    ['no store', { governance: '/g' }, /give --file <exceptions.json>, --bundle/],
    [
      '--file with --database',
      { file: 'x.json', database: 'postgres://db/x', governance: '/g' },
      /--file names/,
    ],
    [
      '--bundle with --database',
      { bundle: 'b.json', database: 'postgres://db/x', governance: '/g' },
      /--bundle does not go/,
    ],
    ['--schema alone', { schema: 's', file: 'x.json' }, /--file names/],
    ['--schema without --database', { schema: 's', governance: '/g' }, /--schema only go with --database/],
    [
      '--redis without --database',
      { redis: 'redis://r', governance: '/g' },
      /--redis only go with --database/,
    ],
    [
      'two stores',
      { state: '/s', database: 'postgres://db/x', governance: '/g' },
      /name two activation stores/,
    ],
    ['not a postgres URL', { database: 'mysql://db', governance: '/g' }, /--database must be a postgres/],
    [
      'not a redis URL',
      { database: 'postgres://db/x', redis: 'http://r', governance: '/g' },
      /--redis must be/,
    ],
    [
      'no governance for a shared store',
      { database: 'postgres://db/x' },
      /-g\/--governance <file> is required/,
    ],
    ['no governance for a file', { file: 'x.json' }, /-g\/--governance <file> is required/],
  ])('refuses %s as a usage error', (_name, opts, message) => {
    expect(() => resolveExceptionsStore(opts, {})).toThrow(UsageError);
    expect(() => resolveExceptionsStore(opts, {})).toThrow(message);
  });

  it('names a file, a state directory or the shared store', () => {
    expect(resolveExceptionsStore({ bundle: '/b/v1.json', governance: '/g' }, {})).toEqual({
      kind: 'file',
      path: '/b/exceptions.json',
      governance: '/g',
    });
    expect(resolveExceptionsStore({ state: '/st', governance: '/g' }, {})).toEqual({
      kind: 'file',
      path: '/st/exceptions.json',
      governance: '/g',
    });
    expect(
      resolveExceptionsStore(
        {
          database: 'postgres://db/x',
          schema: 's1',
          redis: 'redis://r',
          redisPrefix: 'p:',
          governance: '/g',
        },
        {},
      ),
    ).toEqual({
      kind: 'shared',
      governance: '/g',
      postgres: { database: 'postgres://db/x', schema: 's1', redis: 'redis://r', prefix: 'p:' },
    });
    // Revoking needs no governance, whatever the store.
    expect(resolveExceptionsStore({ database: 'postgres://db/x' }, {}, false)).toMatchObject({
      kind: 'shared',
    });
    expect(resolveExceptionsStore({ state: '/st' }, {}, false)).toEqual({
      kind: 'file',
      path: '/st/exceptions.json',
    });
  });

  it('reads a serve config (flag or RAMPART_CONFIG) as rampart activate does', async () => {
    const config = join(dir, 'cluster.yaml');
    await writeFile(
      config,
      'activation: postgres\nevidence: { kind: postgres, url: "postgres://file/db", schema: fromfile }\nredis: redis://file:6379\ngovernance: g.yaml\n',
    );
    const want = {
      kind: 'shared',
      governance: join(dir, 'g.yaml'),
      postgres: { database: 'postgres://file/db', schema: 'fromfile', redis: 'redis://file:6379' },
    };
    expect(resolveExceptionsStore({ config }, {})).toEqual(want);
    expect(resolveExceptionsStore({}, { RAMPART_CONFIG: config })).toEqual(want);
    // An explicit file wins over the environment.
    expect(
      resolveExceptionsStore({ file: 'x.json', governance: '/g' }, { RAMPART_CONFIG: config }),
    ).toMatchObject({
      kind: 'file',
    });
  });
});

describe('exceptions in a file', () => {
  it('grants into a state directory, revokes by id, and refuses an unknown id or a damaged file', async () => {
    const state = join(dir, 'state');
    const evidence = join(dir, 'evidence.db');
    await mkdir(state);
    const c = captureIo();
    const grant = {
      state,
      evidence,
      governance: files.governance,
      key: files.key,
      rule: ['block-ssn-output'],
      scope: 'tenant=acme',
      expires: '2h',
      reason: 'incident 42',
    };
    // A state directory holds no bundle: the rules come from --bundle.
    await expect(runExceptionsGrant(grant, c.io)).rejects.toThrow(/-b\/--bundle <file> is required/);
    expect(await runExceptionsGrant({ ...grant, bundle: files.bundle }, c.io)).toBe(0);
    const id = /granted (ex-[0-9a-f]{12})/.exec(c.out())?.[1] as string;
    expect(c.out()).toContain(join(state, 'exceptions.json'));
    const c2 = captureIo();
    expect(await runExceptionsList({ state, governance: files.governance, json: true }, c2.io)).toBe(0);
    expect(JSON.parse(c2.out()).grants).toHaveLength(1);

    await expect(runExceptionsRevoke(id, { state, reason: ' ' }, c.io)).rejects.toThrow(
      /--reason is required/,
    );
    const c3 = captureIo();
    expect(await runExceptionsRevoke(id, { state, evidence, reason: 'closed', actor: 'gina' }, c3.io)).toBe(
      0,
    );
    expect(c3.out()).toContain(`revoked ${id} by gina: closed`);
    const file = JSON.parse(await readFile(join(state, 'exceptions.json'), 'utf8'));
    expect(file).toEqual({ format: 'rampart.exceptions/v1', grants: [] });
    const c4 = captureIo();
    expect(await runExceptionsRevoke(id, { state, evidence, reason: 'again' }, c4.io)).toBe(1);
    expect(c4.err()).toContain('exception/not-found');

    await writeFile(join(state, 'exceptions.json'), '{not json');
    const c5 = captureIo();
    expect(await runExceptionsRevoke(id, { state, evidence, reason: 'r' }, c5.io)).toBe(1);
    expect(c5.err()).toContain('exception/invalid');
    // Each attempt after the usage checks is one chained admin record; the store verifies.
    const store = await openReadableStore(parseStoreLocation(evidence));
    try {
      const recs = await queryRecords(store, { point: 'admin', order: 'asc' });
      expect(recs.map((r) => r.context)).toMatchObject([
        { action: 'exceptions.grant', target: id, outcome: 'ok' },
        { action: 'exceptions.revoke', target: id, outcome: 'ok', actor: 'gina' },
        { action: 'exceptions.revoke', target: id, outcome: 'refused', code: 'exception/not-found' },
        { action: 'exceptions.revoke', target: id, outcome: 'refused', code: 'exception/invalid' },
      ]);
      expect((await verifyStore(store)).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
});

describe('exceptions in PostgreSQL without a database', () => {
  it('an unreachable database is unavailable, exit 1', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    const c = captureIo();
    const database = `postgres://postgres@127.0.0.1:${port}/test`;
    expect(await runExceptionsRevoke('ex-0', { database, reason: 'r' }, c.io)).toBe(1);
    expect(c.err()).toMatch(/^unavailable: .*source\/fetch-failed/);
  });
});

describe.skipIf(!available && !inCi)('exceptions in PostgreSQL (real PostgreSQL, no Redis given)', () => {
  const schema = uniqueSchema('exstorecli');
  afterAll(async () => {
    await dropSchemas([schema]);
  });

  it('refuses a grant while no bundle is active; with one, commits, warns that nothing was announced, and lists it', async () => {
    const flags = { database: PG_URL, schema, governance: files.governance };
    const grant = {
      ...flags,
      // The admin audit records go to a SQLite file here: PostgreSQL evidence from the CLI keeps its
      // keys in ./.rampart, which would land in the repository.
      evidence: join(dir, 'evidence-pg.db'),
      key: files.key,
      rule: ['block-ssn-output'],
      scope: 'tenant=acme',
      expires: '2h',
      reason: 'incident 42',
    };
    const c = captureIo();
    expect(await runExceptionsGrant(grant, c.io)).toBe(1);
    expect(c.err()).toContain('refused: exception/unknown-rule');

    const shared = await openSharedActivation({ database: PG_URL, schema, governance });
    await shared.store.activate(serializeBundle(v1), { actor: 'alice', reason: 'test' });
    await shared.close();
    const c2 = captureIo();
    expect(await runExceptionsGrant(grant, c2.io)).toBe(0);
    expect(c2.out()).toMatch(
      /granted ex-[0-9a-f]{12}: .* → postgres schema rampart_test_exstorecli_\S+ revision 1/,
    );
    expect(c2.err()).toMatch(/^warning: revision 1 committed but not announced \(no Redis given\)/);
    const c3 = captureIo();
    expect(await runExceptionsList(flags, c3.io)).toBe(0);
    expect(c3.out()).toMatch(/ex-[0-9a-f]{12} {2}block-ssn-output {2}tenant=acme {2}critical/);
  });
});

describe('--help', () => {
  it.each(['grant', 'revoke', 'list'])('exceptions %s documents every store and the exit codes', (name) => {
    const program = new Command();
    registerExceptions(program);
    const cmd = program.commands
      .find((c) => c.name() === 'exceptions')
      ?.commands.find((c) => c.name() === name);
    const help = `${cmd?.helpInformation() ?? ''}`;
    for (const flag of [
      '--state <dir>',
      '--database <url>',
      '--schema <name>',
      '--redis <url>',
      '--redis-prefix <p>',
      '--config <file>',
      '-g, --governance <file>',
    ])
      expect(help).toContain(flag);
  });
});

describe('the built rampart CLI', () => {
  beforeAll(ensureBuilt, 300_000);

  it('exits 2 on a store usage error and 1 on an unreachable database, as rampart activate does', async () => {
    const usage = runCli(['exceptions', 'revoke', 'ex-0', '--schema', 's', '--reason', 'r']);
    expect([usage.code, usage.err]).toEqual([2, expect.stringContaining('--schema only go with --database')]);
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await new Promise<void>((r) => s.close(() => r()));
    const down = runCli([
      'exceptions',
      'revoke',
      'ex-0',
      '--database',
      `postgres://postgres@127.0.0.1:${port}/test`,
      '--reason',
      'r',
    ]);
    expect([down.code, down.err]).toEqual([1, expect.stringMatching(/^unavailable: .*source\/fetch-failed/)]);
  });
});
