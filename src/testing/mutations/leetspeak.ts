/** Leetspeak: letters replaced by digits and symbols that read the same. */
import { type MutationVariant, single } from './variant.js';

const LEET: Readonly<Record<string, string>> = {
  a: '4',
  e: '3',
  i: '1',
  o: '0',
  s: '5',
  t: '7',
  l: '1',
  g: '9',
};

/** A full substitution and a light one (vowels only). */
export function leetspeakVariants(text: string): MutationVariant[] {
  const full = Array.from(text, (ch) => LEET[ch.toLowerCase()] ?? ch).join('');
  const light = Array.from(text, (ch) =>
    'aeio'.includes(ch.toLowerCase()) ? (LEET[ch.toLowerCase()] ?? ch) : ch,
  ).join('');
  return [single('leetspeak', 'leetspeak:full', full), single('leetspeak', 'leetspeak:vowels', light)];
}
