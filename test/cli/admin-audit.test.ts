/**
 * CLI admin actions leave chained admin audit records (src/cli/admin-audit.ts): where the records go
 * (as `rampart serve` of the same configuration would put them), one record per `activate`,
 * shadow/rollout, `rollback` (--to, --withdraw), `exceptions grant|revoke`, with the actor, target,
 * outcome and refusal code; the store still verifies; an audit log that cannot be opened stops the
 * action; a record that fails after the action says so and exits 1; the CLI writes beside a running
 * server holding stream `admin` (another process); and PostgreSQL evidence in the --database schema.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import {
  type AuditFlags,
  CLI_PG_STREAM,
  CliAudit,
  cliCaller,
  describeAuditEvidence,
  recordDone,
  recordRefused,
  refusalOf,
  resolveAuditEvidence,
} from '../../src/cli/admin-audit.js';
import { registerActivate, runActivate } from '../../src/cli/commands/activate.js';
import {
  registerExceptions,
  runExceptionsGrant,
  runExceptionsRevoke,
} from '../../src/cli/commands/exceptions.js';
import { runLogsVerify } from '../../src/cli/commands/logs.js';
import { registerRollback, runRollback } from '../../src/cli/commands/rollback.js';
import { UsageError } from '../../src/cli/exit.js';
import {
  type DecisionRecord,
  openReadableStore,
  parseStoreLocation,
  queryRecords,
  verifyStore,
} from '../../src/evidence/index.js';
import { ServerError } from '../../src/server/errors.js';
import { bundleFromText, POLICY_TEXT, signAll } from '../bundle/bundle-fixtures.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from '../evidence/pg-probe.js';
import { GOVERNANCE_TEXT, gina, keys, v1 } from '../server/admin-fixture.js';
import { runRampart, spawnServe, waitForOutput } from '../server/serve-process.js';
import { captureIo } from '../support/capture-io.js';

const available = await pgAvailable();
const inCi = Boolean(process.env.CI);

/** Admin records of a store location, oldest first. */
async function adminRecords(location: string, schema?: string): Promise<DecisionRecord[]> {
  const store = await openReadableStore(parseStoreLocation(location), schema ? { schema } : {});
  try {
    return await queryRecords(store, { point: 'admin', order: 'asc' });
  } finally {
    await store.close();
  }
}

async function verified(location: string, schema?: string) {
  const store = await openReadableStore(parseStoreLocation(location), schema ? { schema } : {});
  try {
    return await verifyStore(store);
  } finally {
    await store.close();
  }
}

const ctx = (r: DecisionRecord) => r.context as Record<string, unknown>;

/** A third release of the same rules (nothing loosened), signed by two approvers. */
const v3 = signAll(bundleFromText(POLICY_TEXT, { version: '2026.11.27-1' }), keys.slice(0, 2));
/** Signed by one approver where governance wants two. */
const under = signAll(bundleFromText(POLICY_TEXT, { version: '2026.11.28-1' }), keys.slice(0, 1));

