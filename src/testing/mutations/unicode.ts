/** Unicode confusables: homoglyphs and invisible characters that defeat naive string matching. */
import { type MutationVariant, single } from './variant.js';

/** Latin letters and the Cyrillic or Greek letters that render the same. */
const HOMOGLYPHS: Readonly<Record<string, string>> = {
  a: '\u0430',
  c: '\u0441',
  e: '\u0435',
  i: '\u0456',
  o: '\u043e',
  p: '\u0440',
  s: '\u0455',
  x: '\u0445',
  y: '\u0443',
  A: '\u0391',
  B: '\u0392',
  E: '\u0395',
  H: '\u0397',
  I: '\u0399',
  K: '\u039a',
  M: '\u039c',
  O: '\u039f',
  P: '\u03a1',
  T: '\u03a4',
  X: '\u03a7',
};

/** Every mappable letter swapped for its look-alike, and ASCII turned into full-width forms. */
export function homoglyphVariants(text: string): MutationVariant[] {
  const confusable = Array.from(text, (ch) => HOMOGLYPHS[ch] ?? ch).join('');
  const fullWidth = Array.from(text, (ch) => {
    const code = ch.charCodeAt(0);
    return code >= 0x21 && code <= 0x7e ? String.fromCharCode(code + 0xfee0) : ch;
  }).join('');
  return [
    single('homoglyph', 'homoglyph:cyrillic', confusable),
    single('homoglyph', 'homoglyph:fullwidth', fullWidth),
  ];
}

/** Inserts `mark` between the letters of every word of two or more letters. */
function interleave(text: string, mark: string): string {
  return text.replace(/\S{2,}/g, (word) => Array.from(word).join(mark));
}

/** Zero-width space, zero-width joiner and soft hyphen inside words. */
export function zeroWidthVariants(text: string): MutationVariant[] {
  return [
    single('zero-width', 'zero-width:zwsp', interleave(text, '\u200b')),
    single('zero-width', 'zero-width:zwj', interleave(text, '\u200d')),
    single('zero-width', 'zero-width:soft-hyphen', interleave(text, '\u00ad')),
  ];
}
