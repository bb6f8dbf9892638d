/**
 * JSON Lines files: one record per line, checkpoints and purge tombstones as tagged lines, with
 * rotation by size and age. Rotated files are named `<stem>-<UTC timestamp>.jsonl` beside the
 * current file so they sort in write order.
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type ChainTail, recordJson } from './chain.js';
import type { Checkpoint } from './checkpoint.js';
import { candidateOf, planPurge } from './purge-plan.js';
import type { DecisionRecord } from './record.js';
import { rowsJsonLines } from './record-row.js';
import {
  matchesFilter,
  orderAndLimit,
  type PurgeResult,
  type ReadableStore,
  type RecordFilter,
  type StoredLink,
} from './store.js';

/** Options of {@link JsonlStore}. */
export interface JsonlStoreOptions {
  /** The current file, e.g. `.rampart/evidence.jsonl`. */
  path: string;
  /** Rotate when the current file exceeds this many bytes. */
  maxBytes?: number;
  /** Rotate when the current file is older than this many milliseconds. */
  maxAgeMs?: number;
  /** fsync after every batch (durable acknowledgement). Default true. */
  fsync?: boolean;
}

type Line = DecisionRecord | { checkpoint: Checkpoint } | { purged: Omit<StoredLink, 'record'> };

/** A readable store over rotated JSON Lines files. */
export class JsonlStore implements ReadableStore {
  readonly description: string;
  private fd: number | null = null;
  private size = 0;
  private startedAt = 0;
  private readonly stem: string;
  private readonly dir: string;

  constructor(private readonly opts: JsonlStoreOptions) {
    this.description = `jsonl:${opts.path}`;
    this.dir = dirname(opts.path);
    this.stem = basename(opts.path).replace(/\.jsonl$/, '');
  }

  async open(): Promise<void> {
    if (this.fd !== null) return;
    mkdirSync(this.dir, { recursive: true });
    this.fd = openSync(this.opts.path, 'a', 0o600);
    const st = fstatSync(this.fd);
    this.size = st.size;
    this.startedAt = st.size > 0 ? st.birthtimeMs || st.mtimeMs : Date.now();
  }

  async close(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** All files in write order: rotated ones, then the current one. */
  files(): string[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir).filter((n) => n.startsWith(`${this.stem}-`) && n.endsWith('.jsonl'));
    } catch {
      return [];
    }
    return [...names.sort().map((n) => join(this.dir, n)), this.opts.path];
  }

  private rotateIfDue(): void {
    const tooBig = this.opts.maxBytes !== undefined && this.size >= this.opts.maxBytes;
    const tooOld =
      this.opts.maxAgeMs !== undefined && this.size > 0 && Date.now() - this.startedAt >= this.opts.maxAgeMs;
    if (!tooBig && !tooOld) return;
    closeSync(this.fd!);
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    let target = join(this.dir, `${this.stem}-${stamp}.jsonl`);
    for (let n = 1; this.files().includes(target); n++)
      target = join(this.dir, `${this.stem}-${stamp}-${n}.jsonl`);
    renameSync(this.opts.path, target);
    this.fd = openSync(this.opts.path, 'a', 0o600);
    this.size = 0;
    this.startedAt = Date.now();
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
    if (this.fd === null) await this.open();
    this.rotateIfDue();
    let text = records;
    for (const c of checkpoints) text += JSON.stringify({ checkpoint: c }) + '\n';
    if (!text) return;
    this.size += writeSync(this.fd!, text);
    if (this.opts.fsync !== false) fsyncSync(this.fd!);
  }

  private *lines(file?: string): Generator<Line> {
    for (const f of file ? [file] : this.files()) {
      let text: string;
      try {
        text = readFileSync(f, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n')) {
        if (!line) continue;
        try {
          yield JSON.parse(line) as Line;
        } catch {
          // A torn last line from a crash was never acknowledged; anything else surfaces in verify.
        }
      }
    }
  }

  private readLinks(): StoredLink[] {
    const out: StoredLink[] = [];
    const seen = new Set<string>();
    for (const l of this.lines()) {
      let link: StoredLink;
      if ('checkpoint' in l) continue;
      if ('purged' in l) link = { ...l.purged, record: null };
      else link = { stream: l.stream, seq: l.seq, prev: l.prev, hash: l.hash, record: l };
      // Replays after a crash may repeat a batch; the first copy is the stored one.
      const key = `${link.stream}\u0000${link.seq}\u0000${link.hash}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(link);
    }
    return out;
  }

  async tail(stream: string): Promise<ChainTail | null> {
    let tail: ChainTail | null = null;
    for (const l of this.readLinks()) if (l.stream === stream) tail = { seq: l.seq, hash: l.hash };
    return tail;
  }

  async select(filter: RecordFilter): Promise<DecisionRecord[]> {
    const out: DecisionRecord[] = [];
    for (const l of this.readLinks()) if (l.record && matchesFilter(l.record, filter)) out.push(l.record);
    return orderAndLimit(out, filter);
  }

  async streams(): Promise<string[]> {
    return [...new Set(this.readLinks().map((l) => l.stream))];
  }

  async links(stream: string): Promise<StoredLink[]> {
    return this.readLinks().filter((l) => l.stream === stream);
  }

  async checkpoints(stream: string): Promise<Checkpoint[]> {
    const out: Checkpoint[] = [];
    for (const l of this.lines())
      if ('checkpoint' in l && l.checkpoint.stream === stream) out.push(l.checkpoint);
    return out;
  }

  async purge(
    now: Date,
    sign: (b: Omit<Checkpoint, 'keyId' | 'signature'>) => Checkpoint,
  ): Promise<PurgeResult> {
    const result: PurgeResult = { purged: 0, checkpoints: [] };
    const plans = new Map<string, { expire: Set<number>; dropThrough: number | null }>();
    for (const stream of await this.streams()) {
      const plan = planPurge(stream, (await this.links(stream)).map(candidateOf), now);
      if (!plan.checkpoint) continue;
      plans.set(stream, { expire: new Set(plan.expire), dropThrough: plan.dropThrough });
      result.checkpoints.push(sign(plan.checkpoint));
      result.purged += plan.expire.length;
    }
    if (plans.size === 0) return result;
    await this.close();
    for (const f of this.files()) {
      let text = '';
      for (const l of this.lines(f)) {
        if ('checkpoint' in l) {
          text += JSON.stringify(l) + '\n';
          continue;
        }
        const link = 'purged' in l ? l.purged : { stream: l.stream, seq: l.seq, prev: l.prev, hash: l.hash };
        const plan = plans.get(link.stream);
        if (plan && plan.dropThrough !== null && link.seq <= plan.dropThrough) continue;
        if (plan && !('purged' in l) && plan.expire.has(link.seq))
          text += JSON.stringify({ purged: link }) + '\n';
        else text += JSON.stringify(l) + '\n';
      }
      // Write-then-rename so a crash mid-purge leaves either the old or the new file.
      writeFileSync(`${f}.tmp`, text, { mode: 0o600 });
      renameSync(`${f}.tmp`, f);
    }
    await this.open();
    await this.append([], result.checkpoints);
    return result;
  }
}