let dir: string;
let files: { governance: string; key: string; v1: string; under: string; v3: string };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-cli-audit-'));
  files = {
    governance: join(dir, 'governance.yaml'),
    key: join(dir, 'gina.key'),
    v1: join(dir, 'v1.json'),
    under: join(dir, 'under.json'),
    v3: join(dir, 'v3.json'),
  };
  await writeFile(files.governance, GOVERNANCE_TEXT);
  await writeFile(files.key, (gina as NonNullable<typeof gina>).pem);
  await writeFile(files.v1, serializeBundle(v1));
  await writeFile(files.under, serializeBundle(under));
  await writeFile(files.v3, serializeBundle(v3));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('where CLI admin records go', () => {
  it.each<[string, AuditFlags, NodeJS.ProcessEnv, ReturnType<typeof resolveAuditEvidence>]>([
    ['--evidence SQLite', { evidence: '/x/ev.db' }, {}, { kind: 'sqlite', path: '/x/ev.db' }],
    ['--evidence sqlite:', { evidence: 'sqlite:/x/ev' }, {}, { kind: 'sqlite', path: '/x/ev' }],
    ['--evidence JSON Lines', { evidence: '/x/ev.jsonl' }, {}, { kind: 'jsonl', path: '/x/ev.jsonl' }],
    ['--evidence jsonl:', { evidence: 'jsonl:/x/ev' }, {}, { kind: 'jsonl', path: '/x/ev' }],
    [
      '--evidence PostgreSQL with the --database schema',
      { evidence: 'postgres://db/ev', database: 'postgres://db/act', schema: 's1' },
      {},
      { kind: 'postgres', url: 'postgres://db/ev', schema: 's1' },
    ],
    [
      '--evidence PostgreSQL beside --state',
      { evidence: 'postgresql://db/ev', schema: 'ignored' },
      {},
      { kind: 'postgres', url: 'postgresql://db/ev' },
    ],
    [
      '--evidence wins over --config',
      { evidence: '/x/ev.db', config: '/absent.yaml' },
      {},
      { kind: 'sqlite', path: '/x/ev.db' },
    ],
    [
      '--database',
      { database: 'postgres://db/act', schema: 's1' },
      {},
      { kind: 'postgres', url: 'postgres://db/act', schema: 's1' },
    ],
    [
      '--database wins over a config named by RAMPART_CONFIG (the config is not even read)',
      { database: 'postgres://db/act' },
      { RAMPART_CONFIG: '/absent.yaml' },
      { kind: 'postgres', url: 'postgres://db/act' },
    ],
    ['nothing: as rampart serve', {}, {}, { kind: 'sqlite', path: join('.rampart', 'evidence.db') }],
    [
      'RAMPART_EVIDENCE_PATH, as for serve',
      {},
      { RAMPART_EVIDENCE_PATH: '/e/x.db' },
      { kind: 'sqlite', path: '/e/x.db' },
    ],
    [
      'RAMPART_EVIDENCE=jsonl',
      {},
      { RAMPART_EVIDENCE: 'jsonl' },
      { kind: 'jsonl', path: join('.rampart', 'evidence.jsonl') },
    ],
    [
      'RAMPART_EVIDENCE=postgres',
      {},
      {
        RAMPART_EVIDENCE: 'postgres',
        RAMPART_DATABASE_URL: 'postgres://e/db',
        RAMPART_DATABASE_SCHEMA: 'es',
      },
      { kind: 'postgres', url: 'postgres://e/db', schema: 'es' },
    ],
  ])('%s', (_name, flags, env, want) => {
    expect(resolveAuditEvidence(flags, env)).toEqual(want);
  });

  it('reads the serve config file, paths relative to it', async () => {
    const sqlite = join(dir, 'serve-sqlite.yaml');
    await writeFile(sqlite, 'evidence: { kind: sqlite, path: ev/evidence.db }\n');
    expect(resolveAuditEvidence({ config: sqlite }, {})).toEqual({
      kind: 'sqlite',
      path: join(dir, 'ev', 'evidence.db'),
    });
    const postgres = join(dir, 'serve-pg.yaml');
    await writeFile(postgres, 'evidence: { kind: postgres, url: "postgres://f/db", schema: fs }\n');
    expect(resolveAuditEvidence({ config: postgres }, {})).toEqual({
      kind: 'postgres',
      url: 'postgres://f/db',
      schema: 'fs',
    });
    // RAMPART_CONFIG names it when no flag does, as for serve.
    expect(resolveAuditEvidence({}, { RAMPART_CONFIG: postgres })).toMatchObject({ url: 'postgres://f/db' });
  });

  it.each<[string, AuditFlags, NodeJS.ProcessEnv, RegExp]>([
    ['an empty --evidence', { evidence: ' ' }, {}, /--evidence needs a path/],
    ['memory evidence', {}, { RAMPART_EVIDENCE: 'memory' }, /keeps evidence in memory.*--evidence/],
    ['an unreadable config', { config: '/absent/serve.yaml' }, {}, /cannot tell where admin records go/],
    ['postgres without a URL', {}, { RAMPART_EVIDENCE: 'postgres' }, /postgres evidence needs/],
  ])('refuses %s as a usage error', (_name, flags, env, message) => {
    expect(() => resolveAuditEvidence(flags, env)).toThrow(UsageError);
    expect(() => resolveAuditEvidence(flags, env)).toThrow(message);
  });

  it('names the store without a password', () => {
    expect(describeAuditEvidence({ kind: 'postgres', url: 'postgres://u:s3cret@db:5432/x' })).toBe(
      'postgres postgres://u:***@db:5432/x schema rampart',
    );
    expect(describeAuditEvidence({ kind: 'sqlite', path: '/e.db' })).toBe('sqlite /e.db');
  });

  it('acts as --actor, else $USER@host, of kind cli', () => {
    expect(cliCaller('alice', { USER: 'root' })).toMatchObject({ id: 'alice', kind: 'cli' });
    expect(cliCaller(undefined, { USER: 'root' })).toMatchObject({ id: `root@${hostname()}`, kind: 'cli' });
    expect(cliCaller(' ', { LOGNAME: 'op' }).id).toBe(`op@${hostname()}`);
    expect(cliCaller(undefined, {}).id).toBe(`unknown@${hostname()}`);
  });

  it.each<[string, unknown, ReturnType<typeof refusalOf>]>([
    [
      'a 4xx refusal',
      new ServerError('exception/not-found', 404, 'x'),
      { outcome: 'refused', code: 'exception/not-found' },
    ],
    [
      'a 5xx failure',
      new ServerError('server/unavailable', 503, 'x'),
      { outcome: 'failed', code: 'server/unavailable' },
    ],
    ['anything else', new Error('boom'), { outcome: 'failed', code: 'cli/error' }],
  ])('records %s with its outcome and code', (_name, error, want) => {
    expect(refusalOf(error)).toEqual(want);
  });
});

