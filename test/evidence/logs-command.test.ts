import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  runLogsPurge,
  runLogsQuery,
  runLogsStats,
  runLogsTrace,
  runLogsVerify,
} from '../../src/cli/commands/logs.js';
import { UsageError } from '../../src/cli/exit.js';
import { SqliteSink } from '../../src/evidence/index.js';
import type { Point } from '../../src/policy/types.js';
import { makeInput } from './make-input.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: {
        write: (s: string) => {
          out += s;
          return true;
        },
      } as unknown as NodeJS.WritableStream,
      stderr: {
        write: (s: string) => {
          err += s;
          return true;
        },
      } as unknown as NodeJS.WritableStream,
    },
    out: () => out,
    err: () => err,
  };
}

const golden = (name: string, text: string) => {
  const path = join(import.meta.dirname, '../fixtures/evidence', name);
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, 'utf8'));
};

let db = '';
beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-logs-'));
  dirs.push(dir);
  db = join(dir, 'evidence.db');
  const sink = new SqliteSink({ path: db, checkpointEvery: 10 });
  await sink.open();
  // Decisions every 10 s from 10:00:00; 1-in-5 is shadow-divergent, 1-in-6 used an exception.
  for (let i = 0; i < 30; i++)
    await sink.write(
      makeInput(i, {
        time: new Date(Date.UTC(2026, 10, 25, 10, 0, 0) + i * 10_000).toISOString(),
        retention: i < 12 ? '1d' : '30d',
        ...(i % 5 === 0 ? { shadow: { digest: 'sha256:cand', outcome: 'allowed', rules: [] } } : {}),
      }),
    );
  await sink.close();
});

