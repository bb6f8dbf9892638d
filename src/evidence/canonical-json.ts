/**
 * Canonical JSON (sorted object keys, no whitespace, `undefined` members dropped) — the form the
 * hash chain and checkpoint signatures are computed over.
 */
import { EvidenceError } from './errors.js';

/** A deep copy of a JSON value with object keys inserted in sorted order, so `JSON.stringify` of it is canonical. */
export function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new EvidenceError('evidence/invalid-record', 'non-finite number');
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : sortedCopy(v)));
  const obj = value as Record<string, unknown>;
  // An ordinary object, not `Object.create(null)`: null-prototype objects live in V8's slow
  // dictionary mode and serialised ~2x slower. A hostile `__proto__` key is defined as an own
  // member so it cannot replace the prototype.
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj).sort()) {
    const item = obj[key];
    if (item === undefined) continue;
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: sortedCopy(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = sortedCopy(item);
  }
  return out;
}

/**
 * Serialises a JSON value with object keys in sorted order, so equal values give equal strings.
 * Keys are ordered as a JS engine orders a sorted object's own keys (integer-like keys first,
 * ascending; then the rest in code-unit order), which lets the hot path use native `JSON.stringify`.
 */
export function canonicalJson(value: unknown): string {
  if (
    value === undefined ||
    typeof value === 'function' ||
    typeof value === 'symbol' ||
    typeof value === 'bigint'
  )
    throw new EvidenceError('evidence/invalid-record', `value of type ${typeof value} is not JSON`);
  return JSON.stringify(sortedCopy(value));
}
