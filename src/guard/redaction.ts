/** Applies a `redact` obligation to a text given the findings of the detectors that scanned it. */
import type { Finding } from '../policy/types.js';

/** How a redacted span is replaced. */
export type RedactMode = 'mask' | 'remove';

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
  while (i < spans.length) {
    const first = spans[i]!;
    let end = first.end;
    i++;
    while (i < spans.length && spans[i]!.start < end) {
      end = Math.max(end, spans[i]!.end);
      i++;
    }
    out += text.slice(pos, first.start) + (mode === 'remove' ? '' : `[REDACTED:${first.type}]`);
    pos = end;
    count++;
  }
  return { text: out + text.slice(pos), count };
}