describe('rampart logs query / trace', () => {
  it('prints matching records as a table', async () => {
    const c = capture();
    const code = await runLogsQuery(
      { store: db, since: '2026-11-25T10:02:00Z', outcome: 'blocked', rule: 'refund-over-limit' },
      c.io,
    );
    expect(code).toBe(0);
    golden('query-blocked.txt', c.out());
  });

  it('prints JSON with --json and honours --limit (newest)', async () => {
    const c = capture();
    await runLogsQuery({ store: db, json: true, limit: '3', point: 'tool' }, c.io);
    const records = JSON.parse(c.out()) as { id: string }[];
    expect(records.map((r) => r.id)).toEqual(['d-27', 'd-28', 'd-29']);
  });

  it('traces one interaction in order', async () => {
    const c = capture();
    await runLogsTrace('int-2', { store: db }, c.io);
    golden('trace-int-2.txt', c.out());
    const none = capture();
    await runLogsTrace('int-nope', { store: db }, none.io);
    expect(none.out()).toBe('no decision records for interaction int-nope\n');
  });

  it.each([
    [{ since: 'yesterday' }, /--since "yesterday" is neither a duration/],
    [{ point: 'nowhere' }, /--point must be one of input, route, tool, output, persist/],
    [{ outcome: 'denied' }, /--outcome must be one of allowed, blocked, allowed_with_conditions/],
    [{ limit: '0' }, /--limit must be a positive integer/],
    [{ store: '/nonexistent/evidence.db' }, /no evidence store at \/nonexistent\/evidence.db/],
  ])('rejects bad usage %o', async (flags, message) => {
    const err = await runLogsQuery({ store: db, ...flags }, capture().io).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('rampart logs stats', () => {
  it('summarises a window against the previous one, as a table and as JSON', async () => {
    const c = capture();
    await runLogsStats({ store: db, window: '2m', now: '2026-11-25T10:05:00Z' }, c.io);
    golden('stats-2m.txt', c.out());
    const j = capture();
    await runLogsStats({ store: db, window: '2m', now: '2026-11-25T10:05:00Z', json: true }, j.io);
    const s = JSON.parse(j.out());
    expect(s).toMatchObject({ total: 12, blocked: 4, shadowDivergences: 2, highRisk: 4 });
    expect(s.byRoute['staff-console'].latencyUs.previousP99).not.toBeNull();
  });

  it('leaves admin audit records (point `admin`) out of the decision figures', async () => {
    const sink = new SqliteSink({ path: db, stream: 'admin', spillPath: `${db}.admin.spill.jsonl` });
    await sink.open();
    const admin = makeInput(100, { time: '2026-11-25T10:04:00Z' });
    await sink.write({ ...admin, decision: { ...admin.decision, point: 'admin' as Point } });
    await sink.close();
    const j = capture();
    await runLogsStats({ store: db, window: '2m', now: '2026-11-25T10:05:00Z', json: true }, j.io);
    expect(JSON.parse(j.out())).toMatchObject({ total: 12, blocked: 4 });
  });

  it('rejects a bad window', async () => {
    await expect(runLogsStats({ store: db, window: 'soon' }, capture().io)).rejects.toThrow(
      /window "soon" is not a duration/,
    );
  });
});

describe('rampart logs verify', () => {
  it('succeeds on an intact log', async () => {
    const c = capture();
    expect(await runLogsVerify({ store: db }, c.io)).toBe(0);
    expect(c.out()).toBe('ok default: 30 records, 3 checkpoints\n');
    expect(c.err()).toBe('');
  });

  const tamper: [string, string, RegExp][] = [
    [
      'altered',
      `UPDATE decision_records SET body = replace(body, '"outcome":"blocked"', '"outcome":"allowed"') WHERE seq = 7`,
      /^FAILED default: altered at position 6 \(expected seq 7, found decision d-6\): record seq 7 does not match its hash/,
    ],
    [
      'removed',
      'DELETE FROM decision_records WHERE seq = 12',
      /^FAILED default: removed at position 11 \(expected seq 12, found decision d-12\): record seq 12 is missing before seq 13/,
    ],
    [
      'reordered',
      'UPDATE decision_records SET pos = -pos WHERE seq IN (4, 9); UPDATE decision_records SET pos = CASE seq WHEN 4 THEN 9 ELSE 4 END WHERE seq IN (4, 9)',
      /^FAILED default: reordered at position 3 \(expected seq 4, found decision d-8\): record at position 3 has seq 9/,
    ],
    [
      'truncated',
      'DELETE FROM decision_records WHERE seq >= 25',
      /^FAILED default: removed at position 24 \(expected seq 25\): signed checkpoint covers seq 30 but the log ends at seq 24/,
    ],
    [
      'checkpoint forged',
      `UPDATE evidence_checkpoints SET body = replace(body, '"seq":10', '"seq":11') WHERE seq = 10`,
      /^FAILED default: bad-checkpoint/,
    ],
  ];
  it.each(tamper)('reports a log that was %s (exit 1)', async (_name, sql, message) => {
    const raw = new Database(db);
    raw.exec(sql);
    raw.close();
    const c = capture();
    expect(await runLogsVerify({ store: db }, c.io)).toBe(1);
    expect(c.out()).toMatch(message);
  });

  it('rejects a missing --public-key file as usage', async () => {
    await expect(runLogsVerify({ store: db, publicKey: '/nonexistent.pem' }, capture().io)).rejects.toThrow(
      /public key \/nonexistent.pem not found/,
    );
  });
});

describe('rampart logs purge', () => {
  it('purges expired records and the log still verifies', async () => {
    const c = capture();
    expect(await runLogsPurge({ store: db, now: '2026-11-27T00:00:00Z' }, c.io)).toBe(0);
    expect(c.out()).toBe('purged 12 records past retention; 1 signed purge checkpoint(s) written\n');
    const v = capture();
    expect(await runLogsVerify({ store: db }, v.io)).toBe(0);
    const q = capture();
    await runLogsQuery({ store: db, json: true, limit: '1000' }, q.io);
    expect(JSON.parse(q.out())).toHaveLength(18);
  });

  it('refuses without a signing key', async () => {
    await expect(runLogsPurge({ store: db, keyDir: '/nonexistent' }, capture().io)).rejects.toThrow(
      /no checkpoint signing key in \/nonexistent/,
    );
  });
});

describe('rampart logs (process)', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'logs', ...args], {
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('exits 2 with a clear message on usage errors and 1 on a failed verification', () => {
    const usage = run('query', '--store', db, '--since', 'whenever');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('rampart: --since "whenever" is neither a duration');
    const raw = new Database(db);
    raw.exec('DELETE FROM decision_records WHERE seq = 3');
    raw.close();
    const failed = run('verify', '--store', db, '--json');
    expect(failed.status).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      ok: false,
      streams: [{ problem: { kind: 'removed', seq: 3 } }],
    });
  }, 60_000);
});
