/** All mutation generators by kind. */
import { base64Variants, hexVariants, rot13Variants } from './encodings.js';
import { leetspeakVariants } from './leetspeak.js';
import { splitVariants } from './split.js';
import { caseVariants, whitespaceVariants } from './text-shape.js';
import { translateVariants } from './translate.js';
import { homoglyphVariants, zeroWidthVariants } from './unicode.js';
import {
  MUTATION_KINDS,
  type MutationGenerator,
  type MutationKind,
  type MutationVariant,
} from './variant.js';
import { markdownVariants, roleplayVariants } from './wrappers.js';

export { MUTATION_KINDS, type MutationGenerator, type MutationKind, type MutationVariant };

/** The generator for each kind. */
export const MUTATION_GENERATORS: Readonly<Record<MutationKind, MutationGenerator>> = {
  case: caseVariants,
  whitespace: whitespaceVariants,
  homoglyph: homoglyphVariants,
  'zero-width': zeroWidthVariants,
  leetspeak: leetspeakVariants,
  base64: base64Variants,
  hex: hexVariants,
  rot13: rot13Variants,
  markdown: markdownVariants,
  roleplay: roleplayVariants,
  translate: translateVariants,
  split: splitVariants,
};

/** True when `kind` names a mutation. */
export function isMutationKind(kind: string): kind is MutationKind {
  return (MUTATION_KINDS as readonly string[]).includes(kind);
}

/** Every variant of `text` for the listed kinds, in the order given, duplicates of the original dropped. */
export function mutateText(text: string, kinds: readonly MutationKind[]): MutationVariant[] {
  const out: MutationVariant[] = [];
  for (const kind of kinds) {
    for (const variant of MUTATION_GENERATORS[kind](text)) {
      if (variant.messages.length === 1 && variant.messages[0] === text) continue;
      out.push(variant);
    }
  }
  return out;
}
