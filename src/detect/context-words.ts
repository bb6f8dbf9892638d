/** Context-word lookups around a candidate: nearby words raise or lower a finding's score. */

/** True when any of `words` (lower case) occurs within `window` code units before `start` or after `end`. */
export function hasContext(
  text: string,
  start: number,
  end: number,
  words: readonly string[],
  window = 48,
  after = false,
): boolean {
  const before = text.slice(Math.max(0, start - window), start).toLowerCase();
  for (const w of words) if (before.includes(w)) return true;
  if (!after) return false;
  const following = text.slice(end, end + window).toLowerCase();
  for (const w of words) if (following.includes(w)) return true;
  return false;
}
