/**
 * PostgreSQL store: a table partitioned by month on `time`, partitions created on demand, each group
 * commit loaded with one `COPY FROM STDIN` (rows routed to their partitions by the server),
 * migrations applied on open. Acknowledged once the server committed (synchronous_commit as
 * configured on the server). A batch that is partly stored already (a spill replay after a crash)
 * fails the COPY on the (stream, seq) key and is retried as an idempotent `ON CONFLICT DO NOTHING`
 * insert.
 */
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ChainTail } from './chain.js';
import type { Checkpoint } from './checkpoint.js';
import { EvidenceError } from './errors.js';
import { planPurge } from './purge-plan.js';
import type { DecisionRecord } from './record.js';
import { COL, ROW_WIDTH, recordRows } from './record-row.js';
import { expiresAt } from './retention.js';
import type { PurgeResult, ReadableStore, RecordFilter, StoredLink } from './store.js';

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions {
  /** A connection string (`postgres://user@host:5432/db`) or a `pg` pool configuration. */
  connection: string | pg.PoolConfig;
  /** Schema holding the tables (created when absent). Default `rampart`. */
  schema?: string;
}

const MIGRATIONS: ((s: string) => string)[] = [
  (s) => `
    CREATE TABLE IF NOT EXISTS ${s}.decision_records (
      pos bigserial NOT NULL,
      stream text NOT NULL,
      seq bigint NOT NULL,
      prev text NOT NULL,
      hash text NOT NULL,
      id text NOT NULL,
      time timestamptz NOT NULL,
      point text NOT NULL,
      outcome text NOT NULL,
      route text,
      interaction text,
      subject text,
      tenant text,
      rules jsonb NOT NULL,
      expires_at timestamptz,
      body text,
      PRIMARY KEY (stream, seq, time)
    ) PARTITION BY RANGE (time);
    CREATE INDEX IF NOT EXISTS decision_records_time ON ${s}.decision_records (time);
    CREATE INDEX IF NOT EXISTS decision_records_interaction ON ${s}.decision_records (interaction) WHERE interaction IS NOT NULL;
    CREATE INDEX IF NOT EXISTS decision_records_expires ON ${s}.decision_records (expires_at) WHERE expires_at IS NOT NULL;
    CREATE TABLE IF NOT EXISTS ${s}.evidence_checkpoints (
      pos bigserial PRIMARY KEY,
      stream text NOT NULL,
      seq bigint NOT NULL,
      body text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS evidence_checkpoints_stream ON ${s}.evidence_checkpoints (stream, pos);`,
  // Time and expiry are indexed by block range (BRIN) instead of B-tree: records arrive in time
  // order, so a range of table blocks summarises them, and a B-tree entry per record was the
  // server's largest cost after the row itself. bench/evidence/threads.ts postgres, 200k records,
  // alternating: 56.5k records/s with the B-trees, 61.4-62.9k with BRIN, 61.2-62.6k with no index.
  (s) => `
    DROP INDEX IF EXISTS ${s}.decision_records_time;
    DROP INDEX IF EXISTS ${s}.decision_records_expires;
    CREATE INDEX IF NOT EXISTS decision_records_time_brin ON ${s}.decision_records USING brin (time);
    CREATE INDEX IF NOT EXISTS decision_records_expires_brin ON ${s}.decision_records USING brin (expires_at);`,
];

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped; null as `\N`. */
function copyValue(v: string | null | undefined): string {
  if (v === null || v === undefined) return '\\N';
  return COPY_SPECIAL.test(v) ? v.replace(COPY_SPECIAL_ALL, (c) => COPY_ESCAPES[c]!) : v;
}

/** Columns loaded per record, in the order {@link copyRows} writes them. */
const RECORD_COLUMNS =
  'stream, seq, prev, hash, id, time, point, outcome, route, interaction, subject, tenant, rules, expires_at, body';

