/** Cleaning and deterministic overlap resolution of findings before redaction. */
import type { Finding } from '../policy/types.js';

/** A span to replace: the union of overlapping findings, labeled by the strongest of them. */
export interface RedactionSpan {
  start: number;
  end: number;
  /** The finding that names the span (highest score, then longest, then type name). */
  finding: Finding;
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Clamps offsets into the text and widens them so no surrogate pair is cut; drops empty spans. */
export function clampFinding(text: string, f: Finding): { start: number; end: number } | undefined {
  if (!Number.isFinite(f.start) || !Number.isFinite(f.end)) return undefined;
  let start = Math.max(0, Math.min(text.length, Math.floor(f.start)));
  let end = Math.max(0, Math.min(text.length, Math.ceil(f.end)));
  if (start >= end) return undefined;
  if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start--;
  if (end < text.length && isLow(text.charCodeAt(end)) && isHigh(text.charCodeAt(end - 1))) end++;
  return { start, end };
}

function stronger(a: Finding, aLen: number, b: Finding, bLen: number): boolean {
  if (a.score !== b.score) return a.score > b.score;
  if (aLen !== bLen) return aLen > bLen;
  if (a.type !== b.type) return a.type < b.type;
  return a.detector <= b.detector;
}

/**
 * Merges overlapping findings into disjoint spans covering all of them, so no detected character
 * survives redaction. The result does not depend on the order of `findings`.
 */
export function resolveOverlaps(text: string, findings: readonly Finding[]): RedactionSpan[] {
  const cleaned: { start: number; end: number; finding: Finding }[] = [];
  for (const f of findings) {
    const span = clampFinding(text, f);
    if (span) cleaned.push({ ...span, finding: f });
  }
  cleaned.sort(
    (a, b) =>
      a.start - b.start ||
      b.end - a.end ||
      b.finding.score - a.finding.score ||
      (a.finding.type < b.finding.type ? -1 : a.finding.type > b.finding.type ? 1 : 0),
  );
  const spans: RedactionSpan[] = [];
  for (const c of cleaned) {
    const last = spans[spans.length - 1];
    if (last && c.start < last.end) {
      if (stronger(c.finding, c.end - c.start, last.finding, last.finding.end - last.finding.start))
        last.finding = c.finding;
      last.end = Math.max(last.end, c.end);
    } else spans.push({ start: c.start, end: c.end, finding: c.finding });
  }
  return spans;
}