describe('CLI admin actions on a state directory with SQLite evidence', () => {
  it('each action writes exactly one record with action, target, outcome and actor; the store verifies', async () => {
    const state = join(dir, 'state');
    const db = join(dir, 'ev', 'evidence.db');
    const base = { state, governance: files.governance, evidence: db };
    const run = async (
      label: string,
      code: number,
      fn: (io: ReturnType<typeof captureIo>['io']) => Promise<number>,
    ) => {
      const c = captureIo();
      expect(await fn(c.io), `${label}: ${c.err()}`).toBe(code);
      return c;
    };
    await run('activate v1', 0, (io) =>
      runActivate(files.v1, { ...base, actor: 'alice', reason: 'first' }, io, {}),
    );
    await run('shadow v3', 0, (io) =>
      runActivate(files.v3, { ...base, actor: 'alice', reason: 'try', shadow: true }, io, {}),
    );
    await run('rollout v3', 0, (io) =>
      runActivate(
        files.v3,
        { ...base, actor: 'alice', reason: 'canary', rollout: 10, tenant: ['acme', 'beta'] },
        io,
        {},
      ),
    );
    await run('withdraw', 0, (io) =>
      runRollback({ ...base, actor: 'bob', withdraw: true, reason: 'enough' }, io, {}),
    );
    // One signature where governance wants two: verification refuses it, and that is recorded.
    const refused = await run('activate under-signed', 1, (io) =>
      runActivate(files.under, { ...base, actor: 'mallory', reason: 'sneak' }, io, {}),
    );
    expect(refused.err()).toMatch(/^refused: /);
    await run('activate v3', 0, (io) =>
      runActivate(files.v3, { ...base, actor: 'alice', reason: 'second' }, io, {}),
    );
    await run('rollback', 0, (io) =>
      runRollback({ ...base, actor: 'bob', to: v1.manifest.version, reason: 'back' }, io, {}),
    );
    const granted = await run('grant', 0, (io) =>
      runExceptionsGrant(
        {
          state,
          governance: files.governance,
          evidence: db,
          key: files.key,
          bundle: files.v1,
          rule: ['block-ssn-output'],
          scope: 'tenant=acme',
          expires: '2h',
          reason: 'incident 42',
          actor: 'gina-ops',
        },
        io,
        new Date(),
        { USER: 'ignored' },
      ),
    );
    const id = /granted (ex-[0-9a-f]{12})/.exec(granted.out())?.[1] as string;
    await run('revoke', 0, (io) =>
      runExceptionsRevoke(id, { state, evidence: db, reason: 'closed', actor: 'gina-ops' }, io, {}),
    );
    const missing = await run('revoke again', 1, (io) =>
      runExceptionsRevoke(id, { state, evidence: db, reason: 'twice' }, io, { USER: 'carol' }),
    );
    expect(missing.err()).toContain('refused: exception/not-found');

    const recs = await adminRecords(db);
    const rows = recs.map((r) => [
      ctx(r).action,
      ctx(r).target,
      ctx(r).outcome,
      ctx(r).actor,
      ctx(r).actorKind,
      ctx(r).code,
    ]);
    expect(rows).toEqual([
      ['bundles.activate', v1.digest, 'ok', 'alice', 'cli', undefined],
      ['bundles.shadow', v3.digest, 'ok', 'alice', 'cli', undefined],
      ['bundles.rollout', v3.digest, 'ok', 'alice', 'cli', undefined],
      ['bundles.withdraw', '(staged candidate)', 'ok', 'bob', 'cli', undefined],
      ['bundles.activate', under.digest, 'refused', 'mallory', 'cli', 'bundle/under-signed'],
      ['bundles.activate', v3.digest, 'ok', 'alice', 'cli', undefined],
      ['bundles.rollback', v1.manifest.version, 'ok', 'bob', 'cli', undefined],
      ['exceptions.grant', id, 'ok', 'gina-ops', 'cli', undefined],
      ['exceptions.revoke', id, 'ok', 'gina-ops', 'cli', undefined],
      ['exceptions.revoke', id, 'refused', `carol@${hostname()}`, 'cli', 'exception/not-found'],
    ]);
    // One chain, stream admin (no server holds it), in order.
    expect(recs.map((r) => r.stream)).toEqual(recs.map(() => 'admin'));
    expect(recs.map((r) => r.seq)).toEqual(recs.map((_, i) => i + 1));
    expect(recs.map((r) => r.outcome)).toEqual(rows.map((r) => (r[2] === 'ok' ? 'allowed' : 'blocked')));
    // What the admin API records: the digest, the reason, the stage, the grant facts, the active policy.
    expect(ctx(recs[0]!)).toMatchObject({ digest: v1.digest, reason: 'first' });
    expect(recs[0]!.policy).toMatchObject({ version: v1.manifest.version, digest: v1.digest });
    expect(ctx(recs[2]!).detail).toEqual({ mode: 'rollout', percent: 10, tenants: 2 });
    expect(ctx(recs[3]!).detail).toEqual({ withdrawn: true });
    expect(ctx(recs[6]!).digest).toBe(v1.digest);
    expect(recs[6]!.policy.digest).toBe(v1.digest);
    expect(ctx(recs[7]!)).toMatchObject({
      reason: 'incident 42',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      detail: { rules: ['block-ssn-output'], granter: 'gina', risk: 'critical' },
    });
    expect(ctx(recs[8]!).digest).toBe(ctx(recs[7]!).digest);
    // Never keys, bundle bodies or grant signatures.
    const all = JSON.stringify(recs);
    expect(all).not.toContain('PRIVATE KEY');
    expect(all).not.toContain('signature');
    expect(all).not.toContain('refund-over-limit-needs-supervisor');
    expect(all).not.toMatch(/"subject":"alice"/);

    const v = await verified(db);
    expect(v.ok).toBe(true);
    expect(v.streams.map((s) => [s.stream, s.records])).toEqual([['admin', 10]]);
    let out = '';
    const write = (s: string) => {
      out += s;
      return true;
    };
    const io = { stdout: { write }, stderr: { write } } as unknown as NodeJS.Process;
    expect(await runLogsVerify({ store: db }, io)).toBe(0);
    expect(out).toMatch(/ok admin: 10 records/);
  });

  it.each<[string, (ev: string, state: string, io: ReturnType<typeof captureIo>['io']) => Promise<number>]>([
    [
      'activate',
      (evidence, state, io) =>
        runActivate(files.v1, { state, governance: files.governance, evidence, reason: 'r' }, io, {}),
    ],
    [
      'rollback',
      (evidence, state, io) =>
        runRollback(
          { state, governance: files.governance, evidence, to: 'safe-baseline', reason: 'r' },
          io,
          {},
        ),
    ],
    [
      'exceptions grant',
      (evidence, state, io) =>
        runExceptionsGrant(
          {
            state,
            governance: files.governance,
            evidence,
            key: files.key,
            bundle: files.v1,
            rule: ['block-ssn-output'],
            scope: 'tenant=acme',
            expires: '2h',
            reason: 'r',
          },
          io,
          new Date(),
          {},
        ),
    ],
    [
      'exceptions revoke',
      (evidence, state, io) =>
        runExceptionsRevoke('ex-000000000000', { state, evidence, reason: 'r' }, io, {}),
    ],
  ])('%s changes nothing and exits 1 when the audit log cannot be opened', async (name, fn) => {
    const blocker = join(dir, `not-a-dir-${name.replace(/ /g, '-')}`);
    await writeFile(blocker, 'a file where the evidence directory should be');
    const state = join(dir, `state-unwritable-${name.replace(/ /g, '-')}`);
    await mkdir(state);
    const c = captureIo();
    expect(await fn(join(blocker, 'evidence.db'), state, c.io)).toBe(1);
    expect(c.err()).toMatch(
      /^unavailable: admin\/audit-unavailable: cannot open the admin audit log \(sqlite .*not-a-dir.*\): /,
    );
    expect(c.err()).toContain('nothing was changed');
    expect(c.out()).toBe('');
    for (const f of ['active.json', 'history.json', 'exceptions.json', 'candidate.json'])
      expect(existsSync(join(state, f)), f).toBe(false);
  });

  it('JSON Lines evidence: the record goes to the sibling admin file the server writes, and verifies', async () => {
    const evidence = join(dir, 'jsonl', 'evidence.jsonl');
    const c = captureIo();
    expect(
      await runActivate(
        files.v1,
        {
          state: join(dir, 'state-jsonl'),
          governance: files.governance,
          evidence,
          actor: 'alice',
          reason: 'j',
        },
        c.io,
        {},
      ),
    ).toBe(0);
    const admin = join(dir, 'jsonl', 'evidence.admin.jsonl');
    expect(existsSync(evidence)).toBe(false);
    const recs = await adminRecords(admin);
    expect(recs.map((r) => [r.stream, ctx(r).action, ctx(r).target, ctx(r).actor])).toEqual([
      ['admin', 'bundles.activate', v1.digest, 'alice'],
    ]);
    expect((await verified(admin)).ok).toBe(true);
  });

  it('a record that cannot be written after the action says the action took effect, exit 1', async () => {
    const db = join(dir, 'closed', 'evidence.db');
    const audit = await CliAudit.open({ evidence: db, actor: 'alice' }, {});
    expect(audit.stream).toBe('admin');
    await audit.close();
    const c = captureIo();
    const event = { action: 'bundles.rollback' as const, target: '1.0.0', outcome: 'ok' as const };
    expect(await recordDone(audit, event, c.io, 0)).toBe(1);
    expect(c.err()).toMatch(
      /^error: admin\/audit-failed: bundles\.rollback 1\.0\.0 TOOK EFFECT, but its admin audit record could not be written to sqlite .*closed.*evidence\.db/,
    );
    const r = captureIo();
    await recordRefused(audit, { action: 'bundles.rollback', target: '9.9.9' }, new Error('x'), r.io);
    expect(r.err()).toMatch(
      /the refusal of bundles\.rollback 9\.9\.9 could not be recorded.*nothing was changed/,
    );
    expect(await adminRecords(db)).toEqual([]);
  });
});

