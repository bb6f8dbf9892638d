/**
 * Which of a fixed list of ASCII keywords occur in a text, ignoring ASCII case: one pass over the
 * text through a dense automaton (a table lookup per code unit, no backtracking, linear on any
 * input). It replaced a case-insensitive regex alternation of the secrets keywords, which cost 6–10 ms
 * per MB of the bench's mixed text (microbenchmark and profile); this pass costs ~2 on a loaded host.
 * Non-ASCII code units never match an ASCII keyword, as under a non-Unicode `/i` regex.
 */

import { DetectError } from './errors.js';

const ALPHABET = 128;
/** Scratch for `encodeInto`, shared by every set (scans are synchronous and never nest). */
const CHUNK = 16_384;
const scratch = new Uint8Array(CHUNK);
const encoder = new TextEncoder();

/** A compiled keyword list. */
export interface AsciiKeywordSet {
  /** The keywords (as given, lower-cased) that occur anywhere in `text`, overlaps included. */
  find(text: string): Set<string>;
  /**
   * The keywords that occur wholly inside one of the ranges `[ranges[2k], ranges[2k+1])` of `text`
   * (ascending, non-overlapping): lets a caller read only the neighbourhood of its candidates.
   */
  findIn(text: string, ranges: readonly number[]): Set<string>;
  /**
   * Every keyword that occurs in `text` (lower-cased), with the start offsets of all its
   * occurrences in ascending order, from one pass.
   */
  locate(text: string): Map<string, number[]>;
  /** Start offsets of every occurrence of any keyword in `text`, ascending, without duplicates. */
  starts(text: string): number[];
}

