/**
 * Evidence buffering for `onEvidenceFailure: 'buffer'`: when the store refuses a record, the record
 * is appended to a local JSONL spill file and replayed, in order, once the store accepts writes again.
 * The spill file holds decision records only (never raw prompts), like the store itself.
 */
import { appendFile, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DecisionRecordInput, EvidenceSink, SinkHealth } from '../evidence/sink.js';

/** A sink wrapper that spills to `path` while `inner` is down. */
export class SpillingSink implements EvidenceSink {
  private spilled = 0;
  private replaying: Promise<number> | undefined;
  // Every spill-file operation runs through this chain so appends never interleave with a rewrite.
  private fileOps: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly inner: EvidenceSink,
    private readonly path: string,
  ) {}

  open(): Promise<void> {
    return this.inner.open();
  }

  async write(record: DecisionRecordInput): Promise<void> {
    if (this.spilled > 0 || this.replaying) {
      // Keep order: while records wait in the spill file, new ones queue behind them.
      await this.spill(record);
      this.scheduleReplay();
      return;
    }
    try {
      await this.inner.write(record);
    } catch {
      await this.spill(record);
    }
  }

  private withFile<T>(op: () => Promise<T>): Promise<T> {
    const next = this.fileOps.then(op, op);
    this.fileOps = next.catch(() => undefined);
    return next;
  }

  private spill(record: DecisionRecordInput): Promise<void> {
    return this.withFile(async () => {
      if (this.spilled === 0) await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      await appendFile(this.path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
      this.spilled++;
    });
  }

  private scheduleReplay(): void {
    if (!this.replaying) void this.replay().catch(() => undefined);
  }

  /** Writes spilled records to the store in order; stops at the first failure and keeps the rest. */
  replay(): Promise<number> {
    if (this.replaying) return this.replaying;
    this.replaying = this.runReplay().finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  private async runReplay(): Promise<number> {
    let done = 0;
    while (this.spilled > 0) {
      const lines = await this.withFile(async () => {
        const text = await readFile(this.path, 'utf8').catch(() => '');
        return text.split('\n').filter((l) => l.length > 0);
      });
      let i = 0;
      for (; i < lines.length; i++) {
        try {
          await this.inner.write(JSON.parse(lines[i]!) as DecisionRecordInput);
        } catch {
          break;
        }
        done++;
      }
      const replayed = i;
      const failed = i < lines.length;
      // Drop the replayed prefix; records spilled meanwhile stay behind the rest.
      await this.withFile(async () => {
        const text = await readFile(this.path, 'utf8').catch(() => '');
        const all = text.split('\n').filter((l) => l.length > 0);
        const rest = all.slice(replayed);
        if (rest.length === 0) await unlink(this.path).catch(() => undefined);
        else {
          await writeFile(`${this.path}.tmp`, `${rest.join('\n')}\n`, { mode: 0o600 });
          await rename(`${this.path}.tmp`, this.path);
        }
        this.spilled = rest.length;
      });
      if (failed) break;
    }
    return done;
  }

  async flush(): Promise<void> {
    await this.replaying;
    await this.inner.flush();
  }

  async close(): Promise<void> {
    await this.replaying;
    await this.inner.close();
  }

  async health(): Promise<SinkHealth> {
    let inner: SinkHealth;
    try {
      inner = await this.inner.health();
    } catch (e) {
      inner = { ok: false, queued: 0, spilled: 0, detail: (e as Error).message };
    }
    return { ...inner, spilled: inner.spilled + this.spilled };
  }
}