describe('beside a running server that holds stream admin (another process)', () => {
  it('the spawned CLI writes admin-<pid> in ./.rampart/evidence.db and the whole store verifies', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rampart-cli-audit-serve-'));
    const state = join(cwd, 'state');
    const server = spawnServe(['--port', '0', '--state', state, '--governance', files.governance], cwd);
    try {
      await waitForOutput(server, /listening on http:\/\/127\.0\.0\.1:\d+/, 45_000);
      const db = join(cwd, '.rampart', 'evidence.db');
      expect(existsSync(`${db}.admin.lock`)).toBe(true);
      const r = await runRampart(
        ['activate', files.v1, '--state', state, '-g', files.governance, '--reason', 'with a server up'],
        cwd,
      );
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^activated /);
      const recs = await adminRecords(db);
      expect(recs).toHaveLength(1);
      expect(recs[0]!.stream).toMatch(/^admin-\d+$/);
      expect(ctx(recs[0]!)).toMatchObject({
        action: 'bundles.activate',
        target: v1.digest,
        outcome: 'ok',
        actor: `operator-test@${hostname()}`,
        actorKind: 'cli',
      });
      const v = await verified(db);
      expect(v.ok).toBe(true);
      expect(v.streams.map((s) => s.stream)).toContain(recs[0]!.stream);
    } finally {
      const stopped = waitForOutput(server, /rampart: stopped/, 20_000).catch(() => '');
      server.kill('SIGTERM');
      await stopped;
      if (server.exitCode === null) server.kill('SIGKILL');
      await rm(cwd, { recursive: true, force: true });
    }
  }, 90_000);

  it('the spawned CLI exits 1 with the reason on stderr when the store cannot be opened', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'rampart-cli-audit-bad-'));
    try {
      await writeFile(join(cwd, '.rampart'), 'not a directory');
      const r = await runRampart(
        [
          'rollback',
          '--to',
          'safe-baseline',
          '--state',
          join(cwd, 'state'),
          '-g',
          files.governance,
          '--reason',
          'r',
        ],
        cwd,
      );
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/unavailable: admin\/audit-unavailable: .*nothing was changed/s);
      expect(existsSync(join(cwd, 'state', 'active.json'))).toBe(false);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('--help', () => {
  it.each<[string, string | undefined, (p: Command) => void]>([
    ['activate', undefined, registerActivate],
    ['rollback', undefined, registerRollback],
    ['exceptions', 'grant', registerExceptions],
    ['exceptions', 'revoke', registerExceptions],
  ])('%s %s mentions the admin audit record, --evidence and --actor', (name, sub, register) => {
    const program = new Command();
    register(program);
    let cmd = program.commands.find((c) => c.name() === name) as Command;
    if (sub) cmd = cmd.commands.find((c) => c.name() === sub) as Command;
    let help = '';
    cmd.configureOutput({ writeOut: (s) => (help += s) });
    cmd.outputHelp();
    expect(help).toContain('--evidence <path|url>');
    expect(help).toContain('--actor <who>');
    expect(help).toContain('Admin audit:');
    expect(help).toContain('admin audit record');
  });
});