/** Builds the automaton; keywords must be non-empty printable ASCII and are matched case-insensitively. */
export function buildAsciiKeywordSet(keywords: readonly string[]): AsciiKeywordSet {
  const words = [...new Set(keywords.map((k) => k.toLowerCase()))];
  for (const w of words)
    if (w.length === 0 || !/^[\x20-\x7e]+$/.test(w))
      throw new DetectError('detect/bad-config', `keyword "${w}" is not printable ASCII`);
  // Trie first, then the full transition table by breadth-first failure links.
  const trie: number[][] = [new Array<number>(ALPHABET).fill(-1)];
  const outs: number[][] = [[]];
  words.forEach((w, index) => {
    let state = 0;
    for (let i = 0; i < w.length; i++) {
      const c = w.charCodeAt(i);
      const row = trie[state] as number[];
      let next = row[c] ?? -1;
      if (next === -1) {
        next = trie.length;
        trie.push(new Array<number>(ALPHABET).fill(-1));
        outs.push([]);
        row[c] = next;
      }
      state = next;
    }
    (outs[state] as number[]).push(index);
  });
  const states = trie.length;
  const delta = new Int32Array(states * ALPHABET);
  const fail = new Int32Array(states);
  const queue: number[] = [];
  const root = trie[0] as number[];
  for (let c = 0; c < ALPHABET; c++) {
    const s = root[c] ?? -1;
    if (s === -1) delta[c] = 0;
    else {
      delta[c] = s;
      fail[s] = 0;
      queue.push(s);
    }
  }
  for (let qi = 0; qi < queue.length; qi++) {
    const r = queue[qi] as number;
    const row = trie[r] as number[];
    const f = fail[r] as number;
    outs[r] = [...(outs[r] as number[]), ...(outs[f] as number[])];
    for (let c = 0; c < ALPHABET; c++) {
      const s = row[c] ?? -1;
      const viaFail = delta[f * ALPHABET + c] as number;
      if (s === -1) delta[r * ALPHABET + c] = viaFail;
      else {
        delta[r * ALPHABET + c] = s;
        fail[s] = viaFail;
        queue.push(s);
      }
    }
  }
  // Upper-case ASCII letters move like their lower-case forms.
  for (let s = 0; s < states; s++)
    for (let c = 65; c <= 90; c++) delta[s * ALPHABET + c] = delta[s * ALPHABET + c + 32] as number;
  /**
   * Code units are read through classes: one per character that occurs in a keyword (upper and
   * lower case together) and class 0 for every other code unit, ASCII or not, which moves every
   * state back to the root. With ~40 classes instead of 128 columns the table is a third of the
   * size, and non-ASCII code units need no branch of their own.
   */
  const classOf = new Uint8Array(65536);
  const classChars: number[] = [0];
  for (let c = 32; c < 127; c++) {
    if (c >= 65 && c <= 90) continue;
    if (!words.some((w) => w.includes(String.fromCharCode(c)))) continue;
    classOf[c] = classChars.length;
    if (c >= 97 && c <= 122) classOf[c - 32] = classChars.length;
    classChars.push(c);
  }
  const width = classChars.length;
  /**
   * The table the scans walk: each entry is the next state's row offset (state × width), bitwise
   * negated when that state accepts. Offsets save a multiply and the sign saves a second table read
   * per code unit. Class 0 moves like a character of no keyword (code unit 0 here). (16-bit entries,
   * halving the secrets table to 26 KB, measured no different: 2.68 vs 2.39 ms/MB best, 2.75 vs 3.32
   * median of 15 interleaved passes at load ~5.5.)
   */
  const next = new Int32Array(states * width);
  for (let s = 0; s < states; s++)
    for (let k = 0; k < width; k++) {
      const to = delta[s * ALPHABET + (classChars[k] as number)] as number;
      next[s * width + k] = (outs[to] as number[]).length > 0 ? ~(to * width) : to * width;
    }
  /**
   * Walks `text[from, to)` from the root and calls `accept(state, end)` at every accepting
   * transition (`end` is the offset after the character that completed a keyword). One loop for
   * every query. ASCII text is read as bytes: `encodeInto` copies a chunk natively, and the loop
   * then reads a typed array instead of dispatching on the string's representation per code unit
   * (a text built by concatenation is a rope). Measured on the bench's mixed text, best of 9
   * interleaved passes at load ~3-5: 128-column walk with a non-ASCII branch 3.3-4.5 ms per MB,
   * class table over `charCodeAt` 2.3, class table over bytes 2.0 (the copy itself 0.1).
   */
  const walk = (
    text: string,
    from: number,
    to: number,
    accept: (state: number, end: number) => void,
  ): void => {
    let row = 0;
    for (let base = from; base < to; base += CHUNK) {
      const end = Math.min(to, base + CHUNK);
      const n = end - base;
      const { read, written } = encoder.encodeInto(
        n === text.length ? text : text.substring(base, end),
        scratch,
      );
      if (read === n && written === n) {
        for (let i = 0; i < n; i++) {
          row = next[row + (classOf[scratch[i] as number] as number)] as number;
          if (row < 0) {
            row = ~row;
            accept(row / width, base + i + 1);
          }
        }
        continue;
      }
      // Not all ASCII: byte offsets would not be code-unit offsets, so this chunk is read directly.
      for (let i = base; i < end; i++) {
        row = next[row + (classOf[text.charCodeAt(i)] as number)] as number;
        if (row < 0) {
          row = ~row;
          accept(row / width, i + 1);
        }
      }
    }
  };
  const collect =
    (found: Set<string>, seen: Uint8Array) =>
    (state: number): void => {
      if (seen[state] !== 0) return;
      seen[state] = 1;
      for (const w of outs[state] as number[]) found.add(words[w] as string);
    };
  return {
    find(text: string): Set<string> {
      const found = new Set<string>();
      walk(text, 0, text.length, collect(found, new Uint8Array(states)));
      return found;
    },
    findIn(text: string, ranges: readonly number[]): Set<string> {
      const found = new Set<string>();
      const accept = collect(found, new Uint8Array(states));
      for (let k = 0; k + 1 < ranges.length; k += 2)
        walk(text, Math.max(0, ranges[k] as number), Math.min(text.length, ranges[k + 1] as number), accept);
      return found;
    },
    locate(text: string): Map<string, number[]> {
      const at = new Map<string, number[]>();
      walk(text, 0, text.length, (state, end) => {
        for (const w of outs[state] as number[]) {
          const word = words[w] as string;
          const list = at.get(word);
          if (list === undefined) at.set(word, [end - word.length]);
          else list.push(end - word.length);
        }
      });
      return at;
    },
    starts(text: string): number[] {
      const at: number[] = [];
      walk(text, 0, text.length, (state, end) => {
        for (const w of outs[state] as number[]) at.push(end - (words[w] as string).length);
      });
      at.sort((a, b) => a - b);
      return at.filter((x, k) => k === 0 || at[k - 1] !== x);
    },
  };
}
