/**
 * The one {@link EvidenceSink} implementation: builds records, chains them, and commits them to a
 * {@link RecordStore} in groups from an in-process queue. Memory is bounded (`maxQueue`; beyond it
 * writes are refused with `evidence/queue-full` so the guard's `onEvidenceFailure` decides). When the
 * store fails, batches go to a local spill file (fsynced before acknowledging) and are replayed in
 * order once the store is back. A write resolves only when its record is durable in one or the other.
 */
import { ChainWriter } from './chain.js';
import { type CheckpointSigner, generateSigner, loadSigner, signCheckpoint } from './checkpoint.js';
import { EvidenceError } from './errors.js';
import type { BuildRecordOptions, DecisionRecord, Redactor } from './record.js';
import { COL, ROW_WIDTH, rowRecords } from './record-row.js';
import type { DecisionRecordInput, EvidenceSink, SinkHealth } from './sink.js';
import { SpillFile } from './spill-file.js';
import { isReadableStore, type PurgeResult, type RecordStore } from './store.js';
import { lockStream, type StreamLock } from './stream-lock.js';
import { loadSubjectKey } from './subject-key.js';

/** Options shared by every sink. */
export interface ChainedSinkOptions {
  /** The chain this writer appends to; one writer per stream. Default `default`. */
  stream?: string;
  /** Directory holding `subject.key` and `checkpoint-key.pem` (created when absent). */
  keyDir?: string;
  /** Subject HMAC key; overrides `RAMPART_SUBJECT_KEY` and the key file. */
  subjectKey?: Buffer | string;
  /** Checkpoint signer; default the key in `keyDir`, or a fresh one when there is no `keyDir`. */
  signer?: CheckpointSigner;
  /** Applied to every string value kept from the request. */
  redact?: Redactor;
  /** Most records per commit. Default 8192. */
  batchSize?: number;
  /** Most records accepted but not yet durable. Default 65536. */
  maxQueue?: number;
  /** A signed checkpoint every this many records (and at close). Default 10000. */
  checkpointEvery?: number;
  /** Spill file used while the store is down; without it such writes are rejected. */
  spillPath?: string;
  /** How often to try replaying the spill file. Default 1000 ms. */
  replayIntervalMs?: number;
  /** Purge records past their retention this often (readable stores only); off when absent. */
  purgeIntervalMs?: number;
  /**
   * Base path of per-stream lock files (file-backed stores set it). A stream held by another live
   * process is refused when `stream` was given, else this writer takes `<stream>-<pid>`.
   */
  lockPath?: string;
  /**
   * With `lockPath`: treat `stream` as a preference, not a demand — when another live process holds
   * it, take `<stream>-<pid>` as for an implicit stream (a short-lived writer such as the CLI's admin
   * audit, beside a server holding `admin`).
   */
  streamFallback?: boolean;
}

/**
 * Records that will be committed together, and the one promise every writer of them awaits. One
 * promise per group instead of a promise, two resolving functions and a queue entry per write
 * (0.06-0.3 µs CPU per write in a micro-benchmark, and garbage that lives until the commit).
 * The records wait as rows of one flat array (record-row.ts), not as record objects.
 */
interface Group {
  rows: unknown[];
  /** Records in `rows`. */
  n: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function newGroup(): Group {
  const g = { rows: [], n: 0 } as unknown as Group;
  g.done = new Promise<void>((resolve, reject) => {
    g.resolve = resolve;
    g.reject = reject;
  });
  return g;
}

/** A sink over any {@link RecordStore}. */
export class ChainedSink implements EvidenceSink {
  private readonly opts: Required<
    Pick<ChainedSinkOptions, 'batchSize' | 'maxQueue' | 'checkpointEvery' | 'replayIntervalMs'>
  >;
  private chain: ChainWriter | null = null;
  private subjectKey: Buffer | null = null;
  private readonly subjectCache = new Map<string, string>();
  private buildOptions: BuildRecordOptions | null = null;
  private signer: CheckpointSigner | null = null;
  private spill: SpillFile | null = null;
  private lock: StreamLock | null = null;
  /** Groups waiting for their commit, oldest first; only the last one still takes records. */
  private groups: Group[] = [];
  /** Records in `groups`. */
  private queued = 0;
  private busy = false;
  private scheduled = false;
  private idle: (() => void)[] = [];
  private lastCheckpointSeq = 0;
  private spilling = false;
  private replayTimer: NodeJS.Timeout | null = null;
  private purgeTimer: NodeJS.Timeout | null = null;
  private lastError: string | undefined;
  /** Store failures this sink has seen (`RecordStore.appendRows`' `failuresSeen`). */
  private failuresSeen = 0;
  /** Wakes a pipelined drain waiting for the group being filled to close (see `drainPipelined`). */
  private onGroupClosed: (() => void) | null = null;
  private state: 'new' | 'open' | 'closed' = 'new';
  private streamName: string;

