/** Decides what a purge removes from one stream; shared by every store. */
import type { Checkpoint } from './checkpoint.js';
import { expiresAt, toRanges } from './retention.js';
import type { StoredLink } from './store.js';

/** What the planner needs to know about one link. */
export interface PurgeCandidate {
  seq: number;
  hash: string;
  /** The body is already gone. */
  removed: boolean;
  /** When the body may be removed (epoch ms), or null to keep it. */
  expiresMs: number | null;
}

/** Describes a stored link for {@link planPurge}. */
export function candidateOf(l: StoredLink): PurgeCandidate {
  return {
    seq: l.seq,
    hash: l.hash,
    removed: l.record === null,
    expiresMs: l.record ? expiresAt(l.record.time, l.record.retention) : null,
  };
}

/** What to do to one stream. */
export interface PurgePlan {
  /** Seqs whose bodies to remove now. */
  expire: number[];
  /** Drop every link with seq ≤ this (a leading run of removed bodies; never the last link). */
  dropThrough: number | null;
  /** The checkpoint body to sign, or null when nothing changes. */
  checkpoint: Omit<Checkpoint, 'keyId' | 'signature'> | null;
}

/** Plans a purge of `links` (storage order) at `now`. */
export function planPurge(stream: string, links: PurgeCandidate[], now: Date): PurgePlan {
  const nowMs = now.getTime();
  const expire: number[] = [];
  const removed = new Set<number>();
  for (const l of links) {
    if (l.removed) removed.add(l.seq);
    else if (l.expiresMs !== null && l.expiresMs <= nowMs) {
      expire.push(l.seq);
      removed.add(l.seq);
    }
  }
  let dropThrough: number | null = null;
  let base: { seq: number; hash: string } | undefined;
  // Keep the last link so the stream's tail (where a writer resumes) is never lost.
  for (let i = 0; i < links.length - 1; i++) {
    const l = links[i]!;
    if (!removed.has(l.seq)) break;
    dropThrough = l.seq;
    base = { seq: l.seq, hash: l.hash };
  }
  if (expire.length === 0) return { expire, dropThrough: null, checkpoint: null };
  const last = links[links.length - 1]!;
  const checkpoint: Omit<Checkpoint, 'keyId' | 'signature'> = {
    stream,
    kind: 'purge',
    seq: last.seq,
    hash: last.hash,
    time: now.toISOString(),
    purged: toRanges(expire.slice().sort((a, b) => a - b)),
  };
  if (base) checkpoint.base = base;
  return { expire, dropThrough, checkpoint };
}
