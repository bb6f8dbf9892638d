/**
 * The SQLite writer thread: owns the write connection, so the commit and its WAL fsync block this
 * thread instead of the event loop. A server profile (32 connections, SQLite evidence) had
 * better-sqlite3's transaction at 24 % self time of the main thread, plus 7.8 % in the insert loop.
 *
 * Protocol (messages from the main thread, see sqlite-writer.ts):
 * - `{ id, rows, checkpoints }` → `{ id }` once committed, or `{ id, error }`;
 * - `{ close: true }` → closes the database and ends the thread.
 * At start it posts `{ ready: true }`, or `{ error }` when the database cannot be opened.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type AppendRows, type CheckpointRow, configureWriter, prepareAppend } from './sqlite-insert.js';

/** What the main thread passes to the writer thread. */
export interface WriterData {
  path: string;
  durable: boolean;
}

type Request = { id: number; rows: unknown[]; checkpoints: CheckpointRow[] } | { close: true };

const port = parentPort!;
const { path, durable } = workerData as WriterData;
let db: Database.Database | null = null;
let append: AppendRows | null = null;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

try {
  db = new Database(path);
  configureWriter(db, durable);
  append = prepareAppend(db);
  port.postMessage({ ready: true });
} catch (e) {
  db?.close();
  db = null;
  port.postMessage({ error: message(e) });
}

port.on('message', (m: Request) => {
  if ('close' in m) {
    db?.close();
    db = null;
    port.close();
    return;
  }
  try {
    if (!append) throw new Error('evidence database is not open');
    append(m.rows, m.checkpoints);
    port.postMessage({ id: m.id });
  } catch (e) {
    port.postMessage({ id: m.id, error: message(e) });
  }
});
