/**
 * Keyword and phrase lists: one Aho–Corasick automaton per case mode, so a list of N words costs one
 * pass over the text instead of N regexes. Case-insensitive lists match an offset-preserving fold.
 */
import type { AhoAutomaton } from './aho-corasick.js';
import { buildAhoCorasick } from './aho-corasick.js';

/** One keyword with what a match of it reports. */
export interface KeywordEntry {
  word: string;
  type: string;
  score: number;
  caseSensitive: boolean;
  wholeWord: boolean;
  /** Index of the denied topic this term belongs to, when it is a topic term. */
  topic?: number;
}

/** A keyword hit in original offsets. */
export interface KeywordHit {
  entry: KeywordEntry;
  start: number;
  end: number;
}

const WORD_CHAR = /[\p{L}\p{N}_]/u;

/** Lower-cases without changing any UTF-16 offset (characters whose lower case is longer stay as they are). */
export function foldCaseKeepingOffsets(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length) return lower;
  let out = '';
  for (const ch of text) {
    const l = ch.toLowerCase();
    out += l.length === ch.length ? l : ch;
  }
  return out;
}

function isWordAt(text: string, index: number): boolean {
  if (index < 0 || index >= text.length) return false;
  const code = text.charCodeAt(index);
  // Take the whole code point when `index` is on either half of a surrogate pair.
  let cp = text.codePointAt(index) ?? code;
  if (code >= 0xdc00 && code <= 0xdfff && index > 0) cp = text.codePointAt(index - 1) ?? code;
  return WORD_CHAR.test(String.fromCodePoint(cp));
}

/** Compiles keyword entries into matchers; the returned function gives every hit, overlaps included. */
export function compileKeywords(entries: readonly KeywordEntry[]): (text: string) => KeywordHit[] {
  const exact = entries.filter((e) => e.caseSensitive);
  const folded = entries.filter((e) => !e.caseSensitive);
  const exactMatcher = exact.length > 0 ? buildAhoCorasick(exact.map((e) => e.word)) : undefined;
  const foldedMatcher =
    folded.length > 0 ? buildAhoCorasick(folded.map((e) => foldCaseKeepingOffsets(e.word))) : undefined;
  return (text: string): KeywordHit[] => {
    const hits: KeywordHit[] = [];
    const take = (matcher: AhoAutomaton | undefined, list: KeywordEntry[], haystack: string): void => {
      if (!matcher) return;
      for (const m of matcher.search(haystack)) {
        const entry = list[m.pattern];
        if (!entry) continue;
        if (entry.wholeWord && (isWordAt(text, m.start - 1) || isWordAt(text, m.end))) continue;
        hits.push({ entry, start: m.start, end: m.end });
      }
    };
    take(exactMatcher, exact, text);
    take(foldedMatcher, folded, foldCaseKeepingOffsets(text));
    return hits.sort((a, b) => a.start - b.start || a.end - b.end);
  };
}
