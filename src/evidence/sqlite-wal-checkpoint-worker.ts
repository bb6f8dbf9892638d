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
 * - `{ checkpoint: true }` → PASSIVE checkpoints until a pass finds little new in the WAL or
 *   {@link MAX_PASSES} passes ran (the writer keeps appending meanwhile) → `{ done: true }`, after
 *   which the writer copies the residue, or `{ error }`;
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
 * appended meanwhile, a shorter stretch each time. The WAL restarts from its beginning only at a
 * commit that finds it wholly copied, which a busy writer (always in a transaction) never lets
 * this thread see: so once a pass found only {@link RESIDUE_FRAMES} new frames, this thread reports
 * done and the writer copies the residue itself between two commits (measured: without that the
 * WAL grew to 8,448 frames, 138 MB, against a 40 MB threshold).
 */
const MAX_PASSES = 8;
/** New frames (16 KB each) few enough for the writer to copy between two commits. */
const RESIDUE_FRAMES = 128;

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
    let previous = Number.NEGATIVE_INFINITY;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
      // busy: another checkpoint (the writer's own) holds the lock; it will finish the job.
      if (r?.busy !== 0 || r.log - previous <= RESIDUE_FRAMES) break;
      previous = r.log;
    }
    port.postMessage({ done: true });
  } catch (e) {
    port.postMessage({ error: message(e) });
  }
});
