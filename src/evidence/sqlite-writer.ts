/**
 * The main-thread side of the SQLite writer thread (sqlite-write-worker.ts): posts batches as flat
 * row arrays (record-row.ts) and resolves each when the thread's commit (and WAL fsync) returned, so an
 * acknowledgement still means "durable". While the thread commits group N the event loop is free
 * to build and chain group N+1.
 *
 * The thread is referenced only while a batch is in flight: an idle writer never keeps a process
 * (a CLI, a test) alive, and one awaiting an acknowledgement is not cut short. A thread that dies
 * fails its pending batches with `evidence/store-unavailable` (the sink spills them) and the next
 * batch starts a new one.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EvidenceError } from './errors.js';
import type { CheckpointRow } from './sqlite-insert.js';
import type { WriterData } from './sqlite-write-worker.js';
import { workerScript } from './worker-script.js';

type Reply = { ready: true } | { error: string; id?: number } | { id: number };

interface Pending {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** One writer thread owning the write connection of one SQLite database. */
export class SqliteWriter {
  private worker: Worker | null = null;
  private starting: Promise<Worker> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;

  constructor(private readonly data: WriterData) {}

  private fail(message: string): EvidenceError {
    return new EvidenceError(
      'evidence/store-unavailable',
      `evidence writer for ${this.data.path}: ${message}`,
      this.data.path,
    );
  }

  /** Starts the thread (if not running) and waits until its connection is open. */
  start(): Promise<Worker> {
    if (this.worker) return Promise.resolve(this.worker);
    this.closing = false;
    this.starting ??= new Promise<Worker>((resolve, reject) => {
      const how = workerScript('sqlite-write-worker');
      const w = new Worker(how.script, { workerData: this.data, eval: how.eval });
      let ready = false;
      w.on('message', (m: Reply) => {
        if (!ready) {
          ready = true;
          this.starting = null;
          if ('error' in m) {
            void w.terminate();
            reject(this.fail(m.error));
            return;
          }
          this.worker = w;
          w.unref();
          resolve(w);
          return;
        }
        if (!('id' in m) || m.id === undefined) return;
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (this.pending.size === 0) w.unref();
        if ('error' in m) p.reject(this.fail(m.error));
        else p.resolve();
      });
      w.on('error', (e) => this.died(w, e.message, ready ? undefined : reject));
      w.on('exit', (code) => this.died(w, `thread exited (code ${code})`, ready ? undefined : reject));
    });
    return this.starting;
  }

  private died(w: Worker, why: string, rejectStart?: (e: unknown) => void): void {
    if (this.worker === w) this.worker = null;
    if (rejectStart) {
      this.starting = null;
      rejectStart(this.fail(why));
    }
    if (this.pending.size === 0) return;
    const err = this.fail(this.closing ? 'closed' : why);
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(err);
  }

  /**
   * Commits one batch in the thread; resolves once it is durable. With `source` and `failuresSeen`
   * (see `RecordStore.appendRows`), the thread refuses it untried when a batch of the same source
   * sent with the same `failuresSeen` failed: it was sent before its sender saw that failure.
   */
  async append(
    rows: unknown[],
    checkpoints: CheckpointRow[],
    source = 0,
    failuresSeen = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    const w = this.worker ?? (await this.start());
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    if (this.pending.size === 1) w.ref();
    w.postMessage({ id, source, seen: failuresSeen, rows, checkpoints });
    return done;
  }

  /** Lets in-flight batches finish, closes the connection and ends the thread. */
  async close(): Promise<void> {
    const w = this.worker ?? (this.starting ? await this.starting.catch(() => null) : null);
    if (!w) return;
    this.closing = true;
    // Messages are handled in order: batches posted before `close` commit (and are answered) first.
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    w.ref();
    w.postMessage({ close: true });
    const timer = setTimeout(() => void w.terminate(), 5000);
    await exited;
    clearTimeout(timer);
    this.worker = null;
  }

  /** Ends the thread at once (tests simulate a crashed writer with it). */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }
}

/**
 * Writer threads by database file and durability. Sinks of one file in one process (the decision
 * stream and the server's admin audit stream) share one thread and connection, so their commits
 * queue there instead of meeting SQLite's write lock, whose busy handler sleeps 1-100 ms per retry.
 */
const sharedWriters = new Map<string, { writer: SqliteWriter; users: number }>();

/** The writer thread for `data.path` (one per file and durability), counted until {@link releaseWriter}. */
export function acquireWriter(data: WriterData): SqliteWriter {
  const key = `${resolve(data.path)}\0${data.durable}`;
  let entry = sharedWriters.get(key);
  if (!entry) {
    entry = { writer: new SqliteWriter(data), users: 0 };
    sharedWriters.set(key, entry);
  }
  entry.users++;
  return entry.writer;
}

/** Gives up one use of `writer`; the last one closes it (after its in-flight batches commit). */
export async function releaseWriter(writer: SqliteWriter): Promise<void> {
  for (const [key, entry] of sharedWriters) {
    if (entry.writer !== writer) continue;
    if (--entry.users > 0) return;
    sharedWriters.delete(key);
    break;
  }
  await writer.close();
}
