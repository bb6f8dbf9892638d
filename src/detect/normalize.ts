/**
 * Text normalization for injection detection, keeping a map back to the original offsets.
 * Views: `plain` (compatibility-decomposed, accents and invisible characters removed, lower case,
 * punctuation collapsed to one space) for multilingual phrases; `folded` (plain plus homoglyph and
 * leetspeak folding, `l`/`1`/`|` read as `i`) for English phrase families; `rot13` (ROT13 of plain,
 * then folded) for payloads hidden with ROT13. All three share `plain`'s offset map except `folded`.
 * ASCII goes through lookup tables into typed arrays (1 MB normalizes in tens of milliseconds).
 */

/** A normalized view of a text: `start[i]`/`end[i]` give the original code-unit span of output char i. */
export interface NormalizedText {
  text: string;
  start: Int32Array;
  end: Int32Array;
  /** True when the text contained Unicode tag characters (invisible "ASCII smuggling"). */
  smuggled: boolean;
}

/** Characters that render as nothing: zero-width, bidi controls, soft hyphen, variation selectors, BOM. */
function isInvisible(cp: number): boolean {
  return (
    cp === 0x00ad ||
    cp === 0x034f ||
    cp === 0x061c ||
    cp === 0x180e ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0xfeff ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xe0100 && cp <= 0xe01ef)
  );
}

const HOMOGLYPHS: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ӏ: 'i',
  ɡ: 'g',
  ѵ: 'v',
  һ: 'h',
  ս: 'u',
  օ: 'o',
  α: 'a',
  β: 'b',
  ο: 'o',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ς: 'c',
  ω: 'w',
};
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '|': 'i',
  l: 'i',
};
const SPACE = 32;

/** ASCII lookup tables: plain (lower-cased alnum, else space) and folded (plain plus leetspeak). */
const PLAIN_ASCII = new Uint16Array(128);
const FOLD_ASCII = new Uint16Array(128);
const ROT_FOLD = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alnum = /[A-Za-z0-9]/.test(ch);
  const lower = ch.toLowerCase();
  PLAIN_ASCII[c] = alnum ? lower.charCodeAt(0) : SPACE;
  FOLD_ASCII[c] = (LEET[lower] ?? (alnum ? lower : ' ')).charCodeAt(0);
}
for (let c = 0; c < 128; c++) {
  // ROT13 applies to the plain view; the result is then read with the folded view's letter folding.
  const ch = String.fromCharCode(c);
  const rotated = /[a-z]/.test(ch) ? String.fromCharCode(((c - 97 + 13) % 26) + 97) : ch;
  ROT_FOLD[c] = (LEET[rotated] ?? rotated).charCodeAt(0);
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const MARK = /\p{M}/u;

class ViewBuilder {
  codes: Uint16Array;
  start: Int32Array;
  end: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.codes = new Uint16Array(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
  }
  push(code: number, s: number, e: number): void {
    if (code === SPACE && (this.length === 0 || this.codes[this.length - 1] === SPACE)) return;
    if (this.length === this.codes.length) this.grow();
    this.codes[this.length] = code;
    this.start[this.length] = s;
    this.end[this.length] = e;
    this.length++;
  }
  grow(): void {
    const n = this.codes.length * 2 + 16;
    const codes = new Uint16Array(n);
    codes.set(this.codes);
    const start = new Int32Array(n);
    start.set(this.start);
    const end = new Int32Array(n);
    end.set(this.end);
    this.codes = codes;
    this.start = start;
    this.end = end;
  }
  text(codes: Uint16Array = this.codes): string {
    const parts: string[] = [];
    for (let i = 0; i < this.length; i += 8192)
      parts.push(
        String.fromCharCode.apply(null, Array.from(codes.subarray(i, Math.min(this.length, i + 8192)))),
      );
    return parts.join('');
  }
  view(smuggled: boolean, codes?: Uint16Array): NormalizedText {
    return {
      text: this.text(codes),
      start: this.start.subarray(0, this.length),
      end: this.end.subarray(0, this.length),
      smuggled,
    };
  }
}

/** Builds the normalized views of `text` in one pass. */
export function normalizeForInjection(text: string): {
  plain: NormalizedText;
  folded: NormalizedText;
  rot13: NormalizedText;
} {
  const plain = new ViewBuilder(text.length + 16);
  const folded = new ViewBuilder(text.length + 16);
  let smuggled = false;
  let i = 0;
  while (i < text.length) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      plain.push(PLAIN_ASCII[unit] ?? SPACE, i, i + 1);
      folded.push(FOLD_ASCII[unit] ?? SPACE, i, i + 1);
      i++;
      continue;
    }
    const cp = text.codePointAt(i) ?? unit;
    const s = i;
    const e = i + (cp > 0xffff ? 2 : 1);
    i = e;
    if (isInvisible(cp)) continue;
    if (cp >= 0xe0000 && cp <= 0xe007f) {
      // Tag characters spell ASCII invisibly; read them as the text they hide.
      smuggled = true;
      if (cp < 0xe0020 || cp > 0xe007e) continue;
      const c = cp - 0xe0000;
      plain.push(PLAIN_ASCII[c] ?? SPACE, s, e);
      folded.push(FOLD_ASCII[c] ?? SPACE, s, e);
      continue;
    }
    const decomposed = String.fromCodePoint(cp).normalize('NFKD').toLowerCase();
    for (const ch of decomposed) {
      const code = ch.codePointAt(0) ?? SPACE;
      if (code < 0x80) {
        plain.push(PLAIN_ASCII[code] ?? SPACE, s, e);
        folded.push(FOLD_ASCII[code] ?? SPACE, s, e);
        continue;
      }
      if (MARK.test(ch)) continue;
      if (!LETTER_OR_DIGIT.test(ch) || code > 0xffff) {
        // Astral letters (rare scripts, math alphabets after NFKD are ASCII already) read as separators.
        plain.push(SPACE, s, e);
        folded.push(SPACE, s, e);
        continue;
      }
      plain.push(code, s, e);
      const f = HOMOGLYPHS[ch] ?? LEET[ch];
      folded.push(f ? f.charCodeAt(0) : code, s, e);
    }
  }
  const rotCodes = new Uint16Array(plain.length);
  for (let k = 0; k < plain.length; k++) {
    const c = plain.codes[k] ?? SPACE;
    rotCodes[k] = c < 0x80 ? (ROT_FOLD[c] ?? c) : c;
  }
  return {
    plain: plain.view(smuggled),
    folded: folded.view(smuggled),
    rot13: plain.view(smuggled, rotCodes),
  };
}

