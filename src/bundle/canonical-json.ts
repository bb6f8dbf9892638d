/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no insignificant whitespace.
 * For the values bundles hold (strings, finite numbers, booleans, null, arrays, plain objects) this is
 * exactly RFC 8785 (JCS): JSON.stringify already serialises strings and numbers the way JCS requires,
 * so only key order needs handling — a dependency would add nothing.
 */

/** A JSON value as bundles store it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Returns a deep copy with object keys in sorted order; rejects values JSON cannot represent exactly. */
export function sortKeysDeep(value: unknown): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonical JSON cannot hold a non-finite number');
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => sortKeysDeep(v));
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      out[key] = sortKeysDeep(v);
    }
    return out;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** Compact canonical form: the bytes digests and signatures are computed over. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

/** Readable canonical form (sorted keys, two-space indent, trailing newline): how bundle files are written. */
export function prettyCanonicalJson(value: unknown): string {
  return `${JSON.stringify(sortKeysDeep(value), null, 2)}\n`;
}