describe('PostgreSQL for the CLI admin audit tests', () => {
  it.runIf(inCi)('is reachable when CI=true', () => {
    expect(available).toBe(true);
  });
});

describe.skipIf(!available && !inCi)('CLI admin records in PostgreSQL (--database, real PostgreSQL)', () => {
  const schema = uniqueSchema('cliaudit');
  afterAll(async () => {
    await dropSchemas([schema]);
  });

  it('records in stream admin-cli of the schema, falls back while another CLI holds it, and verifies', async () => {
    // PostgreSQL evidence keeps its subject and checkpoint keys in ./.rampart (as `rampart logs`
    // reads them): run from a temporary directory so they do not land in the repository.
    const cwd = await mkdtemp(join(tmpdir(), 'rampart-cli-audit-pg-'));
    const home = process.cwd();
    process.chdir(cwd);
    try {
      await recordsInPostgres();
    } finally {
      process.chdir(home);
      await rm(cwd, { recursive: true, force: true });
    }
  });

  async function recordsInPostgres(): Promise<void> {
    const target = { database: PG_URL, schema, governance: files.governance };
    const c = captureIo();
    expect(await runActivate(files.v1, { ...target, actor: 'alice', reason: 'pg first' }, c.io, {})).toBe(0);
    // Another CLI holds admin-cli: this one takes a stream of its own.
    const holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', [
        `rampart-evidence-stream:${schema}:${CLI_PG_STREAM}`,
      ]);
      const r = captureIo();
      expect(
        await runRollback({ ...target, actor: 'bob', to: 'safe-baseline', reason: 'pg back' }, r.io, {}),
      ).toBe(0);
    } finally {
      await holder.end();
    }
    const recs = await adminRecords(PG_URL, schema);
    expect(recs.map((r) => [r.stream, ctx(r).action, ctx(r).target, ctx(r).outcome, ctx(r).actor])).toEqual([
      [CLI_PG_STREAM, 'bundles.activate', v1.digest, 'ok', 'alice'],
      [expect.stringMatching(/^admin-cli-.+-\d+$/), 'bundles.rollback', 'safe-baseline', 'ok', 'bob'],
    ]);
    const v = await verified(PG_URL, schema);
    expect(v.ok).toBe(true);
    expect(v.streams).toHaveLength(2);
  }
});
