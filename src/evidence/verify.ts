/**
 * Verifies a stored log: every record hashes to its stored hash, links to the one before it, sits
 * at its place, and agrees with every signed checkpoint. Reports the first record that was altered,
 * removed or reordered.
 */
import type { KeyObject } from 'node:crypto';
import { recordHash } from './chain.js';
import { type Checkpoint, checkpointValid } from './checkpoint.js';
import { GENESIS_HASH } from './record.js';
import type { ReadableStore, StoredLink } from './store.js';

/** What went wrong first. */
export interface VerifyProblem {
  kind: 'altered' | 'removed' | 'reordered' | 'bad-checkpoint';
  /** 0-based position in storage order of the first bad link (`links.length` for a missing tail). */
  index: number;
  /** The seq expected at that position. */
  seq: number;
  /** The decision id found at that position, when there is one. */
  id?: string;
  message: string;
}

/** The verdict for one stream. */
export interface StreamVerification {
  stream: string;
  ok: boolean;
  records: number;
  checkpoints: number;
  /** True when checkpoint signatures were checked against a trusted key. */
  signaturesChecked: boolean;
  problem?: VerifyProblem;
}

/** The verdict for a whole store. */
export interface Verification {
  ok: boolean;
  streams: StreamVerification[];
}

function inRanges(seq: number, ranges: [number, number][][]): boolean {
  for (const list of ranges) for (const [a, b] of list) if (seq >= a && seq <= b) return true;
  return false;
}

/** Verifies one stream's links (storage order) against its checkpoints. */
export function verifyLinks(
  stream: string,
  links: StoredLink[],
  checkpoints: Checkpoint[],
  publicKey?: KeyObject,
): StreamVerification {
  const result: StreamVerification = {
    stream,
    ok: true,
    records: links.length,
    checkpoints: checkpoints.length,
    signaturesChecked: publicKey !== undefined,
  };
  const problems: VerifyProblem[] = [];
  const trusted: Checkpoint[] = [];
  for (const cp of checkpoints) {
    if (publicKey && !checkpointValid(cp, publicKey)) {
      const idx = links.findIndex((l) => l.seq >= cp.seq);
      problems.push({
        kind: 'bad-checkpoint',
        index: idx < 0 ? links.length : idx,
        seq: cp.seq,
        message: `checkpoint at seq ${cp.seq} (${cp.kind}) has a signature that does not verify with the trusted key`,
      });
    } else trusted.push(cp);
  }
  const purgedRanges = trusted.filter((c) => c.kind === 'purge' && c.purged).map((c) => c.purged!);
  const present = new Set(links.map((l) => l.seq));
  let expectedSeq = 1;
  let expectedPrev = GENESIS_HASH;
  const first = links[0];
  if (first && first.seq > 1) {
    const base = trusted.find((c) => c.base && c.base.seq === first.seq - 1);
    if (base?.base) {
      expectedSeq = base.base.seq + 1;
      expectedPrev = base.base.hash;
    }
  }
  for (let i = 0; i < links.length; i++) {
    const l = links[i]!;
    const id = l.record?.id;
    const at = (kind: VerifyProblem['kind'], message: string): VerifyProblem =>
      id !== undefined
        ? { kind, index: i, seq: expectedSeq, id, message }
        : { kind, index: i, seq: expectedSeq, message };
    if (l.seq !== expectedSeq) {
      if (l.seq < expectedSeq || present.has(expectedSeq))
        problems.push(
          at('reordered', `record at position ${i} has seq ${l.seq} but seq ${expectedSeq} was expected`),
        );
      else
        problems.push(
          at(
            'removed',
            `record seq ${expectedSeq}${l.seq - 1 > expectedSeq ? `..${l.seq - 1}` : ''} is missing before seq ${l.seq}`,
          ),
        );
      break;
    }
    if (l.record) {
      const r = l.record;
      if (r.stream !== stream || r.seq !== l.seq || r.prev !== l.prev || recordHash(r) !== l.hash) {
        problems.push(at('altered', `record seq ${l.seq} does not match its hash`));
        break;
      }
    } else if (!inRanges(l.seq, purgedRanges)) {
      problems.push(at('removed', `record seq ${l.seq} has no body and no signed purge covers it`));
      break;
    }
    if (l.prev !== expectedPrev) {
      problems.push(at('altered', `record seq ${l.seq} does not link to the record before it`));
      break;
    }
    expectedSeq = l.seq + 1;
    expectedPrev = l.hash;
  }
  const bySeq = new Map<number, number>();
  for (let i = 0; i < links.length; i++) bySeq.set(links[i]!.seq, i);
  const lastSeq = links.length > 0 ? links[links.length - 1]!.seq : 0;
  for (const cp of trusted) {
    const idx = bySeq.get(cp.seq);
    if (idx === undefined) {
      if (cp.seq > lastSeq)
        problems.push({
          kind: 'removed',
          index: links.length,
          seq: lastSeq + 1,
          message: `signed checkpoint covers seq ${cp.seq} but the log ends at seq ${lastSeq}`,
        });
      continue;
    }
    const l = links[idx]!;
    if (l.hash !== cp.hash) {
      const p: VerifyProblem = {
        kind: 'altered',
        index: idx,
        seq: cp.seq,
        message: `record seq ${cp.seq} differs from the signed checkpoint (the chain was rewritten at or before it)`,
      };
      if (l.record) p.id = l.record.id;
      problems.push(p);
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.index - b.index);
    result.ok = false;
    result.problem = problems[0]!;
  }
  return result;
}

/** Verifies every stream of a store (or only `stream`). */
export async function verifyStore(
  store: ReadableStore,
  opts: { publicKey?: KeyObject; stream?: string } = {},
): Promise<Verification> {
  const streams = opts.stream ? [opts.stream] : await store.streams();
  const out: StreamVerification[] = [];
  for (const s of streams)
    out.push(verifyLinks(s, await store.links(s), await store.checkpoints(s), opts.publicKey));
  return { ok: out.every((s) => s.ok), streams: out };
}
