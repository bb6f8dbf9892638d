/**
 * The SQLite writer thread: owns the write connection, so the commit and its WAL fsync block this
 * thread instead of the event loop. A server profile (32 connections, SQLite evidence) had
 * better-sqlite3's transaction at 24 % self time of the main thread, plus 7.8 % in the insert loop.
 * Copying the WAL into the database file is left to a checkpoint thread of its own
 * (sqlite-wal-checkpoint-worker.ts), which this thread starts and asks for a checkpoint every
 * {@link WAL_CHECKPOINT_BYTES} of records.
 *
 * Protocol (messages from the main thread, see sqlite-writer.ts):
 * - `{ id, source, seen, rows, checkpoints }` → `{ id }` once committed, or `{ id, error }`; after
 *   a failed batch, later batches of the same source sent with the same `seen` (before their sink
 *   saw the failure) are refused without being tried, so none commits ahead of the failed one;
 * - `{ close: true }` → closes the database and ends the thread.
 * At start it posts `{ ready: true }`, or `{ error }` when the database cannot be opened.
 */
import { once } from 'node:events';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { COL, ROW_WIDTH } from './record-row.js';
import {
  type AppendRows,
  type CheckpointRow,
  configureWriter,
  prepareAppend,
  setWalAutoCheckpoint,
  WAL_CHECKPOINT_BYTES,
} from './sqlite-insert.js';
import type { WalCheckpointData } from './sqlite-wal-checkpoint-worker.js';
import { workerScript } from './worker-script.js';

/** What the main thread passes to the writer thread. */
export interface WriterData {
  path: string;
  durable: boolean;
  /** WAL bytes between checkpoints; default {@link WAL_CHECKPOINT_BYTES}. */
  walCheckpointBytes?: number;
}

type Request =
  | { id: number; source: number; seen: number; rows: unknown[]; checkpoints: CheckpointRow[] }
  | { close: true };

/**
 * While the checkpoint thread runs, this connection still checkpoints by itself once the WAL passes
 * this many times the threshold: should that thread fall behind, the WAL stays bounded (at the old
 * cost of a stall).
 */
const SAFETY_NET_FACTOR = 4;
/**
 * Bytes counted per record besides its JSON text, for the columns and index entries. A rough count:
 * the WAL's frames run ~1.4x it (16 KB pages, ~790-byte records; each commit also rewrites index
 * pages), so a checkpoint comes every ~55 MB of WAL at the 40 MB default.
 */
const ROW_OVERHEAD_BYTES = 300;

/**
 * The checkpoint thread as this thread sees it: asked for a checkpoint every so many bytes, and
 * started only when the first is due. Most stores (tests, CLI tools, a quiet server) never write
 * that much, and starting it cost ~190 ms of CPU under tsx (~40 ms for a plain worker): at open it
 * made every store's open and close ~130 ms slower.
 */
class WalCheckpointer {
  private worker: Worker | null = null;
  private ready = false;
  private running = false;
  private lost = false;
  private closing = false;
  private written = 0;

  /**
   * `onDone` runs when the thread has copied all but a residue of the WAL, `onLost` if it fails to
   * start, fails or ends unasked (this thread then checkpoints by itself).
   */
  constructor(
    private readonly path: string,
    private readonly threshold: number,
    private readonly onDone: () => void,
    private readonly onLost: () => void,
  ) {}

  private start(): void {
    const how = workerScript('sqlite-wal-checkpoint-worker');
    const data: WalCheckpointData = { path: this.path };
    const worker = new Worker(how.script, { workerData: data, eval: how.eval });
    this.worker = worker;
    worker.unref();
    const lose = () => {
      if (this.lost || this.closing) return;
      this.lost = true;
      this.ready = false;
      this.onLost();
    };
    worker.on('message', (m: { ready: true } | { done: true } | { error: string }) => {
      if ('ready' in m) {
        this.ready = true;
        this.wrote(0); // the checkpoint that started it
      } else if ('done' in m) {
        this.running = false;
        this.onDone();
      } else if (!this.ready) lose();
      // A failed checkpoint is retried at the next threshold; the safety net bounds the WAL meanwhile.
      else this.running = false;
    });
    worker.on('error', lose);
    worker.on('exit', lose);
  }

  /** Counts `bytes` appended to the WAL; past the threshold, asks for a checkpoint unless one runs. */
  wrote(bytes: number): void {
    this.written += bytes;
    if (this.lost || this.running || this.written < this.threshold) return;
    if (this.worker === null) this.start();
    if (!this.ready) return;
    this.written = 0;
    this.running = true;
    this.worker?.postMessage({ checkpoint: true });
  }

  /** Lets a running checkpoint finish, then ends the thread. */
  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (worker === null) return;
    const exited = once(worker, 'exit');
    worker.postMessage({ close: true });
    const timer = setTimeout(() => void worker.terminate(), 5000);
    await exited.catch(() => undefined);
    clearTimeout(timer);
  }
}

/** Bytes the rows of a batch add to the WAL, roughly. */
function batchBytes(rows: unknown[]): number {
  let bytes = 0;
  for (let i = COL.body; i < rows.length; i += ROW_WIDTH)
    bytes += (rows[i] as string).length + ROW_OVERHEAD_BYTES;
  return bytes;
}

const port = parentPort!;
const { path, durable, walCheckpointBytes = WAL_CHECKPOINT_BYTES } = workerData as WriterData;
let db: Database.Database | null = null;
let append: AppendRows | null = null;
let checkpointer: WalCheckpointer | null = null;
/** Per source: the `seen` count its last failed batch was sent with, and why it failed. */
const failed = new Map<number, { seen: number; why: string }>();
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

try {
  db = new Database(path);
  configureWriter(db, durable, SAFETY_NET_FACTOR * walCheckpointBytes);
  append = prepareAppend(db);
  checkpointer = new WalCheckpointer(
    path,
    walCheckpointBytes,
    // The residue the thread left, copied here between two commits: the next commit then finds the
    // WAL wholly copied and restarts it from the beginning (see sqlite-wal-checkpoint-worker.ts).
    () => {
      try {
        db?.pragma('wal_checkpoint(PASSIVE)');
      } catch {
        // The safety net or the next request will do it.
      }
    },
    // Should the checkpoint thread fail, this connection checkpoints at the threshold itself.
    () => {
      checkpointer = null;
      if (db) setWalAutoCheckpoint(db, walCheckpointBytes);
    },
  );
  port.postMessage({ ready: true });
} catch (e) {
  db?.close();
  db = null;
  port.postMessage({ error: message(e) });
}

async function close(): Promise<void> {
  await checkpointer?.close();
  checkpointer = null;
  db?.close();
  db = null;
  port.close();
}

port.on('message', (m: Request) => {
  if ('close' in m) {
    void close();
    return;
  }
  // A batch without a count (seen = Infinity: a spill replay, a direct store append) is always
  // tried, and its failure bars nothing.
  const earlier = failed.get(m.source);
  if (earlier !== undefined && m.seen <= earlier.seen) {
    port.postMessage({ id: m.id, error: `not tried: an earlier batch failed (${earlier.why})` });
    return;
  }
  try {
    if (!append) throw new Error('evidence database is not open');
    append(m.rows, m.checkpoints);
    port.postMessage({ id: m.id });
    checkpointer?.wrote(batchBytes(m.rows));
  } catch (e) {
    const why = message(e);
    if (Number.isFinite(m.seen)) failed.set(m.source, { seen: m.seen, why });
    port.postMessage({ id: m.id, error: why });
  }
});
