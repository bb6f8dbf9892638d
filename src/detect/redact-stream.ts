/**
 * Streaming redaction: text arrives in chunks (an LLM response), redacted text leaves with a bounded
 * delay. The last `lookbehind` characters are held back, so an entity up to that length split across
 * chunks is always seen whole before any of it is released; a span crossing the release point holds
 * the release back to its start. Held text never exceeds `maxBuffer`.
 */
import type { Detector } from '../policy/detector-contract.js';
import type { Finding } from '../policy/types.js';
import { DetectError } from './errors.js';
import { resolveOverlaps } from './overlap.js';
import type { RedactOptions } from './redact.js';
import { replacementFor, validateRedactOptions } from './redact.js';

/** Options for `redactStream`. */
export interface StreamRedactOptions extends RedactOptions {
  /** Detectors run over the held window (or pass `detect`). */
  detectors?: readonly Detector[];
  /** Custom detection over the held window; used instead of `detectors` when given. */
  detect?: (text: string) => Finding[];
  /** Characters held back; the longest entity that is caught across chunks (default 256). */
  lookbehind?: number;
  /** Most characters ever held before a forced release (default 65 536). */
  maxBuffer?: number;
  /** Already released characters re-read for context words only (default 64). */
  context?: number;
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Redacts an async stream of text chunks; yields redacted pieces whose concatenation is the redacted text. */
export async function* redactStream(
  source: AsyncIterable<string> | Iterable<string>,
  options: StreamRedactOptions,
): AsyncGenerator<string, void, undefined> {
  validateRedactOptions(options);
  const lookbehind = options.lookbehind ?? 256;
  const maxBuffer = options.maxBuffer ?? 65_536;
  const contextSize = options.context ?? 64;
  if (
    !Number.isInteger(lookbehind) ||
    lookbehind < 1 ||
    !Number.isInteger(maxBuffer) ||
    maxBuffer < lookbehind * 2
  )
    throw new DetectError(
      'detect/bad-redaction',
      'lookbehind must be a positive integer and maxBuffer at least twice it',
    );
  const detectors = options.detectors ?? [];
  const detect =
    options.detect ??
    ((text: string): Finding[] => {
      const all: Finding[] = [];
      for (const d of detectors) all.push(...d.scan(text));
      return all;
    });
  if (!options.detect && detectors.length === 0)
    throw new DetectError('detect/bad-redaction', 'redactStream needs detectors or a detect function');

  let held = '';
  let released = '';

  /** Releases `held[0, cut)` redacted, scanning it with `released` context in front. */
  const release = (final: boolean): string => {
    const prefix = released.slice(-contextSize);
    const window = prefix + held;
    const spans = resolveOverlaps(window, detect(window))
      .map((s) => ({
        ...s,
        start: Math.max(s.start, prefix.length) - prefix.length,
        end: s.end - prefix.length,
      }))
      .filter((s) => s.end > s.start);
    let cut = final ? held.length : held.length - lookbehind;
    if (!final) {
      for (const s of spans)
        if (s.start < cut && cut < s.end) cut = held.length > maxBuffer ? s.end : s.start;
      if (cut > 0 && cut < held.length && isHigh(held.charCodeAt(cut - 1))) cut--;
      if (cut <= 0) return '';
    }
    const parts: string[] = [];
    let at = 0;
    for (const s of spans) {
      if (s.start >= cut) break;
      parts.push(held.slice(at, s.start));
      parts.push(replacementFor(held.slice(s.start, s.end), s.finding.type, options));
      at = s.end;
    }
    if (at < cut) parts.push(held.slice(at, cut));
    released = (released + held.slice(0, Math.max(cut, at))).slice(-contextSize);
    held = held.slice(Math.max(cut, at));
    return parts.join('');
  };

  for await (const chunk of source) {
    if (typeof chunk !== 'string' || chunk.length === 0) continue;
    held += chunk;
    if (held.length <= lookbehind) continue;
    const out = release(false);
    if (out.length > 0) yield out;
  }
  if (held.length > 0) {
    const out = release(true);
    if (out.length > 0) yield out;
  }
}
