/** Applies a `redact` obligation to a text given the findings of the detectors that scanned it. */
import { createHash } from 'node:crypto';
import type { Finding } from '../policy/types.js';

/**
 * How a redacted span is replaced: `mask` → `[REDACTED:TYPE]`, `partial` → all but the last four
 * letters/digits starred, `hash` → `[TYPE:8 hex of sha256]`, `tokenize` → `[TYPE_n]` (same value,
 * same token within one text), `drop`/`remove` → nothing.
 */
export type RedactMode = 'mask' | 'partial' | 'hash' | 'tokenize' | 'drop' | 'remove';

function partial(value: string): string {
  let keep = 4;
  let out = '';
  for (let i = value.length - 1; i >= 0; i--) {
    const c = value[i]!;
    if (/[A-Za-z0-9]/.test(c)) {
      out = (keep > 0 ? c : '*') + out;
      keep--;
    } else out = c + out;
  }
  return out;
}

/**
 * Replaces every finding whose type is in `entities` (all findings when `entities` is empty).
 * Overlapping spans are merged so no fragment of a secret survives between them.
 */
export function redactFindings(
  text: string,
  findings: readonly Finding[],
  entities: readonly string[] | undefined,
  mode: RedactMode = 'mask',
): { text: string; count: number } {
  const wanted = entities && entities.length > 0 ? new Set(entities) : undefined;
  const spans = findings
    .filter((f) => (!wanted || wanted.has(f.type)) && f.end > f.start)
    .map((f) => ({ start: Math.max(0, f.start), end: Math.min(text.length, f.end), type: f.type }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  if (spans.length === 0) return { text, count: 0 };
  let out = '';
  let pos = 0;
  let count = 0;
  let i = 0;
  const tokens = new Map<string, string>();
  const replace = (value: string, type: string): string => {
    switch (mode) {
      case 'drop':
      case 'remove':
        return '';
      case 'partial':
        return partial(value);
      case 'hash':
        return `[${type}:${createHash('sha256').update(value).digest('hex').slice(0, 8)}]`;
      case 'tokenize': {
        let t = tokens.get(`${type}\0${value}`);
        if (!t) {
          t = `[${type}_${tokens.size + 1}]`;
          tokens.set(`${type}\0${value}`, t);
        }
        return t;
      }
      default:
        return `[REDACTED:${type}]`;
    }
  };
  while (i < spans.length) {
    const first = spans[i]!;
    let end = first.end;
    i++;
    while (i < spans.length && spans[i]!.start < end) {
      end = Math.max(end, spans[i]!.end);
      i++;
    }
    out += text.slice(pos, first.start) + replace(text.slice(first.start, end), first.type);
    pos = end;
    count++;
  }
  return { text: out + text.slice(pos), count };
}