/**
 * `expires_at` as COPY text, memoised on the last (time, retention): records written in the same
 * millisecond share their time string, and Date.parse + toISOString cost ~0.8 µs per record.
 */
let lastExpiry: { time: string; retention: unknown; text: string } = {
  time: '',
  retention: null,
  text: '\\N',
};
function expiresText(time: string, retention: string | null): string {
  if (lastExpiry.time === time && lastExpiry.retention === retention) return lastExpiry.text;
  const exp = expiresAt(time, retention ?? undefined);
  const text = exp === null ? '\\N' : new Date(exp).toISOString();
  lastExpiry = { time, retention, text };
  return text;
}

/**
 * Rows (record-row.ts) as COPY text-format lines (tab-separated, one per record, in seq order),
 * written straight into one buffer. Building one string for the group and letting the stream
 * encode it cost 6.0 µs per record (best of 15 x 3 groups of 4096, load ~5.3: flattening a rope
 * of ~60k pieces, then UTF-8 encoding it); two buffer writes per record cost 3.0 µs.
 */
function copyRows(rows: unknown[]): Buffer {
  let buf = Buffer.allocUnsafe(Math.max(4096, (rows.length / ROW_WIDTH) * 1536));
  let pos = 0;
  const put = (text: string) => {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit (+1 for the line end).
    if (pos + text.length * 3 + 1 > buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + text.length * 3 + 1));
      buf.copy(grown, 0, 0, pos);
      buf = grown;
    }
    pos += buf.write(text, pos, 'utf8');
  };
  const v = (i: number) => copyValue(rows[i] as string | null);
  for (let r = 0; r < rows.length; r += ROW_WIDTH) {
    put(
      `${v(r + COL.stream)}\t${rows[r + COL.seq] as number}\t${v(r + COL.prev)}\t${v(r + COL.hash)}\t` +
        `${v(r + COL.id)}\t${v(r + COL.time)}\t${v(r + COL.point)}\t${v(r + COL.outcome)}\t${v(r + COL.route)}\t` +
        `${v(r + COL.interaction)}\t${v(r + COL.subject)}\t${v(r + COL.tenant)}\t${v(r + COL.rules)}\t` +
        `${expiresText(rows[r + COL.time] as string, rows[r + COL.retention] as string | null)}\t`,
    );
    put(v(r + COL.body));
    buf[pos++] = 0x0a;
  }
  return buf.subarray(0, pos);
}

/** True for PostgreSQL's unique_violation. */
function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === '23505';
}

