/**
 * `builtin/injection`: offline prompt-injection and jailbreak heuristics. The text is normalized first
 * (compatibility forms, invisible and bidi characters, homoglyphs, leetspeak), embedded base64, hex and
 * ROT13 payloads are decoded and scanned too, and matches inside HTML comments or invisible tag text
 * weigh more. Phrase-family weights combine by noisy-OR into one score per text; one finding covers
 * the matched spans (type `PROMPT_INJECTION`).
 */
import type { Detector, DetectorConfig, DetectorFactory } from '../policy/detector-contract.js';
import type { Finding } from '../policy/types.js';
import { checkOptions, readRisk, readThreshold } from './config-check.js';
import { DetectError } from './errors.js';
import { GLUED_FAMILIES, PHRASE_FAMILIES, STRUCTURAL_MARKERS } from './injection-phrases.js';
import type { NormalizedText } from './normalize.js';
import { closeLetterSpacing, normalizeForInjection } from './normalize.js';

const INJECTION_VERSION = '1.0.0';

/** The finding type of `builtin/injection`. */
export const INJECTION_TYPE = 'PROMPT_INJECTION';

/** Matched evidence of injection: a weight and where it is in the original text. */
export interface InjectionSignal {
  family: string;
  weight: number;
  start: number;
  end: number;
}

const BASE64_RUN = /(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{20,8192}={0,2}(?![A-Za-z0-9+/=])/g;
const HEX_RUN = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){10,4096}(?![0-9A-Fa-f])/g;
const MAX_DECODE_DEPTH = 2;

/** HTML comment spans (an unclosed one runs to the end); indexOf only moves forward, so linear. */
function htmlComments(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let at = text.indexOf('<!--');
  while (at !== -1) {
    const close = text.indexOf('-->', at + 4);
    const end = close === -1 ? text.length : close + 3;
    spans.push({ start: at, end });
    at = close === -1 ? -1 : text.indexOf('<!--', end);
  }
  return spans;
}

