/**
 * `builtin/secrets`: provider-specific credential formats, private key blocks and a generic
 * high-entropy `key = value` detector. Obvious placeholders and documentation examples are dropped.
 */
import type { Detector, DetectorConfig, DetectorFactory } from '../policy/detector-contract.js';
import type { Finding } from '../policy/types.js';
import { buildAsciiKeywordSet } from './ascii-keyword-set.js';
import { checkOptions, readRisk, readStringList, readThreshold } from './config-check.js';
import { DetectError } from './errors.js';
import { SECRET_PATTERNS, type SecretPattern } from './secret-patterns.js';
import { shannonEntropy } from './validators.js';

const SECRETS_VERSION = '1.0.0';

/** Secret types beyond the provider table. */
const EXTRA_TYPES = ['PRIVATE_KEY', 'GENERIC_SECRET'];

/** Every type `builtin/secrets` can report. */
export const SECRET_TYPES: readonly string[] = [
  ...new Set([...SECRET_PATTERNS.map((p) => p.type), ...EXTRA_TYPES]),
];

const PLACEHOLDER_WORDS = [
  'example',
  'placeholder',
  'your_',
  'your-',
  'yourkey',
  'xxxxxx',
  'redacted',
  'dummy',
  'sample',
  'changeme',
  'change_me',
  'replace',
  'insert',
  'fake',
  'notreal',
  'not_real',
  '******',
  '••••',
  '<',
  '>',
  '${',
  '{{',
  '%s',
  '...',
];

/** True for documentation examples and template values that are not live credentials. */
export function isPlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  for (const w of PLACEHOLDER_WORDS) if (lower.includes(w)) return true;
  if (/^(?:pass(?:word|wd)?|pwd|secret|token|key|user(?:name)?|admin|root|test|default)$/.test(lower))
    return true;
  // Long runs of one character (sk_live_0000000000…) are templates, not keys.
  if (/(.)\1{7}/.test(value)) return true;
  if (/0123456789|abcdefghijkl/i.test(value)) return true;
  return false;
}

const PRIVATE_KEY_BEGIN =
  /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/g;
const PRIVATE_KEY_END = '-----END ';
const MAX_KEY_BLOCK = 16_384;
const KEY_BODY = /[A-Za-z0-9+/=\r\n]{0,16384}/y;

/** Private key blocks: BEGIN header to the next END footer; a header without a footer still counts. */
function scanPrivateKeys(
  text: string,
  emit: (type: string, start: number, end: number, score: number) => void,
): void {
  if (!text.includes('PRIVATE KEY')) return;
  // The footer search only moves forward, so many headers without footers stay linear.
  let nextEnd = -2;
  for (const m of text.matchAll(PRIVATE_KEY_BEGIN)) {
    const bodyStart = m.index + m[0].length;
    if (nextEnd !== -1 && nextEnd < bodyStart) nextEnd = text.indexOf(PRIVATE_KEY_END, bodyStart);
    if (nextEnd !== -1 && nextEnd - bodyStart <= MAX_KEY_BLOCK) {
      const close = text.indexOf('-----', nextEnd + PRIVATE_KEY_END.length);
      const end = close !== -1 && close - nextEnd < 64 ? close + 5 : nextEnd + PRIVATE_KEY_END.length;
      const body = text.slice(bodyStart, nextEnd);
      if (isPlaceholder(body.replace(/\s/g, '')) && !/[A-Za-z0-9+/]{40}/.test(body)) continue;
      emit('PRIVATE_KEY', m.index, end, 0.99);
    } else {
      // A truncated paste still leaks the key material that follows the header.
      KEY_BODY.lastIndex = bodyStart;
      const body = KEY_BODY.exec(text);
      emit('PRIVATE_KEY', m.index, bodyStart + (body?.[0].replace(/\s+$/, '').length ?? 0), 0.9);
    }
  }
}

