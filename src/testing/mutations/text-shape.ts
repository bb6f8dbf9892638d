/** Case and whitespace mutations: same words, different surface. */
import { type MutationVariant, single } from './variant.js';

/** Upper case, lower case and alternating case variants. */
export function caseVariants(text: string): MutationVariant[] {
  let upper = true;
  const alternating = Array.from(text, (ch) => {
    if (ch.toLowerCase() === ch.toUpperCase()) return ch;
    upper = !upper;
    return upper ? ch.toUpperCase() : ch.toLowerCase();
  }).join('');
  return [
    single('case', 'case:upper', text.toUpperCase()),
    single('case', 'case:lower', text.toLowerCase()),
    single('case', 'case:alternating', alternating),
  ];
}

/** Doubled spaces, words on separate lines, and tabs with padding. */
export function whitespaceVariants(text: string): MutationVariant[] {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  return [
    single('whitespace', 'whitespace:double', words.join('  ')),
    single('whitespace', 'whitespace:newlines', words.join('\n')),
    single('whitespace', 'whitespace:tabs', `\t ${words.join('\t')} \n`),
  ];
}
