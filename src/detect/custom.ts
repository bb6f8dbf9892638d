/**
 * `custom`: bundle-defined patterns (RE2 semantics through an injected regex engine), keyword and
 * phrase lists (Aho–Corasick), and denied topics (keyword families scored by how many distinct terms
 * appear). The pure ring cannot load RE2, so the outer ring injects `compileRegex`; without one, a
 * config with patterns is refused rather than run on a backtracking engine.
 */
import type { Detector, DetectorConfig, DetectorFactory } from '../policy/detector-contract.js';
import type { Finding } from '../policy/types.js';
import { checkOptions, readRisk, readThreshold } from './config-check.js';
import { DetectError } from './errors.js';
import type { KeywordEntry } from './keyword-matcher.js';
import { compileKeywords } from './keyword-matcher.js';

/** The part of a compiled regex the custom detector uses; `RE2` instances and `RegExp` both fit. */
export interface CompiledRegex {
  lastIndex: number;
  exec(text: string): { index: number; 0: string } | null;
}

/** Compiles a user pattern with a linear-time engine (RE2 in the outer ring); throws on refusal. */
export type RegexCompiler = (source: string, flags: string) => CompiledRegex;

/** Upper bounds that keep a hostile bundle from exhausting memory. */
const MAX_PATTERNS = 500;
const MAX_PATTERN_LENGTH = 2048;
const MAX_KEYWORDS = 100_000;
const MAX_FINDINGS = 10_000;

/**
 * Finds syntax RE2 refuses (lookaround, backreferences) so the error names the construct
 * instead of relaying the engine's message.
 */
export function unsupportedRegexSyntax(source: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const n = source[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(n)) return `backreference \\${n}`;
      if (!inClass && n === 'k' && source[i + 2] === '<') return 'named backreference \\k<…>';
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(' && source[i + 1] === '?') {
      const rest = source.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!')) return 'lookahead (?= / (?!';
      if (rest === '<=' || rest === '<!') return 'lookbehind (?<= / (?<!';
    }
  }
  return undefined;
}

interface PatternRule {
  type: string;
  score: number;
  re: CompiledRegex;
}

function asRecord(value: unknown, where: string, name: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": ${where} must be an object`,
      `detectors.${name}.${where}`,
    );
  return value as Record<string, unknown>;
}

function readList(config: DetectorConfig, key: string, name: string): unknown[] {
  const v = config[key];
  if (v === undefined) return [];
  if (!Array.isArray(v))
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": ${key} must be a list`,
      `detectors.${name}.${key}`,
    );
  return v;
}

function readType(entry: Record<string, unknown>, where: string, name: string): string {
  const t = entry.type;
  if (typeof t !== 'string' || !/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/.test(t))
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": ${where}.type must be a name like CLAIM_ID`,
      `detectors.${name}.${where}.type`,
    );
  return t;
}

function readScore(entry: Record<string, unknown>, where: string, name: string, fallback: number): number {
  const s = entry.score;
  if (s === undefined) return fallback;
  if (typeof s !== 'number' || !(s >= 0 && s <= 1))
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": ${where}.score must be between 0 and 1`,
      `detectors.${name}.${where}.score`,
    );
  return s;
}

function readBool(
  entry: Record<string, unknown>,
  key: string,
  where: string,
  name: string,
  fallback: boolean,
): boolean {
  const v = entry[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean')
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": ${where}.${key} must be true or false`,
      `detectors.${name}.${where}.${key}`,
    );
  return v;
}

function readWords(entry: Record<string, unknown>, where: string, name: string): string[] {
  const w = entry.words;
  if (!Array.isArray(w) || w.length === 0 || w.some((x) => typeof x !== 'string' || x.length === 0))
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": ${where}.words must be a non-empty list of non-empty strings`,
      `detectors.${name}.${where}.words`,
    );
  return w as string[];
}

function compilePatterns(
  config: DetectorConfig,
  name: string,
  compileRegex: RegexCompiler | undefined,
): PatternRule[] {
  const list = readList(config, 'patterns', name);
  if (list.length > MAX_PATTERNS)
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": at most ${MAX_PATTERNS} patterns`,
      `detectors.${name}.patterns`,
    );
  if (list.length > 0 && !compileRegex)
    throw new DetectError(
      'detect/regex-engine-missing',
      `detector "${name}": patterns need a linear-time regex engine; build the registry with createDetectorRegistry({ compileRegex })`,
      `detectors.${name}.patterns`,
    );
  return list.map((raw, i) => {
    const where = `patterns[${i}]`;
    const entry = asRecord(raw, where, name);
    const type = readType(entry, where, name);
    const source = entry.pattern;
    const loc = `detectors.${name}.${where}.pattern`;
    if (typeof source !== 'string' || source.length === 0 || source.length > MAX_PATTERN_LENGTH)
      throw new DetectError(
        'detect/bad-pattern',
        `detector "${name}": ${where}.pattern must be a string of 1–${MAX_PATTERN_LENGTH} characters`,
        loc,
      );
    const flags = entry.flags ?? '';
    if (typeof flags !== 'string' || !/^[ims]*$/.test(flags))
      throw new DetectError(
        'detect/bad-pattern',
        `detector "${name}": ${where}.flags may only contain i, m and s`,
        `detectors.${name}.${where}.flags`,
      );
    const unsupported = unsupportedRegexSyntax(source);
    if (unsupported)
      throw new DetectError(
        'detect/unsafe-pattern',
        `detector "${name}": ${where}.pattern uses ${unsupported}, which has no linear-time match (RE2 semantics)`,
        loc,
      );
    let re: CompiledRegex;
    try {
      re = (compileRegex as RegexCompiler)(source, `${flags}gu`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new DetectError(
        'detect/bad-pattern',
        `detector "${name}": ${where}.pattern is not valid RE2 syntax: ${why}`,
        loc,
      );
    }
    return { type, score: readScore(entry, where, name, 0.9), re };
  });
}

