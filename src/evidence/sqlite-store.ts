/**
 * The embedded default store: one SQLite file in WAL mode. Each group commit is one transaction;
 * with `durable` (default) SQLite fsyncs the WAL on every commit (synchronous=FULL), so an
 * acknowledged record survives a kill -9 or power loss.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ChainTail } from './chain.js';
import type { Checkpoint } from './checkpoint.js';
import { EvidenceError } from './errors.js';
import { planPurge } from './purge-plan.js';
import type { DecisionRecord } from './record.js';
import { recordRows } from './record-row.js';
import {
  type AppendRows,
  type CheckpointRow,
  configureWriter,
  prepareAppend,
  WAL_CHECKPOINT_BYTES,
} from './sqlite-insert.js';
import { acquireWriter, releaseWriter, type SqliteWriter } from './sqlite-writer.js';
import type { PurgeResult, ReadableStore, RecordFilter, StoredLink } from './store.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file, e.g. `.rampart/evidence.db`. */
  path: string;
  /**
   * fsync the WAL on every commit (synchronous=FULL): acknowledged records survive power loss.
   * Default true. With false (synchronous=NORMAL) they survive a process crash, not an OS crash.
   */
  durable?: boolean;
  /** Open read-only (CLI query and verify). */
  readonly?: boolean;
  /**
   * Where appends are committed. `worker` (default): a writer thread owns the write connection, so
   * inserts and the commit's fsync do not block the event loop; this connection still serves reads
   * and purge. `main`: on this thread (tools that never append, and A/B measurements).
   */
  writeThread?: 'worker' | 'main';
  /**
   * WAL size, in bytes, at which the writer thread's checkpoint thread copies the WAL into the
   * database file. Default 40 MB.
   */
  walCheckpointBytes?: number;
}

const SCHEMA_VERSION = 1;

const MIGRATIONS: string[] = [
  `CREATE TABLE IF NOT EXISTS decision_records (
     pos INTEGER PRIMARY KEY,
     stream TEXT NOT NULL,
     seq INTEGER NOT NULL,
     prev TEXT NOT NULL,
     hash TEXT NOT NULL,
     id TEXT NOT NULL,
     time_ms INTEGER NOT NULL,
     point TEXT NOT NULL,
     outcome TEXT NOT NULL,
     route TEXT,
     interaction TEXT,
     subject TEXT,
     tenant TEXT,
     expires_ms INTEGER,
     body TEXT
   );
   CREATE UNIQUE INDEX IF NOT EXISTS decision_records_stream_seq ON decision_records (stream, seq);
   CREATE INDEX IF NOT EXISTS decision_records_time ON decision_records (time_ms);
   CREATE INDEX IF NOT EXISTS decision_records_interaction ON decision_records (interaction) WHERE interaction IS NOT NULL;
   CREATE INDEX IF NOT EXISTS decision_records_expires ON decision_records (expires_ms) WHERE expires_ms IS NOT NULL;
   CREATE TABLE IF NOT EXISTS evidence_checkpoints (
     pos INTEGER PRIMARY KEY,
     stream TEXT NOT NULL,
     seq INTEGER NOT NULL,
     body TEXT NOT NULL
   );
   CREATE INDEX IF NOT EXISTS evidence_checkpoints_stream ON evidence_checkpoints (stream, pos);`,
];

interface LinkRow {
  stream: string;
  seq: number;
  prev: string;
  hash: string;
  body: string | null;
}

let nextSource = 1;

/** A {@link ReadableStore} in one SQLite database. */
export class SqliteStore implements ReadableStore {
  readonly description: string;
  private db: Database.Database | null = null;
  private insertCheckpoint!: Database.Statement;
  private appendOnThisThread: AppendRows | null = null;
  private writer: SqliteWriter | null = null;
  /** This store among the users of a shared writer thread (which tracks failures per user). */
  private readonly source = nextSource++;

  /** Appends are committed by the writer thread (see `writeThread`). */
  get offThread(): boolean {
    return this.writer !== null;
  }