const GENERIC_KEYWORDS = ['key', 'secret', 'token', 'passw', 'pwd', 'credential', 'auth'];
/**
 * The generic `key = value` form, anchored at the key word: tried only where one of GENERIC_STARTS
 * begins (found in one automaton pass), because the unanchored regex, tried at every word start,
 * cost about 9 ms per MB of mixed text. The optional `name_` prefix before the key word is checked by
 * hand in `scanGeneric` exactly as the unanchored form's `(?<![A-Za-z0-9])(?:[A-Za-z0-9]{1,20}[_.-])?`.
 */
const GENERIC_KEY_RE =
  /(api[_.-]?key|apikey|secret|token|passw(?:or)?d|pwd|access[_.-]?key|auth[_.-]?key|credentials?|private[_.-]?key|client[_.-]?secret)(?:[_.-][A-Za-z0-9]{1,20})?["']?\s{0,4}(?::=|=>|[:=])\s{0,4}["']?([^\s"'`,;<>(){}[\]]{8,256})/diy;
const GENERIC_STARTS = [
  'api',
  'secret',
  'token',
  'passw',
  'pwd',
  'access',
  'auth',
  'credential',
  'private',
  'client',
];

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isJoiner = (c: number): boolean => c === 95 || c === 46 || c === 45; // _ . -

/**
 * Every `key = value` match, leftmost first and non-overlapping, as a global scan of
 * `(?<![A-Za-z0-9])(?:[A-Za-z0-9]{1,20}[_.-])?` + GENERIC_KEY_RE would report them. A match starts
 * either at a key word (not glued to a letter or digit) or at the alphanumeric run of 1–20 before
 * `[_.-]` and a key word; at one start the prefixed reading is tried first, as the greedy `?` does.
 */
export function genericMatches(
  text: string,
  keyStarts: readonly number[] = genericStarts(KEYWORDS.locate(text)),
): RegExpExecArray[] {
  const starts = new Set<number>();
  for (const q of keyStarts) {
    if (q === 0 || !isAlnum(text.charCodeAt(q - 1))) starts.add(q);
    if (q >= 2 && isJoiner(text.charCodeAt(q - 1))) {
      let s = q - 1;
      while (s > 0 && q - 1 - s < 21 && isAlnum(text.charCodeAt(s - 1))) s--;
      const run = q - 1 - s;
      if (run >= 1 && run <= 20 && (s === 0 || !isAlnum(text.charCodeAt(s - 1)))) starts.add(s);
    }
  }
  const out: RegExpExecArray[] = [];
  let floor = 0;
  for (const s of [...starts].sort((a, b) => a - b)) {
    if (s < floor) continue;
    let m: RegExpExecArray | null = null;
    let run = 0;
    while (s + run < text.length && run < 21 && isAlnum(text.charCodeAt(s + run))) run++;
    if (run >= 1 && run <= 20 && isJoiner(text.charCodeAt(s + run))) {
      GENERIC_KEY_RE.lastIndex = s + run + 1;
      m = GENERIC_KEY_RE.exec(text);
    }
    if (!m) {
      GENERIC_KEY_RE.lastIndex = s;
      m = GENERIC_KEY_RE.exec(text);
    }
    if (m) {
      out.push(m);
      floor = m.index + m[0].length;
    }
  }
  return out;
}

function charClasses(value: string): number {
  return (
    Number(/[a-z]/.test(value)) +
    Number(/[A-Z]/.test(value)) +
    Number(/\d/.test(value)) +
    Number(/[^A-Za-z0-9]/.test(value))
  );
}

/** `password = "…"` and `api_key: …` with a value that looks random, not like a word or a template. */
function scanGeneric(
  text: string,
  hits: ReadonlyMap<string, number[]>,
  keyStarts: readonly number[],
  emit: (type: string, start: number, end: number, score: number) => void,
): void {
  if (!GENERIC_KEYWORDS.some((k) => hits.has(k))) return;
  for (const m of genericMatches(text, keyStarts)) {
    const key = (m[1] ?? '').toLowerCase();
    let value = m[2] ?? '';
    const span = m.indices?.[2];
    if (!span) continue;
    value = value.replace(/[.!?]+$/, '');
    if (value.length < 8 || isPlaceholder(value)) continue;
    if (
      /^(?:true|false|null|none|undefined|string|number|required|optional|env|process\.env\.\w+)$/i.test(
        value,
      )
    )
      continue;
    if (/^[a-z]+(?:[_.-][a-z]+)*$/i.test(value)) continue; // identifiers and words, e.g. password: hunter_two
    if (/^https?:/.test(value) || /^(?:sha(?:1|256|384|512)|md5):/i.test(value)) continue;
    const isPassword = key.startsWith('passw') || key === 'pwd';
    const entropy = shannonEntropy(value);
    const classes = charClasses(value);
    const ok = isPassword
      ? classes >= 2 && entropy >= 2.5
      : value.length >= 16 && entropy >= 3.3 && classes >= 2;
    if (!ok) continue;
    emit('GENERIC_SECRET', span[0], span[0] + value.length, isPassword ? 0.75 : 0.8);
  }
}

/** Read by the keyword pass too, so a text without it skips the case-sensitive `PRIVATE KEY` searches. */
const PRIVATE_KEY_WORD = 'private key';
const ALL_KEYWORDS = [
  ...new Set([
    ...SECRET_PATTERNS.flatMap((p) => p.keywords),
    ...GENERIC_KEYWORDS,
    ...GENERIC_STARTS,
    PRIVATE_KEY_WORD,
  ]),
].sort((a, b) => b.length - a.length);
/**
 * One pass finds every provider keyword with its offsets (so each provider pattern runs only when
 * one of its keywords is present, and then only there) and where the generic key words start.
 */
const KEYWORDS = buildAsciiKeywordSet(ALL_KEYWORDS);

/** Ascending offsets, without duplicates, of every occurrence of the given keywords. */
function offsetsOf(at: ReadonlyMap<string, number[]>, keywords: readonly string[]): number[] {
  let out: number[] | undefined;
  let merged = false;
  for (const k of keywords) {
    const list = at.get(k);
    if (list === undefined) continue;
    if (out === undefined) out = list;
    else {
      out = out.concat(list);
      merged = true;
    }
  }
  if (out === undefined) return [];
  if (!merged) return out;
  out.sort((a, b) => a - b);
  return out.filter((x, k, all) => k === 0 || all[k - 1] !== x);
}

/** Where the generic `key = value` form's key words start. */
function genericStarts(at: ReadonlyMap<string, number[]>): number[] {
  return offsetsOf(at, GENERIC_STARTS);
}

/**
 * Sticky copies of the anchored provider patterns, tried only at their keywords' offsets: a whole-text
 * scan per pattern whose keyword occurs (0.5 per piece of the bench text, mostly 'pat', 'sk-', 'hf_'
 * found inside other tokens) cost ~2.5 ms per MB of it.
 */
const STICKY = new Map<SecretPattern, RegExp>(
  SECRET_PATTERNS.filter((p) => !p.unanchored).map((p) => [
    p,
    new RegExp(p.re.source, p.re.flags.replace('g', '') + 'y'),
  ]),
);

/**
 * The matches `p.re`'s global scan reports (leftmost first, non-overlapping). An anchored pattern
 * can only match where one of its keywords begins (case-insensitively), so it is tried there only.
 */
export function patternMatches(
  p: SecretPattern,
  text: string,
  at: ReadonlyMap<string, number[]>,
): RegExpExecArray[] {
  const sticky = STICKY.get(p);
  if (sticky === undefined) {
    p.re.lastIndex = 0;
    return [...text.matchAll(p.re)];
  }
  const out: RegExpExecArray[] = [];
  let floor = 0;
  for (const s of offsetsOf(at, p.keywords)) {
    if (s < floor) continue;
    sticky.lastIndex = s;
    const m = sticky.exec(text);
    if (m !== null) {
      out.push(m);
      floor = s + m[0].length;
    }
  }
  return out;
}

/**
 * For tests: each provider pattern's global scan beside what `patternMatches` reports
 * (`offset:match` strings), so the two can be compared on arbitrary text.
 */
export function patternReadings(text: string): Record<string, { global: string[]; anchored: string[] }> {
  const at = KEYWORDS.locate(text);
  const read = (m: RegExpExecArray): string => `${m.index}:${m[0]}`;
  const out: Record<string, { global: string[]; anchored: string[] }> = {};
  for (const p of SECRET_PATTERNS) {
    p.re.lastIndex = 0;
    out[p.type] = {
      global: [...text.matchAll(p.re)].map(read),
      anchored: patternMatches(p, text, at).map(read),
    };
  }
  return out;
}

/**
 * For each keyword, the indices (into SECRET_PATTERNS) of the patterns it announces: the keyword pass
 * marks the announced patterns instead of each pattern asking the keyword map for each of its keywords
 * (40 patterns × a closure per text were a tenth of the secrets scan's allocations).
 */
const ANNOUNCES = new Map<string, number[]>();
SECRET_PATTERNS.forEach((p, i) => {
  for (const k of p.keywords) ANNOUNCES.set(k, [...(ANNOUNCES.get(k) ?? []), i]);
});
/** Scratch: which patterns the current text's keywords announce (cleared at the start of each scan). */
const announced = new Uint8Array(SECRET_PATTERNS.length);

interface Options {
  types: ReadonlySet<string>;
  generic: boolean;
}

function scanSecrets(
  text: string,
  name: string,
  options: Options,
  threshold: number,
  risk?: string,
): Finding[] {
  const found: Finding[] = [];
  const emit = (type: string, start: number, end: number, score: number): void => {
    if (!options.types.has(type) || score < threshold) return;
    const f: Finding = { detector: name, type, start, end, score };
    if (risk !== undefined) f.risk = risk;
    found.push(f);
  };
  const hits = KEYWORDS.locate(text);
  if (hits.size === 0) return found;
  announced.fill(0);
  for (const k of hits.keys()) {
    const list = ANNOUNCES.get(k);
    if (list !== undefined) for (const i of list) announced[i] = 1;
  }
  for (let i = 0; i < SECRET_PATTERNS.length; i++) {
    const p = SECRET_PATTERNS[i] as SecretPattern;
    if (announced[i] === 0 || !options.types.has(p.type)) continue;
    if (p.literals && !p.literals.some((l) => text.includes(l))) continue;
    if (p.precheck && !p.precheck(text)) continue;
    for (const m of patternMatches(p, text, hits)) {
      let start = m.index;
      let value = m[0];
      if (p.valueGroup && m.indices?.[1] && m[1] !== undefined) {
        start = m.indices[1][0];
        value = m[1];
      }
      if (isPlaceholder(value)) continue;
      emit(p.type, start, start + value.length, p.score);
    }
  }
  if (hits.has(PRIVATE_KEY_WORD)) scanPrivateKeys(text, emit);
  if (options.generic) {
    const specific = found.slice();
    scanGeneric(text, hits, genericStarts(hits), (type, start, end, score) => {
      if (!specific.some((f) => f.start < end && start < f.end)) emit(type, start, end, score);
    });
  }
  return found.sort((a, b) => a.start - b.start || a.end - b.end || a.type.localeCompare(b.type));
}

/** Builds a `builtin/secrets` detector: options `types` (subset of SECRET_TYPES) and `generic` (default true). */
export const createSecretsDetector: DetectorFactory = (name: string, config: DetectorConfig): Detector => {
  checkOptions(name, config, ['types', 'generic']);
  const threshold = readThreshold(name, config, 0.5);
  const risk = readRisk(name, config);
  const types = readStringList(name, config, 'types') ?? [...SECRET_TYPES];
  types.forEach((t, i) => {
    if (!SECRET_TYPES.includes(t))
      throw new DetectError(
        'detect/unknown-entity',
        `detector "${name}": unknown secret type "${t}" (known: ${SECRET_TYPES.join(', ')})`,
        `detectors.${name}.types[${i}]`,
      );
  });
  if (config.generic !== undefined && typeof config.generic !== 'boolean')
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": generic must be true or false`,
      `detectors.${name}.generic`,
    );
  const options: Options = { types: new Set(types), generic: config.generic !== false };
  return {
    id: 'builtin/secrets',
    version: SECRETS_VERSION,
    scan(text: string): Finding[] {
      if (typeof text !== 'string' || text.length === 0) return [];
      return scanSecrets(text, name, options, threshold, risk);
    },
  };
};
