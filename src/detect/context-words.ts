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
  for (const w of words) if (containsWord(before, w)) return true;
  if (!after) return false;
  const following = text.slice(end, end + window).toLowerCase();
  for (const w of words) if (containsWord(following, w)) return true;
  return false;
}

const LETTER = /\p{L}/u;

/** True when `word` occurs in `haystack` not glued to letters on either side ("tin" is not in "routing"). */
function containsWord(haystack: string, word: string): boolean {
  let at = haystack.indexOf(word);
  while (at !== -1) {
    const before = haystack[at - 1];
    const after = haystack[at + word.length];
    if ((before === undefined || !LETTER.test(before)) && (after === undefined || !LETTER.test(after)))
      return true;
    at = haystack.indexOf(word, at + 1);
  }
  return false;
}
