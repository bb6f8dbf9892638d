/** Retention classes (`30d`, `12h`, `1y`) and when a record's retention ends. */
import { EvidenceError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};

/** Parses a duration like `90d`, `12h`, `5m`, `30s`, `2w`, `1y` into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,9})(s|m|h|d|w|y)$/.exec(text.trim());
  if (!m)
    throw new EvidenceError(
      'evidence/bad-config',
      `not a duration: "${text}" (use e.g. 30s, 5m, 12h, 90d, 1y)`,
    );
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Epoch ms after which a record with this time and retention class may be purged, or null to keep it. */
export function expiresAt(time: string, retention: string | undefined): number | null {
  if (!retention) return null;
  return expiresAtMs(Date.parse(time), retention);
}

const durationMemo = new Map<string, number | null>();

/** {@link expiresAt} for a time already in epoch ms; retention classes are few, so parses are memoised. */
export function expiresAtMs(timeMs: number, retention: string | undefined): number | null {
  if (!retention || Number.isNaN(timeMs)) return null;
  let ms = durationMemo.get(retention);
  if (ms === undefined) {
    try {
      ms = parseDuration(retention);
    } catch {
      // An unknown class keeps the record: losing evidence is worse than keeping it longer.
      ms = null;
    }
    if (durationMemo.size < 1000) durationMemo.set(retention, ms);
  }
  return ms === null ? null : timeMs + ms;
}

/** Compresses sorted seq numbers into inclusive ranges. */
export function toRanges(seqs: number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const s of seqs) {
    const last = out[out.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else out.push([s, s]);
  }
  return out;
}
