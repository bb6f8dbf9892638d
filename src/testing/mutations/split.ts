/** Splitting a text across messages so that no single message carries the whole payload. */
import type { MutationVariant } from './variant.js';

/** Cuts `words` into `parts` runs of nearly equal length. */
function chunk(words: string[], parts: number): string[] {
  const size = Math.ceil(words.length / parts);
  const out: string[] = [];
  for (let i = 0; i < words.length; i += size) out.push(words.slice(i, i + size).join(' '));
  return out;
}

/** Two halves and three thirds at word boundaries; a one-word text is cut inside the word. */
export function splitVariants(text: string): MutationVariant[] {
  const words = text.split(/\s+/).filter((w) => w.length > 0);
  if (words.length < 2) {
    const middle = Math.max(1, Math.floor(text.length / 2));
    return [{ kind: 'split', label: 'split:halves', messages: [text.slice(0, middle), text.slice(middle)] }];
  }
  const variants: MutationVariant[] = [{ kind: 'split', label: 'split:halves', messages: chunk(words, 2) }];
  if (words.length >= 3) variants.push({ kind: 'split', label: 'split:thirds', messages: chunk(words, 3) });
  return variants;
}