  constructor(
    readonly store: RecordStore,
    private readonly options: ChainedSinkOptions = {},
  ) {
    this.streamName = options.stream ?? 'default';
    this.opts = {
      batchSize: options.batchSize ?? 8192,
      maxQueue: options.maxQueue ?? 65536,
      checkpointEvery: options.checkpointEvery ?? 10_000,
      replayIntervalMs: options.replayIntervalMs ?? 1000,
    };
  }

  /** The chain this sink appends to (after `open`, possibly `<stream>-<pid>`; see `lockPath`). */
  get stream(): string {
    return this.streamName;
  }

  async open(): Promise<void> {
    if (this.state === 'open') return;
    try {
      await this.openInner();
    } catch (e) {
      // A writer that failed to open must not keep its stream from the next one.
      this.lock?.release();
      this.lock = null;
      throw e;
    }
  }

  private async openInner(): Promise<void> {
    this.subjectKey = loadSubjectKey(this.options.keyDir, this.options.subjectKey);
    this.buildOptions = {
      subjectKey: this.subjectKey,
      redact: this.options.redact,
      subjectCache: this.subjectCache,
    };
    this.signer =
      this.options.signer ?? (this.options.keyDir ? loadSigner(this.options.keyDir) : generateSigner());
    await this.store.open();
    if (this.options.lockPath) {
      this.lock = lockStream(
        this.options.lockPath,
        this.options.stream ?? 'default',
        this.options.stream !== undefined && this.options.streamFallback !== true,
      );
      this.streamName = this.lock.stream;
    }
    const spillPath = this.options.spillPath;
    if (spillPath)
      this.spill = new SpillFile(
        this.lock && this.lock.stream !== (this.options.stream ?? 'default')
          ? `${spillPath.replace(/\.jsonl$/, '')}.${this.lock.stream}.jsonl`
          : spillPath,
      );
    this.spill?.open();
    if (this.spill && this.spill.size() > 0) {
      this.spilling = true;
      await this.replay();
    }
    let tail = await this.store.tail(this.stream);
    if (this.spilling && this.spill) {
      // The store is still behind the spill file: continue from the last spilled record.
      const entries = this.spill.read();
      for (let i = entries.length - 1; i >= 0; i--) {
        const e = entries[i]!;
        if ('r' in e && e.r.stream === this.stream) {
          tail = { seq: e.r.seq, hash: e.r.hash };
          break;
        }
      }
      this.startReplayTimer();
    }
    this.chain = new ChainWriter(this.stream, tail);
    this.lastCheckpointSeq = tail?.seq ?? 0;
    this.state = 'open';
    if (this.options.purgeIntervalMs && isReadableStore(this.store)) {
      this.purgeTimer = setInterval(
        () => void this.purgeNow().catch(() => undefined),
        this.options.purgeIntervalMs,
      );
      this.purgeTimer.unref();
    }
  }

  /**
   * Purges records past retention now, between group commits, leaving a signed purge checkpoint.
   * The running sink does this on `purgeIntervalMs`; `rampart logs purge` does the same offline.
   */
  async purgeNow(now = new Date()): Promise<PurgeResult> {
    const store = this.store;
    if (this.state !== 'open' || !isReadableStore(store) || this.spilling)
      return { purged: 0, checkpoints: [] };
    if (this.busy) await this.flush();
    this.busy = true;
    try {
      return await store.purge(now, (b) => signCheckpoint(this.signer!, b));
    } catch (e) {
      this.lastError = `purge failed: ${e instanceof Error ? e.message : String(e)}`;
      throw e;
    } finally {
      this.release();
    }
  }

