/**
 * Redaction of detected spans. Modes per entity type: `mask` (`[EMAIL]`), `partial` (`•••• 4242`),
 * `hash` (`[EMAIL:…]` from a keyed hash the caller injects, e.g. HMAC-SHA256 in the outer ring),
 * `tokenize` (a reversible token from an injected vault) and `drop`.
 */
import type { Finding } from '../policy/types.js';
import { DetectError } from './errors.js';
import { resolveOverlaps } from './overlap.js';

/** How one entity type is replaced. */
export type RedactMode = 'mask' | 'partial' | 'hash' | 'tokenize' | 'drop';

/** The redaction modes, for validation. */
export const REDACT_MODES: readonly RedactMode[] = ['mask', 'partial', 'hash', 'tokenize', 'drop'];

/** Stores original values behind tokens so an authorized service can restore them. */
export interface TokenVault {
  /** Returns the token for a value; the same value and type should give the same token. */
  tokenize(value: string, type: string): string;
  /** Returns the original value of a token, or undefined when unknown. */
  detokenize(token: string): string | undefined;
  /** Finds tokens in text, for `restoreTokens`; must be global. */
  readonly tokenPattern: RegExp;
}

/** How to redact. */
export interface RedactOptions {
  /** The mode for types without their own entry in `modes`; default `mask`. */
  mode?: RedactMode;
  /** Per entity type modes, e.g. `{ CREDIT_CARD: 'partial', EMAIL: 'hash' }`. */
  modes?: Readonly<Record<string, RedactMode>>;
  /** Keyed hash of a value (e.g. HMAC-SHA256 hex, truncated); required by `hash`. */
  hash?: (value: string, type: string) => string;
  /** Token vault; required by `tokenize`. */
  vault?: TokenVault;
  /** Characters kept at the end in `partial` mode (default 4). */
  keep?: number;
}

function modeOf(options: RedactOptions, type: string): RedactMode {
  return options.modes?.[type] ?? options.mode ?? 'mask';
}

/** Throws a DetectError when options ask for a mode without what it needs. */
export function validateRedactOptions(options: RedactOptions): void {
  const used = [options.mode ?? 'mask', ...Object.values(options.modes ?? {})];
  for (const m of used)
    if (!REDACT_MODES.includes(m))
      throw new DetectError(
        'detect/bad-redaction',
        `unknown redaction mode "${String(m)}" (known: ${REDACT_MODES.join(', ')})`,
      );
  if (used.includes('hash') && typeof options.hash !== 'function')
    throw new DetectError(
      'detect/bad-redaction',
      'redaction mode "hash" needs a keyed hash function (options.hash)',
    );
  if (used.includes('tokenize') && !options.vault)
    throw new DetectError(
      'detect/bad-redaction',
      'redaction mode "tokenize" needs a token vault (options.vault)',
    );
  if (
    options.keep !== undefined &&
    !(Number.isInteger(options.keep) && options.keep >= 0 && options.keep <= 16)
  )
    throw new DetectError('detect/bad-redaction', 'options.keep must be an integer from 0 to 16');
}

function partial(value: string, keep: number): string {
  const chars = Array.from(value);
  // Keeping the tail of a short value would reveal most of it.
  if (keep === 0 || chars.length <= keep * 2) return '••••';
  return `•••• ${chars.slice(-keep).join('')}`;
}

/** The replacement text for one value. */
export function replacementFor(value: string, type: string, options: RedactOptions): string {
  switch (modeOf(options, type)) {
    case 'drop':
      return '';
    case 'partial':
      return partial(value, options.keep ?? 4);
    case 'hash':
      return `[${type}:${(options.hash as (v: string, t: string) => string)(value, type)}]`;
    case 'tokenize':
      return (options.vault as TokenVault).tokenize(value, type);
    default:
      return `[${type}]`;
  }
}

/** Replaces every finding's span; overlapping findings become one span named by the strongest. */
export function redact(text: string, findings: readonly Finding[], options: RedactOptions = {}): string {
  validateRedactOptions(options);
  const spans = resolveOverlaps(text, findings);
  if (spans.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const s of spans) {
    parts.push(text.slice(at, s.start));
    parts.push(replacementFor(text.slice(s.start, s.end), s.finding.type, options));
    at = s.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** Puts the original values back for every token the vault knows; unknown tokens stay. */
export function restoreTokens(text: string, vault: TokenVault): string {
  return text.replace(vault.tokenPattern, (token) => vault.detokenize(token) ?? token);
}

/** An in-memory vault (tests, single-process use): tokens look like `[[EMAIL_1]]`. */
export function createMemoryVault(): TokenVault {
  const byToken = new Map<string, string>();
  const byValue = new Map<string, string>();
  const counters = new Map<string, number>();
  return {
    tokenPattern: /\[\[[A-Z0-9_.-]{1,64}_\d{1,9}\]\]/g,
    tokenize(value: string, type: string): string {
      const safeType =
        type
          .toUpperCase()
          .replace(/[^A-Z0-9_.-]/g, '_')
          .slice(0, 64) || 'VALUE';
      const key = `${safeType}\u0000${value}`;
      const existing = byValue.get(key);
      if (existing) return existing;
      const n = (counters.get(safeType) ?? 0) + 1;
      counters.set(safeType, n);
      const token = `[[${safeType}_${n}]]`;
      byValue.set(key, token);
      byToken.set(token, value);
      return token;
    },
    detokenize(token: string): string | undefined {
      return byToken.get(token);
    },
  };
}