/** Applies the `folded` view's letter folding to a phrase, so patterns can be written in plain English. */
export function foldPhrase(source: string): string {
  return source.replace(/l/g, 'i');
}

const isSingleToken = (t: string, k: number): boolean =>
  t.charCodeAt(k) !== SPACE &&
  (k === 0 || t.charCodeAt(k - 1) === SPACE) &&
  (k + 1 === t.length || t.charCodeAt(k + 1) === SPACE);

/**
 * Closes up letter-spaced words ("I G N O R E  a l l", "i-g-n-o-r-e"): in a run of three or more
 * one-character tokens of `view`, the separator that occurs most often between them in `original`
 * (one space, a dash, a dot) is read as inside a word and removed; any other gap (two spaces, a
 * different character) stays a word break. Returns undefined when the view has no such run.
 * When words are split by the same single separator as letters, they run together (the injection
 * detector reads such text with glued phrase families too).
 */
export function closeLetterSpacing(original: string, view: NormalizedText): NormalizedText | undefined {
  const t = view.text;
  const drop = new Uint8Array(t.length);
  let changed = false;
  let k = 0;
  while (k < t.length) {
    if (!isSingleToken(t, k)) {
      k++;
      continue;
    }
    // A run of one-character tokens at k, k+2, k+4, …
    let last = k;
    while (last + 2 < t.length && t.charCodeAt(last + 1) === SPACE && isSingleToken(t, last + 2)) last += 2;
    if ((last - k) / 2 + 1 >= 3) {
      const gaps = new Map<string, number>();
      const gapAt = (q: number): string => original.slice(view.end[q] ?? 0, view.start[q + 2] ?? 0);
      for (let q = k; q < last; q += 2) {
        const g = gapAt(q);
        gaps.set(g, (gaps.get(g) ?? 0) + 1);
      }
      let separator = '';
      let most = 0;
      for (const [g, n] of gaps)
        if (n > most && g.length === 1) {
          separator = g;
          most = n;
        }
      if (separator !== '')
        for (let q = k; q < last; q += 2)
          if (gapAt(q) === separator) {
            drop[q + 1] = 1;
            changed = true;
          }
    }
    k = last + 2;
  }
  if (!changed) return undefined;
  const codes: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  for (let q = 0; q < t.length; q++) {
    if (drop[q] === 1) continue;
    codes.push(t.charCodeAt(q));
    start.push(view.start[q] ?? 0);
    end.push(view.end[q] ?? 0);
  }
  const parts: string[] = [];
  for (let q = 0; q < codes.length; q += 8192) parts.push(String.fromCharCode(...codes.slice(q, q + 8192)));
  return {
    text: parts.join(''),
    start: Int32Array.from(start),
    end: Int32Array.from(end),
    smuggled: view.smuggled,
  };
}