function decodeBase64(run: string): string | undefined {
  try {
    const binary = atob(run.length % 4 === 0 ? run : run + '='.repeat((4 - (run.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function decodeHex(run: string): string | undefined {
  const bytes = new Uint8Array(run.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(run.slice(i * 2, i * 2 + 2), 16);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Mostly printable text with spaces: a decoded payload worth reading as language. */
function looksLikeText(value: string): boolean {
  if (value.length < 8 || !value.includes(' ')) return false;
  let printable = 0;
  for (const ch of value) if (/[\p{L}\p{N}\p{P}\p{Zs}]/u.test(ch)) printable++;
  return printable / value.length > 0.9;
}

function matchFamilies(
  view: NormalizedText,
  viewText: string,
  which: 'folded' | 'plain' | 'glued',
  boost: number,
  into: InjectionSignal[],
): void {
  for (const fam of which === 'glued' ? GLUED_FAMILIES : PHRASE_FAMILIES) {
    if (fam.view !== which) continue;
    fam.re.lastIndex = 0;
    for (const m of viewText.matchAll(fam.re)) {
      if (m[0].length === 0) continue;
      const last = m.index + m[0].length - 1;
      into.push({
        family: fam.id.replace(/-.*/, ''),
        weight: Math.min(0.97, fam.weight + boost),
        start: view.start[m.index] ?? 0,
        end: view.end[last] ?? 0,
      });
    }
  }
}

/** Collects every injection signal in `text` with offsets into `text`. */
export function injectionSignals(text: string, depth = 0): InjectionSignal[] {
  const signals: InjectionSignal[] = [];
  const { plain, folded, rot13 } = normalizeForInjection(text);
  matchFamilies(folded, folded.text, 'folded', 0, signals);
  matchFamilies(plain, plain.text, 'plain', 0, signals);
  // Letter-spaced words ("I G N O R E  a l l …") are read once more, closed up.
  const closedFolded = closeLetterSpacing(text, folded);
  if (closedFolded) {
    matchFamilies(closedFolded, closedFolded.text, 'folded', 0, signals);
    matchFamilies(closedFolded, closedFolded.text, 'glued', 0, signals);
  }
  const closedPlain = closeLetterSpacing(text, plain);
  if (closedPlain) matchFamilies(closedPlain, closedPlain.text, 'plain', 0, signals);
  const before = signals.length;
  matchFamilies(rot13, rot13.text, 'folded', 0.05, signals);
  for (let i = before; i < signals.length; i++) {
    const s = signals[i];
    if (s) s.family = `${s.family}-rot13`;
  }
  const lower = text.toLowerCase();
  for (const marker of STRUCTURAL_MARKERS) {
    const at = lower.indexOf(marker);
    if (at !== -1) signals.push({ family: 'structural', weight: 0.6, start: at, end: at + marker.length });
  }
  if (plain.smuggled) signals.push({ family: 'smuggled', weight: 0.5, start: 0, end: text.length });
  // Matches hidden in HTML comments are aimed at a model, not at a human reader.
  for (const c of htmlComments(text))
    for (const s of signals)
      if (s.start >= c.start && s.end <= c.end) s.weight = Math.min(0.97, s.weight + 0.15);
  if (depth < MAX_DECODE_DEPTH) {
    const payloads: { start: number; end: number; decoded: string | undefined }[] = [];
    for (const m of text.matchAll(BASE64_RUN))
      payloads.push({ start: m.index, end: m.index + m[0].length, decoded: decodeBase64(m[0]) });
    for (const m of text.matchAll(HEX_RUN))
      payloads.push({ start: m.index, end: m.index + m[0].length, decoded: decodeHex(m[0]) });
    for (const p of payloads) {
      if (p.decoded === undefined || !looksLikeText(p.decoded)) continue;
      for (const s of injectionSignals(p.decoded, depth + 1))
        signals.push({
          family: `${s.family}-encoded`,
          weight: Math.min(0.97, s.weight + 0.1),
          start: p.start,
          end: p.end,
        });
    }
  }
  return signals;
}

/** Noisy-OR of the strongest signal per family: independent evidence adds up, repeats do not. */
export function combineSignals(signals: readonly InjectionSignal[]): number {
  const best = new Map<string, number>();
  for (const s of signals) {
    const base = s.family.replace(/-(?:rot13|encoded)$/, '');
    best.set(base, Math.max(best.get(base) ?? 0, s.weight));
  }
  let miss = 1;
  for (const w of best.values()) miss *= 1 - w;
  return Math.round((1 - miss) * 1000) / 1000;
}

/** Builds a `builtin/injection` detector; option `threshold` (default 0.5). */
export const createInjectionDetector: DetectorFactory = (name: string, config: DetectorConfig): Detector => {
  checkOptions(name, config, ['decode']);
  const threshold = readThreshold(name, config, 0.5);
  const risk = readRisk(name, config);
  if (config.decode !== undefined && typeof config.decode !== 'boolean')
    throw new DetectError(
      'detect/bad-config',
      `detector "${name}": decode must be true or false`,
      `detectors.${name}.decode`,
    );
  const depth = config.decode === false ? MAX_DECODE_DEPTH : 0;
  return {
    id: 'builtin/injection',
    version: INJECTION_VERSION,
    scan(text: string): Finding[] {
      if (typeof text !== 'string' || text.length === 0) return [];
      const signals = injectionSignals(text, depth);
      if (signals.length === 0) return [];
      const score = combineSignals(signals);
      if (score < threshold) return [];
      let start = text.length;
      let end = 0;
      for (const s of signals) {
        start = Math.min(start, s.start);
        end = Math.max(end, s.end);
      }
      const f: Finding = { detector: name, type: INJECTION_TYPE, start, end: Math.max(end, start), score };
      if (risk !== undefined) f.risk = risk;
      return [f];
    },
  };
};