  /**
   * Two batches in flight with the writer thread: it starts on the next group as soon as it has
   * committed one instead of waiting for the event loop to read its reply and post again (see
   * `ChainedSink`). The thread commits in order and refuses, untried, the batches a sink sent
   * before it saw one of its batches fail (`failuresSeen`).
   */
  get commitsInFlight(): number {
    return this.writer !== null ? 2 : 1;
  }

  constructor(private readonly opts: SqliteStoreOptions) {
    this.description = `sqlite:${opts.path}`;
    const bytes = opts.walCheckpointBytes;
    if (bytes !== undefined && !(Number.isSafeInteger(bytes) && bytes >= 65_536))
      throw new EvidenceError(
        'evidence/bad-config',
        `walCheckpointBytes must be a whole number of bytes, at least 65536, got ${String(bytes)}`,
        this.description,
      );
  }

  async open(): Promise<void> {
    if (this.db) return;
    try {
      if (!this.opts.readonly) mkdirSync(dirname(this.opts.path), { recursive: true });
      this.db = new Database(
        this.opts.path,
        this.opts.readonly ? { readonly: true, fileMustExist: true } : {},
      );
    } catch (e) {
      throw new EvidenceError(
        'evidence/store-unavailable',
        `cannot open evidence database ${this.opts.path}: ${e instanceof Error ? e.message : String(e)}`,
        this.opts.path,
      );
    }
    const db = this.db;
    if (!this.opts.readonly) {
      configureWriter(db, this.opts.durable !== false);
      const version = db.pragma('user_version', { simple: true }) as number;
      for (let v = version; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
      if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
      this.insertCheckpoint = db.prepare(
        'INSERT INTO evidence_checkpoints (stream, seq, body) VALUES (?, ?, ?)',
      );
      if (this.opts.writeThread === 'main') this.appendOnThisThread = prepareAppend(db);
      else {
        this.writer = acquireWriter({
          path: this.opts.path,
          durable: this.opts.durable !== false,
          walCheckpointBytes: this.opts.walCheckpointBytes ?? WAL_CHECKPOINT_BYTES,
        });
        try {
          await this.writer.start();
        } catch (e) {
          await releaseWriter(this.writer);
          this.writer = null;
          db.close();
          this.db = null;
          throw e;
        }
      }
    } else if ((db.pragma('user_version', { simple: true }) as number) < 1) {
      throw new EvidenceError(
        'evidence/store-unavailable',
        `${this.opts.path} is not a Rampart evidence database`,
        this.opts.path,
      );
    }
  }

  private handle(): Database.Database {
    if (!this.db) throw new EvidenceError('evidence/not-open', `${this.description} is not open`);
    return this.db;
  }

  async close(): Promise<void> {
    const writer = this.writer;
    this.writer = null;
    this.appendOnThisThread = null;
    if (writer) await releaseWriter(writer);
    this.db?.close();
    this.db = null;
  }

  async tail(stream: string): Promise<ChainTail | null> {
    const row = this.handle()
      .prepare('SELECT seq, hash FROM decision_records WHERE stream = ? ORDER BY seq DESC LIMIT 1')
      .get(stream) as ChainTail | undefined;
    return row ?? null;
  }

  async append(records: DecisionRecord[], checkpoints: Checkpoint[]): Promise<void> {
    return this.appendRows(recordRows(records), checkpoints);
  }

  async appendRows(rows: unknown[], checkpoints: Checkpoint[], failuresSeen?: number): Promise<void> {
    this.handle();
    const cps = checkpoints.map((c): CheckpointRow => [c.stream, c.seq, JSON.stringify(c)]);
    if (this.writer) return this.writer.append(rows, cps, this.source, failuresSeen);
    if (!this.appendOnThisThread)
      throw new EvidenceError('evidence/not-open', `${this.description} is open read-only`);
    this.appendOnThisThread(rows, cps);
  }

  /** @internal The writer thread's handle (tests: sinks of one file share it). */
  writerForTest(): SqliteWriter | null {
    return this.writer;
  }

  /** @internal Ends the writer thread as a crash would (tests of the failure path). */
  async crashWriterForTest(): Promise<void> {
    await this.writer?.terminate();
  }

  async select(f: RecordFilter): Promise<DecisionRecord[]> {
    const where: string[] = ['body IS NOT NULL'];
    const args: unknown[] = [];
    if (f.since) where.push('time_ms >= ?') && args.push(f.since.getTime());
    if (f.until) where.push('time_ms < ?') && args.push(f.until.getTime());
    for (const [col, v] of [
      ['point', f.point],
      ['outcome', f.outcome],
      ['route', f.route],
      ['interaction', f.interaction],
      ['subject', f.subject],
      ['tenant', f.tenant],
      ['stream', f.stream],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        args.push(v);
      }
    }
    if (f.rule !== undefined) {
      where.push("EXISTS (SELECT 1 FROM json_each(body, '$.rules') WHERE value = ?)");
      args.push(f.rule);
    }
    const dir = f.order === 'desc' ? 'DESC' : 'ASC';
    let sql = `SELECT body FROM decision_records WHERE ${where.join(' AND ')} ORDER BY time_ms ${dir}, seq ${dir}`;
    if (f.limit !== undefined) {
      sql += ' LIMIT ?';
      args.push(f.limit);
    }
    const rows = this.handle()
      .prepare(sql)
      .pluck()
      .all(...args) as string[];
    return rows.map((b) => JSON.parse(b) as DecisionRecord);
  }

  async streams(): Promise<string[]> {
    return this.handle()
      .prepare(
        'SELECT DISTINCT stream FROM decision_records UNION SELECT DISTINCT stream FROM evidence_checkpoints',
      )
      .pluck()
      .all() as string[];
  }

  async links(stream: string): Promise<StoredLink[]> {
    const rows = this.handle()
      .prepare('SELECT stream, seq, prev, hash, body FROM decision_records WHERE stream = ? ORDER BY pos')
      .all(stream) as LinkRow[];
    return rows.map((r) => ({
      stream: r.stream,
      seq: r.seq,
      prev: r.prev,
      hash: r.hash,
      record: r.body === null ? null : (JSON.parse(r.body) as DecisionRecord),
    }));
  }

  async checkpoints(stream: string): Promise<Checkpoint[]> {
    const rows = this.handle()
      .prepare('SELECT body FROM evidence_checkpoints WHERE stream = ? ORDER BY pos')
      .pluck()
      .all(stream) as string[];
    return rows.map((b) => JSON.parse(b) as Checkpoint);
  }

  async purge(
    now: Date,
    sign: (b: Omit<Checkpoint, 'keyId' | 'signature'>) => Checkpoint,
  ): Promise<PurgeResult> {
    const db = this.handle();
    const result: PurgeResult = { purged: 0, checkpoints: [] };
    const streams = db
      .prepare('SELECT DISTINCT stream FROM decision_records WHERE expires_ms <= ? AND body IS NOT NULL')
      .pluck()
      .all(now.getTime()) as string[];
    for (const stream of streams) {
      const rows = db
        .prepare(
          'SELECT seq, hash, body IS NULL AS removed, expires_ms FROM decision_records WHERE stream = ? ORDER BY pos',
        )
        .all(stream) as { seq: number; hash: string; removed: number; expires_ms: number | null }[];
      const plan = planPurge(
        stream,
        rows.map((r) => ({ seq: r.seq, hash: r.hash, removed: r.removed === 1, expiresMs: r.expires_ms })),
        now,
      );
      if (!plan.checkpoint) continue;
      const cp = sign(plan.checkpoint);
      const clear = db.prepare(
        'UPDATE decision_records SET body = NULL, subject = NULL, interaction = NULL WHERE stream = ? AND seq = ?',
      );
      db.transaction(() => {
        for (const seq of plan.expire) clear.run(stream, seq);
        if (plan.dropThrough !== null)
          db.prepare('DELETE FROM decision_records WHERE stream = ? AND seq <= ?').run(
            stream,
            plan.dropThrough,
          );
        this.insertCheckpoint.run(cp.stream, cp.seq, JSON.stringify(cp));
      })();
      result.purged += plan.expire.length;
      result.checkpoints.push(cp);
    }
    return result;
  }
}
