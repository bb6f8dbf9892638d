/**
 * The SQLite WAL checkpoint thread, started by the writer thread (sqlite-write-worker.ts): copies
 * the write-ahead log into the database file on a connection of its own, so the copy and the
 * database file's fsync no longer stall commits. In the writer thread every ~40 MB of WAL cost a
 * 30-100 ms commit (300k records: the eight slowest of 293 commits took 330 of 1,717 ms), and
 * every write awaiting one of those commits waited as long.
 *
 * These are SQLite's WAL checkpoints, not the evidence chain's signed checkpoints.
 *
 * Protocol (messages from the writer thread):
 * - `{ checkpoint: true }` → PASSIVE checkpoints until the WAL is fully copied or {@link MAX_PASSES}
 *   passes ran (the writer keeps appending meanwhile) → `{ done: true }`, or `{ error }`;
 * - `{ close: true }` → closes the connection and ends the thread.
 * At start it posts `{ ready: true }`, or `{ error }` when the database cannot be opened.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** What the writer thread passes to the checkpoint thread. */
export interface WalCheckpointData {
  path: string;
}

/** One row of `PRAGMA wal_checkpoint`. */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/**
 * Passes per request. Each copies what the WAL held when it began; the next copies what the writer
 * appended meanwhile, a shorter stretch each time, until one ends with the whole WAL copied (and
 * the writer's next commit restarts the WAL from its beginning).
 */
const MAX_PASSES = 8;

const port = parentPort!;
const { path } = workerData as WalCheckpointData;
let db: Database.Database | null = null;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

try {
  db = new Database(path, { fileMustExist: true });
  port.postMessage({ ready: true });
} catch (e) {
  db = null;
  port.postMessage({ error: message(e) });
}

port.on('message', (m: { checkpoint: true } | { close: true }) => {
  if ('close' in m) {
    db?.close();
    db = null;
    port.close();
    return;
  }
  try {
    if (!db) throw new Error('database is not open');
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
      // busy: another checkpoint (the writer's own safety net) holds the lock; it will finish the job.
      if (r?.busy !== 0 || r.checkpointed >= r.log) break;
    }
    port.postMessage({ done: true });
  } catch (e) {
    port.postMessage({ error: message(e) });
  }
});
