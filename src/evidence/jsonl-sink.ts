/** Sinks writing JSON Lines: rotated files, or stdout. */
import { dirname } from 'node:path';
import { type ChainTail, recordJson } from './chain.js';
import { ChainedSink, type ChainedSinkOptions } from './chained-sink.js';
import type { Checkpoint } from './checkpoint.js';
import { JsonlStore, type JsonlStoreOptions } from './jsonl-store.js';
import type { DecisionRecord } from './record.js';
import { rowsJsonLines } from './record-row.js';
import type { RecordStore } from './store.js';

/** Options of {@link JsonlSink}: the file, rotation, and the common sink options. */
export type JsonlSinkOptions = JsonlStoreOptions & ChainedSinkOptions;

/** Writes chained records to a JSON Lines file with size/time rotation; keys live beside the file. */
export class JsonlSink extends ChainedSink {
  declare readonly store: JsonlStore;

  constructor(options: JsonlSinkOptions) {
    super(new JsonlStore(options), { keyDir: dirname(options.path), lockPath: options.path, ...options });
  }
}

/** Writes lines to a stream (stdout by default); nothing to read back, so the chain starts per run. */
class StreamStore implements RecordStore {
  readonly description = 'stdout';
  constructor(private readonly out: NodeJS.WritableStream) {}
  async open(): Promise<void> {}
  async close(): Promise<void> {}
  async tail(): Promise<ChainTail | null> {
    return null;
  }
  async append(records: DecisionRecord[], checkpoints: Checkpoint[]): Promise<void> {
    let text = '';
    for (const r of records) text += recordJson(r) + '\n';
    await this.appendText(text, checkpoints);
  }

  async appendRows(rows: unknown[], checkpoints: Checkpoint[]): Promise<void> {
    await this.appendText(rowsJsonLines(rows), checkpoints);
  }

  private async appendText(records: string, checkpoints: Checkpoint[]): Promise<void> {
    let text = records;
    for (const c of checkpoints) text += JSON.stringify({ checkpoint: c }) + '\n';
    if (!text) return;
    await new Promise<void>((resolve, reject) => {
      this.out.write(text, (e) => (e ? reject(e) : resolve()));
    });
  }
}

/** Writes chained records to stdout (or another stream), e.g. for a log collector. */
export class StdoutSink extends ChainedSink {
  constructor(options: ChainedSinkOptions & { out?: NodeJS.WritableStream } = {}) {
    super(new StreamStore(options.out ?? process.stdout), {
      stream: `stdout-${process.pid}-${Date.now()}`,
      ...options,
    });
  }
}
