/**
 * Canonical JSON (sorted object keys, no whitespace, `undefined` members dropped) — the form the
 * hash chain and checkpoint signatures are computed over. Written by hand because it sits on the
 * hot path of every append and only has to handle plain JSON values.
 */
import { EvidenceError } from './errors.js';

/** Serialises a JSON value with object keys in code-unit order, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new EvidenceError('evidence/invalid-record', 'non-finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item = value[i];
          out += item === undefined ? 'null' : canonicalJson(item);
        }
        return out + ']';
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = obj[key];
        if (item === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(key) + ':' + canonicalJson(item);
      }
      return out + '}';
    }
    default:
      throw new EvidenceError('evidence/invalid-record', `value of type ${typeof value} is not JSON`);
  }
}
