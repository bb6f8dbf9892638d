/**
 * BERT-style WordPiece tokenization, the input most text classifiers exported to ONNX expect (BERT,
 * DistilBERT, MiniLM and their fine-tunes): basic tokenization (clean-up, optional lower-casing and
 * accent stripping, punctuation and CJK characters split off), then greedy longest-match-first
 * WordPiece with `##` continuations, wrapped in `[CLS] … [SEP]`. Follows the reference BERT tokenizer;
 * models with SentencePiece or BPE vocabularies need their own tokenizer function.
 */
import { readFile } from 'node:fs/promises';
import { DetectError } from '../detect/errors.js';
import type { OnnxInput, OnnxTokenizer } from './onnx.js';

/** Options of `createWordPieceTokenizer`. */
export interface WordPieceOptions {
  /** The vocabulary, one token per id (the lines of the model's `vocab.txt`). */
  vocab: readonly string[];
  /** Lower-case and strip accents first (uncased models; default true). */
  lowercase?: boolean;
  /** Longest sequence including `[CLS]` and `[SEP]` (default 128; the rest of the text is cut). */
  maxLength?: number;
  /** Input names the model uses (defaults: `input_ids`, `attention_mask`, `token_type_ids`). */
  names?: { inputIds?: string; attentionMask?: string; tokenTypeIds?: string };
}

/** Reads a `vocab.txt` (one token per line) into a vocabulary array. */
export async function readVocabFile(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const isPunctuation = (ch: string): boolean => {
  const c = ch.codePointAt(0) ?? 0;
  // BERT treats every non-alphanumeric ASCII character as punctuation, plus Unicode P*.
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
    return true;
  return /\p{P}/u.test(ch);
};

const isCjk = (c: number): boolean =>
  (c >= 0x4e00 && c <= 0x9fff) ||
  (c >= 0x3400 && c <= 0x4dbf) ||
  (c >= 0x20000 && c <= 0x2a6df) ||
  (c >= 0x2a700 && c <= 0x2b81f) ||
  (c >= 0xf900 && c <= 0xfaff) ||
  (c >= 0x2f800 && c <= 0x2fa1f);

/** The basic tokenizer: words and punctuation marks, before WordPiece. */
export function basicTokens(text: string, lowercase = true): string[] {
  const out: string[] = [];
  let word = '';
  const flush = (): void => {
    if (word !== '') out.push(word);
    word = '';
  };
  for (const raw of text) {
    const c = raw.codePointAt(0) ?? 0;
    if (c === 0 || c === 0xfffd || (/\p{C}/u.test(raw) && !/\s/.test(raw))) continue;
    if (/\s/u.test(raw)) {
      flush();
      continue;
    }
    if (isCjk(c)) {
      flush();
      out.push(raw);
      continue;
    }
    let ch = raw;
    if (lowercase)
      ch = ch
        .toLowerCase()
        .normalize('NFD')
        .replace(/\p{Mn}/gu, '');
    for (const part of ch) {
      if (isPunctuation(part)) {
        flush();
        out.push(part);
      } else word += part;
    }
  }
  flush();
  return out;
}

/** Builds a tokenizer for `createOnnxClassifier` from a WordPiece vocabulary. */
export function createWordPieceTokenizer(options: WordPieceOptions): OnnxTokenizer {
  const ids = new Map<string, number>();
  options.vocab.forEach((token, id) => {
    if (!ids.has(token)) ids.set(token, id);
  });
  const special = (token: string): number => {
    const id = ids.get(token);
    if (id === undefined) throw new DetectError('detect/bad-config', `the vocabulary has no ${token} token`);
    return id;
  };
  const cls = special('[CLS]');
  const sep = special('[SEP]');
  const unk = special('[UNK]');
  const lowercase = options.lowercase ?? true;
  const maxLength = Math.max(2, options.maxLength ?? 128);
  const names = {
    inputIds: options.names?.inputIds ?? 'input_ids',
    attentionMask: options.names?.attentionMask ?? 'attention_mask',
    tokenTypeIds: options.names?.tokenTypeIds ?? 'token_type_ids',
  };
  const pieces = (word: string): number[] => {
    if (word.length > 100) return [unk];
    const out: number[] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let found: number | undefined;
      while (start < end) {
        const piece = (start > 0 ? '##' : '') + word.slice(start, end);
        found = ids.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [unk];
      out.push(found);
      start = end;
    }
    return out;
  };
  return (text: string): Record<string, OnnxInput> => {
    const tokens: number[] = [cls];
    for (const word of basicTokens(text, lowercase)) {
      for (const id of pieces(word)) tokens.push(id);
      if (tokens.length >= maxLength - 1) break;
    }
    tokens.length = Math.min(tokens.length, maxLength - 1);
    tokens.push(sep);
    const n = tokens.length;
    return {
      [names.inputIds]: { type: 'int64', data: BigInt64Array.from(tokens, BigInt), dims: [1, n] },
      [names.attentionMask]: { type: 'int64', data: new BigInt64Array(n).fill(1n), dims: [1, n] },
      [names.tokenTypeIds]: { type: 'int64', data: new BigInt64Array(n), dims: [1, n] },
    };
  };
}