interface TopicRule {
  type: string;
  topic: string;
  words: number;
}

function compileLists(
  config: DetectorConfig,
  name: string,
): { entries: KeywordEntry[]; topics: TopicRule[] } {
  const entries: KeywordEntry[] = [];
  readList(config, 'keywords', name).forEach((raw, i) => {
    const where = `keywords[${i}]`;
    const e = asRecord(raw, where, name);
    const type = readType(e, where, name);
    const score = readScore(e, where, name, 0.9);
    const caseSensitive = readBool(e, 'caseSensitive', where, name, false);
    const wholeWord = readBool(e, 'wholeWord', where, name, true);
    for (const word of readWords(e, where, name))
      entries.push({ word, type, score, caseSensitive, wholeWord });
  });
  const topics: TopicRule[] = [];
  readList(config, 'topics', name).forEach((raw, i) => {
    const where = `topics[${i}]`;
    const e = asRecord(raw, where, name);
    const topic = e.name;
    if (typeof topic !== 'string' || topic === '')
      throw new DetectError(
        'detect/bad-config',
        `detector "${name}": ${where}.name must be a string`,
        `detectors.${name}.${where}.name`,
      );
    const type = e.type === undefined ? 'DENIED_TOPIC' : readType(e, where, name);
    const words = readWords(e, where, name);
    topics.push({ type, topic, words: words.length });
    const index = topics.length - 1;
    for (const word of words)
      entries.push({ word, type, score: 0, caseSensitive: false, wholeWord: true, topic: index });
  });
  if (entries.length > MAX_KEYWORDS)
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": at most ${MAX_KEYWORDS} keywords in total`,
      `detectors.${name}`,
    );
  return { entries, topics };
}

/** Options for building the `custom` factory. */
export interface CustomDetectorOptions {
  /** A linear-time regex engine (RE2); required for `patterns`. */
  compileRegex?: RegexCompiler;
}

/** Builds the `custom` factory with an injected regex engine. */
export function createCustomDetectorFactory(options: CustomDetectorOptions = {}): DetectorFactory {
  return (name: string, config: DetectorConfig): Detector => {
    checkOptions(name, config, ['patterns', 'keywords', 'topics']);
    const threshold = readThreshold(name, config, 0.5);
    const risk = readRisk(name, config);
    const patterns = compilePatterns(config, name, options.compileRegex);
    const { entries, topics } = compileLists(config, name);
    if (patterns.length === 0 && entries.length === 0)
      throw new DetectError(
        'detect/bad-config',
        `detector "${name}": a custom detector needs patterns, keywords or topics`,
        `detectors.${name}`,
      );
    const matchKeywords = entries.length > 0 ? compileKeywords(entries) : undefined;
    return {
      id: 'custom',
      version: '1.0.0',
      scan(text: string): Finding[] {
        if (typeof text !== 'string' || text.length === 0) return [];
        const found: Finding[] = [];
        const emit = (type: string, start: number, end: number, score: number): void => {
          if (score < threshold || found.length >= MAX_FINDINGS) return;
          const f: Finding = { detector: name, type, start, end, score };
          if (risk !== undefined) f.risk = risk;
          found.push(f);
        };
        for (const p of patterns) {
          p.re.lastIndex = 0;
          let guard = 0;
          for (let m = p.re.exec(text); m !== null && guard < MAX_FINDINGS; m = p.re.exec(text), guard++) {
            if (m[0].length === 0) {
              p.re.lastIndex = m.index + 1;
              continue;
            }
            emit(p.type, m.index, m.index + m[0].length, p.score);
          }
        }
        if (matchKeywords) {
          const topicHits = new Map<number, { words: Set<string>; start: number; end: number }>();
          for (const hit of matchKeywords(text)) {
            const t = hit.entry.topic;
            if (t !== undefined) {
              const h = topicHits.get(t) ?? { words: new Set<string>(), start: hit.start, end: hit.end };
              h.words.add(hit.entry.word.toLowerCase());
              h.start = Math.min(h.start, hit.start);
              h.end = Math.max(h.end, hit.end);
              topicHits.set(t, h);
            } else emit(hit.entry.type, hit.start, hit.end, hit.entry.score);
          }
          // One term may be incidental; each further distinct term of the same topic is more evidence.
          for (const [t, h] of topicHits) {
            const rule = topics[t];
            if (!rule) continue;
            const score = Math.min(0.95, Math.round((0.2 + 0.25 * h.words.size) * 100) / 100);
            emit(rule.type, h.start, h.end, score);
          }
        }
        return found.sort((a, b) => a.start - b.start || a.end - b.end || a.type.localeCompare(b.type));
      },
    };
  };
}