  /** Ends a busy section: commit what queued meanwhile, or wake `flush()` callers when idle. */
  private release(): void {
    this.busy = false;
    if (this.queued > 0) this.schedule();
    else {
      const waiters = this.idle;
      this.idle = [];
      for (const w of waiters) w();
    }
  }

  write(input: DecisionRecordInput): Promise<void> {
    if (this.state !== 'open' || !this.chain || !this.buildOptions)
      return Promise.reject(
        new EvidenceError(
          this.state === 'closed' ? 'evidence/closed' : 'evidence/not-open',
          `sink ${this.store.description} is not open`,
        ),
      );
    if (this.queued >= this.opts.maxQueue)
      return Promise.reject(
        new EvidenceError(
          'evidence/queue-full',
          `evidence queue full (${this.opts.maxQueue} records not yet durable)`,
        ),
      );
    let group = this.groups[this.groups.length - 1];
    if (group === undefined || group.n >= this.opts.batchSize) {
      group = newGroup();
      this.groups.push(group);
      const wake = this.onGroupClosed;
      if (wake !== null) {
        this.onGroupClosed = null;
        wake();
      }
    }
    try {
      this.chain.encode(input, this.buildOptions, group.rows);
    } catch (e) {
      return Promise.reject(e);
    }
    group.n++;
    this.queued++;
    this.schedule();
    // Resolves when this record's group is durable (every writer of the group shares it).
    return group.done;
  }

  async flush(): Promise<void> {
    if (!this.busy && this.queued === 0) return;
    await new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.schedule();
    });
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    await this.flush();
    if (this.chain && this.chain.tail().seq > this.lastCheckpointSeq) {
      const cp = this.checkpointAt(this.chain.tail().seq, this.chain.tail().hash);
      await this.commit([], [cp]).catch(() => undefined);
    }
    if (this.replayTimer) clearInterval(this.replayTimer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.replayTimer = null;
    this.purgeTimer = null;
    this.state = 'closed';
    this.spill?.close();
    this.lock?.release();
    this.lock = null;
    await this.store.close();
  }

  async health(): Promise<SinkHealth> {
    const h: SinkHealth = {
      ok: this.state === 'open' && !this.spilling,
      queued: this.queued,
      spilled: this.spill?.size() ?? 0,
    };
    const detail = this.state !== 'open' ? `sink is ${this.state}` : this.lastError;
    if (detail) h.detail = detail;
    return h;
  }