function monthStart(ms: number): Date {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** A {@link ReadableStore} in PostgreSQL. */
export class PostgresStore implements ReadableStore {
  readonly description: string;
  /** The server does the work of a commit: the sink can build the next group meanwhile. */
  readonly offThread = true;
  private pool: pg.Pool | null = null;
  private readonly schema: string;
  private readonly partitions = new Set<string>();

  constructor(private readonly opts: PostgresStoreOptions) {
    this.schema = opts.schema ?? 'rampart';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema))
      throw new EvidenceError('evidence/bad-config', `invalid PostgreSQL schema name "${this.schema}"`);
    const where =
      typeof opts.connection === 'string'
        ? opts.connection.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@')
        : `${opts.connection.host ?? 'localhost'}:${opts.connection.port ?? 5432}/${opts.connection.database ?? ''}`;
    this.description = `postgres:${where}#${this.schema}`;
  }

  private get s(): string {
    return `"${this.schema}"`;
  }

  private db(): pg.Pool {
    if (!this.pool) throw new EvidenceError('evidence/not-open', `${this.description} is not open`);
    return this.pool;
  }

  async open(): Promise<void> {
    if (this.pool) return;
    const config =
      typeof this.opts.connection === 'string'
        ? { connectionString: this.opts.connection }
        : this.opts.connection;
    const pool = new pg.Pool({ max: 4, connectionTimeoutMillis: 5000, ...config });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    try {
      const c = await pool.connect();
      try {
        await c.query('SELECT pg_advisory_lock(hashtext($1))', [`rampart-evidence-migrate:${this.schema}`]);
        await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.s}`);
        await c.query(
          `CREATE TABLE IF NOT EXISTS ${this.s}.evidence_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
        );
        const done = await c.query<{ v: number | null }>(
          `SELECT max(version) AS v FROM ${this.s}.evidence_migrations`,
        );
        for (let v = done.rows[0]?.v ?? 0; v < MIGRATIONS.length; v++) {
          await c.query('BEGIN');
          await c.query(MIGRATIONS[v]!(this.s));
          await c.query(`INSERT INTO ${this.s}.evidence_migrations (version) VALUES ($1)`, [v + 1]);
          await c.query('COMMIT');
        }
      } finally {
        await c
          .query('SELECT pg_advisory_unlock(hashtext($1))', [`rampart-evidence-migrate:${this.schema}`])
          .catch(() => undefined);
        c.release();
      }
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new EvidenceError(
        'evidence/store-unavailable',
        `cannot open ${this.description}: ${e instanceof Error ? e.message : String(e)}`,
        this.description,
      );
    }
    this.pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }

  /** Creates the monthly partitions the rows need. */
  private async ensurePartitions(rows: unknown[]): Promise<void> {
    const months = new Set<number>();
    let month = '';
    for (let r = COL.time; r < rows.length; r += ROW_WIDTH) {
      const time = rows[r] as string;
      // An RFC 3339 UTC time starts with its month ("2026-11-"): most records skip Date.parse.
      if (month !== '' && time.startsWith(month) && time.endsWith('Z')) continue;
      months.add(monthStart(Date.parse(time)).getTime());
      month = time[4] === '-' && time[7] === '-' && time.endsWith('Z') ? time.slice(0, 8) : '';
    }
    for (const m of months) {
      const from = new Date(m);
      const name = `decision_records_${from.getUTCFullYear()}_${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
      if (this.partitions.has(name)) continue;
      const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
      await this.db()
        .query(
          `CREATE TABLE IF NOT EXISTS ${this.s}."${name}" PARTITION OF ${this.s}.decision_records
           FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
        )
        .catch((e: { code?: string }) => {
          // Two writers racing to create the same partition: the loser sees a duplicate.
          if (e.code !== '42P07' && e.code !== '23505') throw e;
        });
      this.partitions.add(name);
    }
  }

  async tail(stream: string): Promise<ChainTail | null> {
    const res = await this.db().query<{ seq: string; hash: string }>(
      `SELECT seq, hash FROM ${this.s}.decision_records WHERE stream = $1 ORDER BY seq DESC LIMIT 1`,
      [stream],
    );
    const row = res.rows[0];
    return row ? { seq: Number(row.seq), hash: row.hash } : null;
  }

  async append(records: DecisionRecord[], checkpoints: Checkpoint[]): Promise<void> {
    await this.appendRows(recordRows(records), checkpoints);
  }

  async appendRows(rows: unknown[], checkpoints: Checkpoint[]): Promise<void> {
    if (rows.length > 0) await this.ensurePartitions(rows);
    try {
      await this.write(rows, checkpoints, 'copy');
    } catch (e) {
      // Some of these records are stored already (a replay after a crash): keep the rest.
      if (!isUniqueViolation(e)) throw e;
      await this.write(rows, checkpoints, 'insert');
    }
  }

  /** Stores records and checkpoints atomically, by COPY or by an idempotent insert. */
  private async write(rows: unknown[], checkpoints: Checkpoint[], how: 'copy' | 'insert'): Promise<void> {
    const c = await this.db().connect();
    let broken: Error | undefined;
    // A connection lost mid-COPY is reported on the client, not the copy stream: without a listener
    // that 'error' is an uncaught exception and a database outage would take the process down.
    const onLost = (e: Error) => {
      broken = e;
    };
    c.on('error', onLost);
    // One statement is atomic by itself; checkpoints join the records in a transaction.
    const tx = checkpoints.length > 0;
    try {
      if (tx) await c.query('BEGIN');
      if (rows.length > 0) {
        if (how === 'copy') await this.copy(c, rows);
        else await this.insertIdempotent(c, rows);
      }
      if (tx) {
        await c.query(
          `INSERT INTO ${this.s}.evidence_checkpoints (stream, seq, body) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])`,
          [
            checkpoints.map((x) => x.stream),
            checkpoints.map((x) => x.seq),
            checkpoints.map((x) => JSON.stringify(x)),
          ],
        );
        await c.query('COMMIT');
      }
    } catch (e) {
      if (tx)
        await c.query('ROLLBACK').catch((re: Error) => {
          broken = re;
        });
      throw e;
    } finally {
      // A connection that could not even roll back is discarded, not reused.
      c.off('error', onLost);
      c.release(broken);
    }
  }

  /**
   * COPY in text format: the server parses tab-separated lines instead of expanding a JSON document
   * whose bodies travel as escaped JSON strings (that expansion was most of the server time).
   */
  private async copy(c: pg.PoolClient, rows: unknown[]): Promise<void> {
    const stream = c.query(copyFrom(`COPY ${this.s}.decision_records (${RECORD_COLUMNS}) FROM STDIN`));
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', resolve);
      stream.end(copyRows(rows));
    });
  }

  /** The insert used when COPY met records already stored: skips them on (stream, seq, time). */
  private async insertIdempotent(c: pg.PoolClient, rows: unknown[]): Promise<void> {
    const n = rows.length / ROW_WIDTH;
    // One JSON parameter expanded by json_to_recordset: node-postgres' array literal escaping of
    // the JSON bodies cost ~300 µs per row on the bench box; V8's JSON.stringify is far cheaper.
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const r = i * ROW_WIDTH;
      const time = rows[r + COL.time] as string;
      const exp = expiresAt(time, (rows[r + COL.retention] as string | null) ?? undefined);
      out[i] = {
        s: rows[r + COL.stream],
        q: rows[r + COL.seq],
        p: rows[r + COL.prev],
        h: rows[r + COL.hash],
        i: rows[r + COL.id],
        t: time,
        pt: rows[r + COL.point],
        o: rows[r + COL.outcome],
        rt: rows[r + COL.route],
        it: rows[r + COL.interaction],
        sb: rows[r + COL.subject],
        tn: rows[r + COL.tenant],
        rl: JSON.parse(rows[r + COL.rules] as string),
        ex: exp === null ? null : new Date(exp).toISOString(),
        b: rows[r + COL.body],
      };
    }
    await c.query(
      `INSERT INTO ${this.s}.decision_records (${RECORD_COLUMNS})
       SELECT s, q, p, h, i, t, pt, o, rt, it, sb, tn, rl, ex, b
         FROM json_to_recordset($1::json)
           AS u(s text, q bigint, p text, h text, i text, t timestamptz, pt text, o text, rt text, it text, sb text,
                tn text, rl jsonb, ex timestamptz, b text)
         ORDER BY q
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(out)],
    );
  }

  async select(f: RecordFilter): Promise<DecisionRecord[]> {
    const where: string[] = ['body IS NOT NULL'];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (f.since) add('time >= ?', f.since.toISOString());
    if (f.until) add('time < ?', f.until.toISOString());
    if (f.point !== undefined) add('point = ?', f.point);
    if (f.outcome !== undefined) add('outcome = ?', f.outcome);
    if (f.route !== undefined) add('route = ?', f.route);
    if (f.interaction !== undefined) add('interaction = ?', f.interaction);
    if (f.subject !== undefined) add('subject = ?', f.subject);
    if (f.tenant !== undefined) add('tenant = ?', f.tenant);
    if (f.stream !== undefined) add('stream = ?', f.stream);
    if (f.rule !== undefined) add('rules @> jsonb_build_array(?::text)', f.rule);
    const dir = f.order === 'desc' ? 'DESC' : 'ASC';
    let sql = `SELECT body FROM ${this.s}.decision_records WHERE ${where.join(' AND ')} ORDER BY time ${dir}, seq ${dir}`;
    if (f.limit !== undefined) {
      args.push(f.limit);
      sql += ` LIMIT $${args.length}`;
    }
    const res = await this.db().query<{ body: string }>(sql, args);
    return res.rows.map((r) => JSON.parse(r.body) as DecisionRecord);
  }

  async streams(): Promise<string[]> {
    const res = await this.db().query<{ stream: string }>(
      `SELECT DISTINCT stream FROM ${this.s}.decision_records UNION SELECT DISTINCT stream FROM ${this.s}.evidence_checkpoints`,
    );
    return res.rows.map((r) => r.stream);
  }

  async links(stream: string): Promise<StoredLink[]> {
    const res = await this.db().query<{ seq: string; prev: string; hash: string; body: string | null }>(
      `SELECT seq, prev, hash, body FROM ${this.s}.decision_records WHERE stream = $1 ORDER BY pos`,
      [stream],
    );
    return res.rows.map((r) => ({
      stream,
      seq: Number(r.seq),
      prev: r.prev,
      hash: r.hash,
      record: r.body === null ? null : (JSON.parse(r.body) as DecisionRecord),
    }));
  }

  async checkpoints(stream: string): Promise<Checkpoint[]> {
    const res = await this.db().query<{ body: string }>(
      `SELECT body FROM ${this.s}.evidence_checkpoints WHERE stream = $1 ORDER BY pos`,
      [stream],
    );
    return res.rows.map((r) => JSON.parse(r.body) as Checkpoint);
  }

  async purge(
    now: Date,
    sign: (b: Omit<Checkpoint, 'keyId' | 'signature'>) => Checkpoint,
  ): Promise<PurgeResult> {
    const result: PurgeResult = { purged: 0, checkpoints: [] };
    const streams = await this.db().query<{ stream: string }>(
      `SELECT DISTINCT stream FROM ${this.s}.decision_records WHERE expires_at <= $1 AND body IS NOT NULL`,
      [now.toISOString()],
    );
    for (const { stream } of streams.rows) {
      const rows = await this.db().query<{
        seq: string;
        hash: string;
        removed: boolean;
        expires: string | null;
      }>(
        `SELECT seq, hash, body IS NULL AS removed, (extract(epoch from expires_at) * 1000)::bigint AS expires
           FROM ${this.s}.decision_records WHERE stream = $1 ORDER BY pos`,
        [stream],
      );
      const plan = planPurge(
        stream,
        rows.rows.map((r) => ({
          seq: Number(r.seq),
          hash: r.hash,
          removed: r.removed,
          expiresMs: r.expires === null ? null : Number(r.expires),
        })),
        now,
      );
      if (!plan.checkpoint) continue;
      const cp = sign(plan.checkpoint);
      const c = await this.db().connect();
      try {
        await c.query('BEGIN');
        await c.query(
          `UPDATE ${this.s}.decision_records SET body = NULL, subject = NULL, interaction = NULL
             WHERE stream = $1 AND seq = ANY($2::bigint[])`,
          [stream, plan.expire],
        );
        if (plan.dropThrough !== null)
          await c.query(`DELETE FROM ${this.s}.decision_records WHERE stream = $1 AND seq <= $2`, [
            stream,
            plan.dropThrough,
          ]);
        await c.query(`INSERT INTO ${this.s}.evidence_checkpoints (stream, seq, body) VALUES ($1, $2, $3)`, [
          cp.stream,
          cp.seq,
          JSON.stringify(cp),
        ]);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        c.release();
      }
      result.purged += plan.expire.length;
      result.checkpoints.push(cp);
    }
    return result;
  }
}
