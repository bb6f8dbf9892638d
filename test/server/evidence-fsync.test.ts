/** `evidence.fsync: false`: acknowledgements stop waiting for the disk, records are still written. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_DIR, type ServeConfig } from '../../src/server/config.js';
import { startServer, withoutCommitFlush } from '../../src/server/start.js';
import { PG_URL, pgAvailable } from '../evidence/pg-probe.js';
import { REQUESTS } from './test-server.js';

const hasPg = await pgAvailable();

function sqliteConfig(path: string, fsync: boolean | undefined): ServeConfig {
  return {
    policyDir: DEFAULT_POLICY_DIR,
    port: 0,
    host: '127.0.0.1',
    evidence: { kind: 'sqlite', path, ...(fsync === undefined ? {} : { fsync }) },
    auth: {},
    limits: {},
    sources: [],
  };
}

describe('evidence fsync setting', () => {
  it.each([
    [undefined, false],
    [true, false],
    [false, true],
  ])(
    'sqlite with fsync %s: the banner says fsync off: %s, and every decision has its record',
    async (fsync, off) => {
      const path = join(mkdtempSync(join(tmpdir(), 'rampart-fsync-')), 'evidence.db');
      const started = await startServer(sqliteConfig(path, fsync));
      try {
        expect(started.banner.join('\n').includes('fsync off')).toBe(off);
        for (let i = 0; i < 3; i++) {
          const res = await fetch(`${started.url}/v1/decide/tool`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(REQUESTS.refundOverLimit),
          });
          expect(res.status).toBe(200);
        }
      } finally {
        await started.stop();
      }
      const db = new Database(path, { readonly: true });
      const n = (
        db.prepare("SELECT count(*) AS n FROM decision_records WHERE point = 'tool'").get() as { n: number }
      ).n;
      db.close();
      expect(n).toBe(3);
    },
  );

  it('withoutCommitFlush adds synchronous_commit=off and keeps the options already given', () => {
    const url = withoutCommitFlush(
      'postgres://u:p%40ss@db:5432/rampart?options=-c%20statement_timeout%3D5000&sslmode=disable',
    );
    const u = new URL(url);
    expect(u.searchParams.get('options')).toBe('-c statement_timeout=5000 -c synchronous_commit=off');
    expect(u.searchParams.get('sslmode')).toBe('disable');
    expect(u.password).toBe('p%40ss');
  });

  it.runIf(hasPg || process.env.CI === 'true')(
    'a PostgreSQL session opened with it does not wait for the WAL flush',
    async () => {
      const c = new pg.Client({ connectionString: withoutCommitFlush(PG_URL) });
      await c.connect();
      try {
        expect((await c.query('SHOW synchronous_commit')).rows[0]).toEqual({ synchronous_commit: 'off' });
      } finally {
        await c.end();
      }
    },
  );
});
