/**
 * Bounds that keep hostile policy files from exhausting time or memory. Every loader checks these
 * before doing work proportional to the input.
 */
export const POLICY_LIMITS = {
  /** Largest single policy or suite file, in UTF-16 code units (~1 MiB of ASCII). */
  maxFileChars: 1_048_576,
  /** Largest total size of all files forming one policy. */
  maxTotalChars: 8_388_608,
  /** Most files in one policy directory. */
  maxFiles: 256,
  /** Deepest nesting of maps and sequences. */
  maxDepth: 48,
  /** Most alias expansions per document (stops "billion laughs"). */
  maxAliasCount: 64,
  /** Most rules in one policy, baseline included. */
  maxRules: 20_000,
  /** Longest `when` expression. */
  maxExpressionChars: 8_192,
  /** Most AST nodes in one CEL expression. */
  maxExpressionNodes: 2_000,
} as const;