  private schedule(): void {
    if (this.scheduled || this.busy) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private checkpointAt(seq: number, hash: string) {
    this.lastCheckpointSeq = seq;
    return signCheckpoint(this.signer!, {
      stream: this.stream,
      kind: 'periodic',
      seq,
      hash,
      time: new Date().toISOString(),
    });
  }

  /**
   * Commits one batch, then yields a macrotask turn before the next, so callers woken by the
   * acknowledgements can enqueue again and the next commit is a full group. Looping straight on
   * degenerated into commits of 2-3 records each paying an fsync (measured: 1,208 commits for 20k
   * records, 1.3k records/s, against 3 commits when yielding) — when the commit blocks this thread.
   * A store that commits off the event loop (`offThread`) gets the next group at once instead: the
   * group is handed over before the acknowledged writers run, so they build group N+2 while the
   * store commits group N+1 (a pipeline), and groups still grow while each commit is in flight.
   */
  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const depth = this.store.offThread ? (this.store.commitsInFlight ?? 1) : 1;
      if (depth > 1 && !this.spilling) {
        await this.drainPipelined(depth);
        return;
      }
      // Taking the group out closes it: writes from here on start the next one.
      for (let group = this.groups.shift(); group !== undefined; group = this.groups.shift()) {
        if (group.n === 0) continue;
        await this.commitGroup(group);
        if (!this.store.offThread || this.spilling) break;
      }
    } finally {
      this.release();
    }
  }

  /**
   * The drain for stores that take `depth` commits at once: a group is handed over as soon as it is
   * full, while the one before it is still committing, so the store never waits for this thread to
   * read a reply and post again. The group being filled is taken only when nothing is in flight, so
   * groups still grow while a commit runs. A caller that never yields to the event loop (a tight
   * loop of writes) left the SQLite writer thread idle between commits: commits took 7-9 ms as seen
   * from here for 4.4 ms of the thread's CPU per 1,024 records.
   */
  private async drainPipelined(depth: number): Promise<void> {
    const inFlight: { done: boolean; settled: Promise<void> }[] = [];
    for (;;) {
      while (inFlight[0]?.done) inFlight.shift();
      const group = this.groups[0];
      const closed = group !== undefined && (this.groups.length > 1 || group.n >= this.opts.batchSize);
      if (
        group !== undefined &&
        !this.spilling &&
        inFlight.length < depth &&
        (inFlight.length === 0 || closed)
      ) {
        this.groups.shift();
        if (group.n === 0) continue;
        const entry = { done: false, settled: Promise.resolve() };
        entry.settled = this.commitGroup(group).then(() => {
          entry.done = true;
        });
        inFlight.push(entry);
        continue;
      }
      if (inFlight.length === 0) return;
      // Wait for the oldest commit, or for the group being filled to close.
      const closedOrFull = new Promise<void>((resolve) => {
        this.onGroupClosed = resolve;
      });
      await Promise.race([inFlight[0]!.settled, closedOrFull]);
      this.onGroupClosed = null;
    }
  }

  /** Commits a group taken out of the queue and settles its writers; never throws. */
  private async commitGroup(group: Group): Promise<void> {
    this.queued -= group.n;
    const last = (group.n - 1) * ROW_WIDTH;
    const lastSeq = group.rows[last + COL.seq] as number;
    const cps =
      lastSeq - this.lastCheckpointSeq >= this.opts.checkpointEvery
        ? [this.checkpointAt(lastSeq, group.rows[last + COL.hash] as string)]
        : [];
    try {
      await this.commit(group.rows, cps);
      group.resolve();
    } catch (e) {
      group.reject(e);
    }
  }

  /** Durably stores a batch (rows, record-row.ts) in the store, or in the spill file when the store fails. */
  private async commit(rows: unknown[], checkpoints: ReturnType<typeof signCheckpoint>[]): Promise<void> {
    if (!this.spilling) {
      try {
        if (this.store.appendRows) await this.store.appendRows(rows, checkpoints, this.failuresSeen);
        else await this.store.append(rowRecords(rows), checkpoints);
        return;
      } catch (e) {
        this.lastError = `${this.store.description}: ${e instanceof Error ? e.message : String(e)}`;
        if (!this.spill)
          throw new EvidenceError(
            'evidence/store-unavailable',
            `evidence store failed: ${this.lastError}`,
            this.store.description,
          );
        this.spilling = true;
        this.failuresSeen++;
        this.startReplayTimer();
      }
    }
    // The spill file's lines are `{"r":<record>}` and `{"c":<checkpoint>}` (SpillEntry).
    let text = '';
    for (let i = COL.body; i < rows.length; i += ROW_WIDTH) text += `{"r":${rows[i] as string}}\n`;
    for (const c of checkpoints) text += `${JSON.stringify({ c })}\n`;
    try {
      this.spill!.appendText(text, rows.length / ROW_WIDTH + checkpoints.length);
    } catch (e) {
      throw new EvidenceError(
        'evidence/store-unavailable',
        `evidence store and spill file both failed: ${e instanceof Error ? e.message : String(e)}`,
        this.spill!.path,
      );
    }
  }

  private startReplayTimer(): void {
    if (this.replayTimer) return;
    this.replayTimer = setInterval(() => {
      if (this.busy) return;
      this.busy = true;
      void this.replay().finally(() => {
        this.release();
      });
    }, this.opts.replayIntervalMs);
    this.replayTimer.unref();
  }

  /** Replays the spill file in order; on success the store is current again. */
  private async replay(): Promise<void> {
    if (!this.spill) return;
    const entries = this.spill.read();
    try {
      for (let i = 0; i < entries.length; i += this.opts.batchSize) {
        const slice = entries.slice(i, i + this.opts.batchSize);
        const records: DecisionRecord[] = [];
        const cps: ReturnType<typeof signCheckpoint>[] = [];
        for (const e of slice) {
          if ('r' in e) records.push(e.r);
          else cps.push(e.c);
        }
        await this.store.append(records, cps);
      }
      this.spill.clear();
      this.spilling = false;
      this.lastError = undefined;
      if (this.replayTimer) clearInterval(this.replayTimer);
      this.replayTimer = null;
    } catch (e) {
      this.lastError = `${this.store.description}: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
}
