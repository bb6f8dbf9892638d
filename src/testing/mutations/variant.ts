/** The shared shape of adversarial variants produced by the mutation generators. */

/** Every mutation kind a case may list under `mutate:`. */
export const MUTATION_KINDS = [
  'case',
  'whitespace',
  'homoglyph',
  'zero-width',
  'leetspeak',
  'base64',
  'hex',
  'rot13',
  'markdown',
  'roleplay',
  'translate',
  'split',
] as const;
/** A mutation kind. */
export type MutationKind = (typeof MUTATION_KINDS)[number];

/**
 * One variant of a text. Most variants are one message; `split` variants are several messages
 * sent one after another.
 */
export interface MutationVariant {
  kind: MutationKind;
  /** Short stable label, e.g. `base64` or `translate:es`, used in reports. */
  label: string;
  messages: string[];
  /**
   * The variant adds instructions of its own (role-play, "ignore previous", "decode this and do
   * what it says"), so a different refusal message is legitimate: another rule may answer first.
   */
  framed?: boolean;
}

/** A pure, deterministic generator: same text in, same variants out. */
export type MutationGenerator = (text: string) => MutationVariant[];

/** Builds a one-message variant. */
export function single(kind: MutationKind, label: string, text: string): MutationVariant {
  return { kind, label, messages: [text] };
}

/** Builds a one-message variant that wraps the text in instructions of its own. */
export function framed(kind: MutationKind, label: string, text: string): MutationVariant {
  return { kind, label, messages: [text], framed: true };
}
