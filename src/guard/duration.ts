/** Policy durations (`500ms`, `30s`, `15m`, `2h`, `30d`, `1w`) to milliseconds. */
import { GuardError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

/** Parses a duration; numbers are taken as milliseconds. Throws `guard/bad-duration` otherwise. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const m = DURATION.exec(value.trim());
    if (m) return Number(m[1]) * (UNIT_MS[m[2]!] ?? 1);
  }
  throw new GuardError('guard/bad-duration', `not a duration: ${String(value).slice(0, 40)}`);
}
