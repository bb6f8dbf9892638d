/**
 * Applies a `redact` obligation to a text given the findings of the detectors that scanned it.
 * The spans and replacements are the detect ring's own (`redact` in src/detect), so a text redacted
 * by the guard reads exactly like one redacted by `redact`/`redactStream`; the guard only supplies
 * what that pure code must be given from outside: the key of the `hash` mode and a token vault.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { RedactMode as DetectRedactMode, TokenVault } from '../detect/index.js';
import { createMemoryVault, redact } from '../detect/index.js';
import type { Finding } from '../policy/types.js';

/**
 * How a redacted span is replaced (detect's modes): `mask` → `[TYPE]`, `partial` → `•••• 1234`
 * (the last four characters; fully masked when the value is short), `hash` → `[TYPE:16 hex of a keyed
 * HMAC-SHA256]`, `tokenize` → a vault token `[[TYPE_n]]` (same value, same token), `drop` → nothing.
 * `remove` is accepted as a synonym of `drop`.
 */
export type RedactMode = DetectRedactMode | 'remove';

/** What the guard passes to detect's redaction besides the mode. */
export interface RedactionKeys {
  /** HMAC key of the `hash` mode. Default: random per process, so hashes cannot be looked up elsewhere. */
  hashKey?: string | Buffer;
  /** Vault of the `tokenize` mode. Default: a fresh in-memory vault per text (tokens are not reversible later). */
  vault?: TokenVault;
}

const PROCESS_HASH_KEY = randomBytes(32);

/** A keyed hash of a value for the `hash` mode: unkeyed, short values such as SSNs could be brute-forced. */
function hasher(key: string | Buffer): (value: string, type: string) => string {
  return (value, type) =>
    createHmac('sha256', key).update(type).update('\0').update(value).digest('hex').slice(0, 16);
}

const defaultHash = hasher(PROCESS_HASH_KEY);

/**
 * Replaces every finding whose type is in `entities` (all findings when `entities` is empty or
 * absent). Overlapping spans are merged so no fragment of a secret survives between them; the merged
 * span is named by its strongest finding.
 */
export function redactFindings(
  text: string,
  findings: readonly Finding[],
  entities: readonly string[] | undefined,
  mode: RedactMode = 'mask',
  keys: RedactionKeys = {},
): { text: string; count: number } {
  const wanted = entities && entities.length > 0 ? new Set(entities) : undefined;
  const chosen = wanted ? findings.filter((f) => wanted.has(f.type)) : findings;
  if (chosen.length === 0) return { text, count: 0 };
  const m: DetectRedactMode = mode === 'remove' ? 'drop' : mode;
  const out = redact(text, chosen, {
    mode: m,
    hash: keys.hashKey !== undefined ? hasher(keys.hashKey) : defaultHash,
    vault: m === 'tokenize' ? (keys.vault ?? createMemoryVault()) : keys.vault,
  });
  return { text: out, count: out === text ? 0 : countSpans(text, chosen) };
}

/** How many disjoint spans the findings cover (overlapping ones count once). */
function countSpans(text: string, findings: readonly Finding[]): number {
  const spans = findings
    .map((f) => [Math.max(0, f.start), Math.min(text.length, f.end)] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let n = 0;
  let end = -1;
  for (const [s, e] of spans) {
    if (s >= end) n++;
    end = Math.max(end, e);
  }
  return n;
}
