/**
 * The local append-only file a sink writes to while its store is down. Each batch is appended and
 * fsynced before the records are acknowledged; replay reads it back in order.
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Checkpoint } from './checkpoint.js';
import type { DecisionRecord } from './record.js';

/** One spilled entry: a record or a checkpoint. */
export type SpillEntry = { r: DecisionRecord } | { c: Checkpoint };

/** An fsynced JSON Lines spill file. */
export class SpillFile {
  private fd: number | null = null;
  private count = 0;

  constructor(readonly path: string) {}

  /** Opens the file (creating it) and counts what is already there. */
  open(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, 'a+', 0o600);
    this.count = this.read().length;
  }

  /** Entries waiting for replay. */
  size(): number {
    return this.count;
  }

  /** Appends entries and fsyncs; when this returns they are durable. */
  append(entries: SpillEntry[]): void {
    let text = '';
    for (const e of entries) text += JSON.stringify(e) + '\n';
    this.appendText(text, entries.length);
  }

  /** Appends `count` entries already serialised as JSON Lines, and fsyncs. */
  appendText(text: string, count: number): void {
    if (this.fd === null) this.open();
    writeSync(this.fd!, text);
    fsyncSync(this.fd!);
    this.count += count;
  }

  /** Everything spilled, in order. A torn last line (crash mid-write, never acknowledged) is ignored. */
  read(): SpillEntry[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: SpillEntry[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as SpillEntry);
      } catch {
        break;
      }
    }
    return out;
  }

  /** Empties the file after a successful replay. */
  clear(): void {
    if (this.fd === null) this.open();
    ftruncateSync(this.fd!, 0);
    fsyncSync(this.fd!);
    this.count = 0;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
