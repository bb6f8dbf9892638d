/**
 * `builtin/pii`: structured personal data. Every pattern is linear-time by construction: it starts
 * with a negative lookbehind on its own leading class (so a run of N candidate characters is tried
 * from one position only) and every quantifier is bounded or unambiguous. Candidates are then
 * validated (Luhn, mod-97, SSA rules, ABA checksum, libphonenumber) and scored with context words.
 */

import type { CountryCode } from 'libphonenumber-js/max';
import type { Detector, DetectorConfig, DetectorFactory } from '../policy/detector-contract.js';
import type { Finding } from '../policy/types.js';
import { buildAsciiKeywordSet } from './ascii-keyword-set.js';
import { checkOptions, readRisk, readStringList, readThreshold } from './config-check.js';
import { hasContext } from './context-words.js';
import { DetectError } from './errors.js';
import { isValidPhone } from './phone.js';
import {
  abaRoutingValid,
  cardIssuerValid,
  ibanValid,
  ipv4Valid,
  ipv6Valid,
  luhnValid,
  ninoValid,
  ssnValid,
} from './validators.js';

/** Entity types `builtin/pii` can report. */
export const PII_ENTITIES = [
  'EMAIL',
  'PHONE',
  'CREDIT_CARD',
  'IBAN',
  'US_SSN',
  'IP_ADDRESS',
  'URL',
  'US_BANK_ROUTING',
  'UK_NINO',
  'DATE_OF_BIRTH',
  'PASSPORT',
] as const;
/** One `builtin/pii` entity type. */
export type PiiEntity = (typeof PII_ENTITIES)[number];

const PII_VERSION = '1.0.0';

/** Anchored at a local part's first character; `scanEmail` finds that start from each `@`. */
const EMAIL_STICKY =
  /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/y;
/** `[A-Za-z0-9._%+-]` by code unit (a one-character string and a regex test per step cost ~1 ms per MB). */
const isLocalChar = (c: number): boolean =>
  (c >= 97 && c <= 122) ||
  (c >= 65 && c <= 90) ||
  (c >= 48 && c <= 57) ||
  c === 46 ||
  c === 95 ||
  c === 37 ||
  c === 43 ||
  c === 45;
const URL_RE = /(?<![\w@/.])(?:https?:\/\/|www\.)[^\s<>"'`{}|\\^]{2,2048}/gi;
const CARD_RE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
const SSN_RE = /(?<![\d-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\d-])/g;
const ROUTING_RE = /(?<![\d-])\d{9}(?![\d-])/g;
const IBAN_RE = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g;
const IPV4_RE = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)/g;
const IPV6_RE =
  /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?![\w:])/g;
const NINO_RE = /(?<![A-Za-z0-9])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/g;
const PHONE_RE = /(?<![\w+.\-/])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d[\d .-]{5,16}\d(?![\w/]|[.-]\d)/g;
const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
const DATE_RE = new RegExp(
  `(?<![\\w/.-])(?:\\d{1,2}[/.-]\\d{1,2}[/.-](?:19|20)\\d{2}|(?:19|20)\\d{2}[/.-]\\d{1,2}[/.-]\\d{1,2}|\\d{1,2}(?:st|nd|rd|th)? (?:${MONTHS})[a-z]{0,6}\\.?,? (?:19|20)\\d{2}|(?:${MONTHS})[a-z]{0,6}\\.? \\d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\\d{2})(?![\\w/])`,
  'gi',
);
const PASSPORT_RE = /(?<![A-Za-z0-9])[A-Z]{0,2}\d{6,9}(?![A-Za-z0-9])/g;
const sticky = (re: RegExp): RegExp => new RegExp(re.source, re.flags.replace('g', '') + 'y');
/**
 * Sticky copies of the digit-anchored patterns, tried only where a match can begin (see `DigitRuns`):
 * a dozen whole-text scans of mostly prose, at ~1 ms per MB each, were most of the PII detector's time.
 */
const CARD_Y = sticky(CARD_RE);
const SSN_Y = sticky(SSN_RE);
const ROUTING_Y = sticky(ROUTING_RE);
const IBAN_Y = sticky(IBAN_RE);
const IPV4_Y = sticky(IPV4_RE);
const NINO_Y = sticky(NINO_RE);
const PHONE_Y = sticky(PHONE_RE);
const IPV6_Y = sticky(IPV6_RE);
const URL_Y = sticky(URL_RE);
const WWW = /www\./gi;
const DIGIT_RUN = /\d+/g;

const SSN_CONTEXT = ['ssn', 'social security', 'social sec', 'ss#', 'ss #', 'taxpayer', 'tin'];
const ROUTING_CONTEXT = ['routing', 'aba', 'rtn', 'transit', 'bank'];
const DOB_CONTEXT = [
  'born',
  'dob',
  'd.o.b',
  'date of birth',
  'birth date',
  'birthdate',
  'birthday',
  'geburtsdatum',
  'date de naissance',
  'fecha de nacimiento',
  'data di nascita',
];
const PASSPORT_CONTEXT = ['passport', 'reisepass', 'passeport', 'pasaporte', 'passaporto'];
const PHONE_CONTEXT = [
  'phone',
  'call',
  'tel',
  'mobile',
  'cell',
  'fax',
  'contact',
  'reach',
  'text me',
  'whatsapp',
  'dial',
  'number',
];
const NINO_CONTEXT = ['national insurance', 'nino', 'ni number', 'ni no'];
const CARD_CONTEXT = ['card', 'visa', 'mastercard', 'amex', 'credit', 'debit', 'cc'];

interface Options {
  entities: ReadonlySet<PiiEntity>;
  phoneRegions: CountryCode[];
}

type Emit = (type: PiiEntity, start: number, end: number, score: number) => void;

/**
 * Every maximal run of ASCII digits, found once per text. Each digit-anchored pattern can only begin
 * at a run start (card, SSN, routing, IPv4: a digit not after a digit), one character before it
 * (phone: `+` or `(`), or two or three before it (IBAN, NINO: two capitals, an optional space).
 * Per pattern, the starts are also narrowed to the runs whose length and neighbours the pattern
 * can accept at all (necessary conditions read off the regexes, so each list still holds every
 * start where its pattern can match). The bench text has ~4,400 digit runs per MB, and a sticky
 * exec per run and pattern (seven) was most of the PII scan's own time in a profile; with the
 * narrowing (and the URL change below) the PII detector went from 68.9 to 86.8 MB per CPU-second
 * (median of 9 interleaved rounds on the bench text, load ~6-7).
 */
interface DigitRuns {
  starts: number[];
  ends: number[];
  /** 13+ digits, or a digit after a space or hyphen; not after a hyphen. */
  card: number[];
  /** 3 digits then a hyphen or space, or 9 digits; not after a hyphen. */
  ssn: number[];
  /** Exactly 9 digits, not between hyphens. */
  routing: number[];
  /** 1–3 digits then a dot. */
  ipv4: number[];
  /** `+` or `(` before a run; a run of 7+ digits or followed by a space, dot or hyphen. */
  phone: number[];
  /** Two capitals right before the run, or two capitals and a space (IBAN, NINO). */
  capitals: number[];
}

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isCapitalCode = (c: number): boolean => c >= 65 && c <= 90;

function digitRuns(text: string): DigitRuns {
  const runs: DigitRuns = {
    starts: [],
    ends: [],
    card: [],
    ssn: [],
    routing: [],
    ipv4: [],
    phone: [],
    capitals: [],
  };
  DIGIT_RUN.lastIndex = 0;
  // `test` rather than `exec`: no match object per run; the run's start is found by walking back.
  while (DIGIT_RUN.test(text)) {
    const e = DIGIT_RUN.lastIndex;
    let s = e - 1;
    while (s > 0 && isDigitCode(text.charCodeAt(s - 1))) s--;
    runs.starts.push(s);
    runs.ends.push(e);
    const len = e - s;
    const before = text.charCodeAt(s - 1);
    const after = text.charCodeAt(e);
    const spaced = after === 32 || after === 45; // ' ' or '-'
    if (before !== 45) {
      if (len >= 13 || (spaced && isDigitCode(text.charCodeAt(e + 1)))) runs.card.push(s);
      if ((len === 3 && spaced) || len === 9) runs.ssn.push(s);
      if (len === 9 && after !== 45) runs.routing.push(s);
    }
    if (len <= 3 && after === 46) runs.ipv4.push(s);
    if (before === 43 || before === 40) runs.phone.push(s - 1);
    if (len >= 7 || spaced || after === 46) runs.phone.push(s);
    if (
      s >= 3 &&
      before === 32 &&
      isCapitalCode(text.charCodeAt(s - 3)) &&
      isCapitalCode(text.charCodeAt(s - 2))
    )
      runs.capitals.push(s - 3);
    if (s >= 2 && isCapitalCode(before) && isCapitalCode(text.charCodeAt(s - 2))) runs.capitals.push(s - 2);
  }
  return runs;
}

/**
 * The matches a global scan with `re`'s pattern reports (leftmost first, non-overlapping), given that
 * no match can begin outside `starts` (ascending): `re` is sticky and tried at those offsets only.
 */
function matchesAt(re: RegExp, text: string, starts: readonly number[]): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  let floor = 0;
  for (const s of starts) {
    if (s < floor) continue;
    re.lastIndex = s;
    const m = re.exec(text);
    if (m !== null) {
      out.push(m);
      floor = s + m[0].length;
    }
  }
  return out;
}

/**
 * For tests: each digit- or colon-anchored pattern's global form beside what the candidate scan reports with
 * it (`[offset, match]` pairs), so the two can be compared on arbitrary text.
 */
export function anchoredReadings(text: string): Record<string, { global: string[]; anchored: string[] }> {
  const runs = digitRuns(text);
  const read = (m: RegExpExecArray): string => `${m.index}:${m[0]}`;
  const pairs: [RegExp, RegExp, number[]][] = [
    [CARD_RE, CARD_Y, runs.card],
    [SSN_RE, SSN_Y, runs.ssn],
    [ROUTING_RE, ROUTING_Y, runs.routing],
    [IPV4_RE, IPV4_Y, runs.ipv4],
    [PHONE_RE, PHONE_Y, runs.phone],
    [IBAN_RE, IBAN_Y, runs.capitals],
    [NINO_RE, NINO_Y, runs.capitals],
    [IPV6_RE, IPV6_Y, colonStarts(text)],
    [URL_RE, URL_Y, urlStarts(text)],
  ];
  const out: Record<string, { global: string[]; anchored: string[] }> = {};
  for (const [global, anchored, starts] of pairs)
    out[global.source] = {
      global: [...text.matchAll(global)].map(read),
      anchored: matchesAt(anchored, text, starts).map(read),
    };
  return out;
}

/**
 * Where an IPv6 match can begin: its first colon follows at most four hex digits, so it starts in the
 * four characters before a colon or at the colon (the regex, tried at every hex-letter word start of
 * prose, was the costliest PII scan left once texts with URLs passed the seven-colon gate).
 */
function colonStarts(text: string): number[] {
  const out: number[] = [];
  let next = 0;
  for (let p = text.indexOf(':'); p !== -1; p = text.indexOf(':', p + 1)) {
    for (let s = Math.max(next, p - 4); s <= p; s++) out.push(s);
    next = p + 1;
  }
  return out;
}

/**
 * Email addresses, found from each `@` (a regex scan of every position cost 25 ms/MB; this is ~1):
 * walk left over local-part characters (at most 64), then match forward once from there.
 */
function scanEmail(text: string, emit: Emit): void {
  let at = text.indexOf('@');
  let floor = 0;
  while (at !== -1) {
    let start = at;
    while (start > floor && at - start < 64 && isLocalChar(text.charCodeAt(start - 1))) start--;
    const glued = start > 0 && isLocalChar(text.charCodeAt(start - 1));
    let next = text.indexOf('@', at + 1);
    if (start < at && !glued) {
      EMAIL_STICKY.lastIndex = start;
      const m = EMAIL_STICKY.exec(text);
      if (m) {
        const local = m[0].slice(0, m[0].indexOf('@'));
        if (!(local.startsWith('.') || local.endsWith('.') || local.includes('..'))) {
          emit('EMAIL', start, start + m[0].length, 1);
          floor = start + m[0].length;
          if (next !== -1 && next < floor) next = text.indexOf('@', floor);
        }
      }
    }
    at = next;
  }
}

/**
 * Where a URL match can begin: `http://` or `https://` ending at a `://` (a rare character, so the
 * search is cheap), or `www.`, any case. Ascending.
 */
function urlStarts(text: string): number[] {
  const out: number[] = [];
  for (let q = text.indexOf('://'); q !== -1; q = text.indexOf('://', q + 3)) {
    if (q >= 5 && text.slice(q - 5, q).toLowerCase() === 'https') out.push(q - 5);
    else if (q >= 4 && text.slice(q - 4, q).toLowerCase() === 'http') out.push(q - 4);
  }
  WWW.lastIndex = 0;
  let www = false;
  while (WWW.test(text)) {
    out.push(WWW.lastIndex - 4);
    www = true;
  }
  if (www) out.sort((a, b) => a - b);
  return out;
}

/**
 * URLs, tried only at `urlStarts` (the three whole-text searches of the old gate and the regex scan
 * cost ~0.9 ms per MB of the bench text; the `://` search and the `www.` regex ~0.3). The starts
 * are found in any case, as the regex matches: `Http://` and `WWW.` are URLs too.
 */
function scanUrl(text: string, emit: Emit): void {
  const matches = matchesAt(URL_Y, text, urlStarts(text));
  for (const m of matches) {
    let value = m[0];
    // Trailing sentence punctuation is not part of the URL; closing brackets only when unbalanced.
    while (value.length > 0 && /[.,;:!?'")\]}]$/.test(value)) {
      const last = value[value.length - 1];
      if (last === ')' && value.split('(').length > value.split(')').length - 1) break;
      value = value.slice(0, -1);
    }
    if (value.length < 8) continue;
    emit('URL', m.index, m.index + value.length, 0.6);
  }
}

function scanCard(text: string, emit: Emit, runs: DigitRuns): void {
  for (const m of matchesAt(CARD_Y, text, runs.card)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) continue;
    if (!luhnValid(digits) || !cardIssuerValid(digits)) continue;
    const seps = m[0].match(/[ -]/g);
    // Separators must group digits the way cards are printed (4-4-4-4, 4-6-5, …), not at random.
    if (seps && !/^\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?$|^\d{4}[ -]\d{6}[ -]\d{4,5}$/.test(m[0])) continue;
    const end = m.index + m[0].length;
    emit('CREDIT_CARD', m.index, end, hasContext(text, m.index, end, CARD_CONTEXT) ? 1 : 0.95);
  }
}

function scanSsn(text: string, emit: Emit, runs: DigitRuns): void {
  for (const m of matchesAt(SSN_Y, text, runs.ssn)) {
    const [, area = '', sep = '', group = '', serial = ''] = m;
    if (!ssnValid(area, group, serial)) continue;
    const end = m.index + m[0].length;
    const context = hasContext(text, m.index, end, SSN_CONTEXT);
    const score =
      sep === '-' ? (context ? 1 : 0.85) : sep === ' ' ? (context ? 0.9 : 0.6) : context ? 0.85 : 0.3;
    emit('US_SSN', m.index, end, score);
  }
}

function scanRouting(text: string, emit: Emit, runs: DigitRuns): void {
  for (const m of matchesAt(ROUTING_Y, text, runs.routing)) {
    if (!abaRoutingValid(m[0])) continue;
    const end = m.index + m[0].length;
    emit('US_BANK_ROUTING', m.index, end, hasContext(text, m.index, end, ROUTING_CONTEXT) ? 0.95 : 0.3);
  }
}

function scanIban(text: string, emit: Emit, capitals: readonly number[]): void {
  for (const m of matchesAt(IBAN_Y, text, capitals)) {
    const compact = m[0].replace(/ /g, '');
    if (ibanValid(compact)) emit('IBAN', m.index, m.index + m[0].length, 1);
  }
}

function scanIp(text: string, emit: Emit, runs: DigitRuns): void {
  if (text.includes('.'))
    for (const m of matchesAt(IPV4_Y, text, runs.ipv4)) {
      if (!ipv4Valid(m[0])) continue;
      const end = m.index + m[0].length;
      // "version 1.2.3.4" is a version string, not an address.
      const before = text.slice(Math.max(0, m.index - 12), m.index);
      if (!/(?:\b(?:version|ver|release|build|v)[ .:]*|[vV])$/i.test(before))
        emit('IP_ADDRESS', m.index, end, 0.9);
    }
  // Tried only next to colons (see colonStarts), so prose without colons costs one indexOf.
  if (text.includes(':'))
    for (const m of matchesAt(IPV6_Y, text, colonStarts(text))) {
      const value = m[0];
      if (value.length < 3 || !/[0-9A-Fa-f]/.test(value) || !ipv6Valid(value)) continue;
      // Clock times like 12:30:45 and MAC-like short forms are not addresses.
      if (!value.includes('::') && value.split(':').length < 8) continue;
      emit('IP_ADDRESS', m.index, m.index + value.length, 0.9);
    }
}

function scanNino(text: string, emit: Emit, capitals: readonly number[]): void {
  for (const m of matchesAt(NINO_Y, text, capitals)) {
    if (!ninoValid(m[0].replace(/ /g, ''))) continue;
    const end = m.index + m[0].length;
    emit('UK_NINO', m.index, end, hasContext(text, m.index, end, NINO_CONTEXT) ? 1 : 0.85);
  }
}

const DOB_HINTS = ['born', 'dob', 'd.o.b', 'birth', 'geburtsdatum', 'naissance', 'nacimiento', 'nascita'];
const PASSPORT_HINTS = ['passport', 'reisepass', 'passeport', 'pasaporte', 'passaporto'];
/**
 * Both hint lists in one automaton pass: two case-insensitive regex alternations over the whole
 * text, failing on almost every message, cost ~4 ms per MB of prose.
 */
const HINTS = buildAsciiKeywordSet([...DOB_HINTS, ...PASSPORT_HINTS]);
/**
 * Where a hint word can stand for a date of birth or passport number to be reported: its context word
 * lies within 40 (28) characters before the match, whose 4-digit year (6–9 digit number) begins at most
 * 17 (2) characters into it; so only the 60 characters before each run of 4+ digits are read.
 */
const HINT_REACH = 60;

function hintsNearRuns(text: string, runs: DigitRuns): Set<string> {
  const ranges: number[] = [];
  for (let k = 0; k < runs.starts.length; k++) {
    const d = runs.starts[k] as number;
    if ((runs.ends[k] as number) - d < 4) continue;
    const from = Math.max(0, d - HINT_REACH);
    if (ranges.length > 0 && from <= (ranges[ranges.length - 1] as number)) ranges[ranges.length - 1] = d;
    else ranges.push(from, d);
  }
  return ranges.length === 0 ? new Set() : HINTS.findIn(text, ranges);
}

function scanDateOfBirth(text: string, emit: Emit, hints: ReadonlySet<string>): void {
  if (!DOB_HINTS.some((h) => hints.has(h))) return;
  for (const m of text.matchAll(DATE_RE)) {
    const end = m.index + m[0].length;
    if (hasContext(text, m.index, end, DOB_CONTEXT, 40)) emit('DATE_OF_BIRTH', m.index, end, 0.85);
  }
}

function scanPassport(text: string, emit: Emit, hints: ReadonlySet<string>): void {
  if (!PASSPORT_HINTS.some((h) => hints.has(h))) return;
  for (const m of text.matchAll(PASSPORT_RE)) {
    const end = m.index + m[0].length;
    if (hasContext(text, m.index, end, PASSPORT_CONTEXT, 28)) emit('PASSPORT', m.index, end, 0.85);
  }
}

function scanPhone(
  text: string,
  emit: Emit,
  regions: CountryCode[],
  threshold: number,
  taken: readonly { start: number; end: number }[],
  runs: DigitRuns,
): void {
  for (const m of matchesAt(PHONE_Y, text, runs.phone)) {
    const raw = m[0];
    const end = m.index + raw.length;
    // Digits already read as a card, SSN, address or IBAN are not also a phone number.
    if (taken.some((t) => t.start < end && m.index < t.end)) continue;
    const digits = raw.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15) continue;
    // Printed numbers group digits in twos to fours; "1 2 3 4 5 6 7" is a list, not a phone number.
    if (raw.split(/\D+/).filter((g) => g.length === 1).length > 1) continue;
    // Dates (2024-01-31, 31.01.2024) and dotted version numbers are not phone numbers.
    if (/^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$/.test(raw)) continue;
    const international = raw.startsWith('+');
    const formatted = /[ ().-]/.test(raw);
    // An international number's score does not depend on context words, so they are not looked up.
    const score = international
      ? 0.95
      : hasContext(text, m.index, end, PHONE_CONTEXT, 32)
        ? 0.9
        : formatted
          ? 0.7
          : 0.4;
    // Validation is the expensive part (libphonenumber); skip it when the score could not pass anyway.
    if (score < threshold) continue;
    if (isValidPhone(raw, regions)) emit('PHONE', m.index, end, score);
  }
}

/** Types whose match wins over an overlapping PHONE or routing candidate of the same digits. */
const STRONG = new Set([
  'CREDIT_CARD',
  'IBAN',
  'US_SSN',
  'IP_ADDRESS',
  'DATE_OF_BIRTH',
  'UK_NINO',
  'PASSPORT',
]);

/** Scans `text` for the configured entities; never throws. */
function scanPii(text: string, name: string, options: Options, threshold: number, risk?: string): Finding[] {
  const found: Finding[] = [];
  const want = options.entities;
  const emit: Emit = (type, start, end, score) => {
    if (!want.has(type)) return;
    const f: Finding = { detector: name, type, start, end, score };
    if (risk !== undefined) f.risk = risk;
    found.push(f);
  };
  if (want.has('EMAIL')) scanEmail(text, emit);
  if (want.has('URL')) scanUrl(text, emit);
  const runs = digitRuns(text);
  if (runs.starts.length === 0) return found.filter((f) => f.score >= threshold);
  if (want.has('CREDIT_CARD')) scanCard(text, emit, runs);
  if (want.has('US_SSN')) scanSsn(text, emit, runs);
  if (want.has('US_BANK_ROUTING')) scanRouting(text, emit, runs);
  if (want.has('IBAN') || want.has('UK_NINO')) {
    if (want.has('IBAN')) scanIban(text, emit, runs.capitals);
    if (want.has('IP_ADDRESS')) scanIp(text, emit, runs);
    if (want.has('UK_NINO')) scanNino(text, emit, runs.capitals);
  } else if (want.has('IP_ADDRESS')) scanIp(text, emit, runs);
  if (want.has('DATE_OF_BIRTH') || want.has('PASSPORT')) {
    const hints = hintsNearRuns(text, runs);
    if (want.has('DATE_OF_BIRTH')) scanDateOfBirth(text, emit, hints);
    if (want.has('PASSPORT')) scanPassport(text, emit, hints);
  }
  if (want.has('PHONE'))
    scanPhone(
      text,
      emit,
      options.phoneRegions,
      threshold,
      found.filter((f) => STRONG.has(f.type) && f.score >= threshold),
      runs,
    );
  const kept = found.filter((f) => f.score >= threshold);
  const strong = kept.filter((f) => STRONG.has(f.type));
  const overlapsStrong = (f: Finding): boolean => strong.some((s) => s.start < f.end && f.start < s.end);
  // One digit string is one entity: a validated card, SSN or address beats a phone or routing reading.
  const result = kept.filter(
    (f) =>
      !((f.type === 'PHONE' || f.type === 'US_BANK_ROUTING') && overlapsStrong(f)) &&
      !(
        f.type === 'US_SSN' &&
        f.score < 0.6 &&
        kept.some((o) => o.type === 'US_BANK_ROUTING' && o.start === f.start && o.score > f.score)
      ),
  );
  return result.sort((a, b) => a.start - b.start || a.end - b.end || a.type.localeCompare(b.type));
}

/** Builds a `builtin/pii` detector: options `entities` (subset of PII_ENTITIES) and `phoneRegions`. */
export const createPiiDetector: DetectorFactory = (name: string, config: DetectorConfig): Detector => {
  checkOptions(name, config, ['entities', 'phoneRegions']);
  const threshold = readThreshold(name, config, 0.5);
  const risk = readRisk(name, config);
  const listed = readStringList(name, config, 'entities') ?? [...PII_ENTITIES];
  listed.forEach((e, i) => {
    if (!(PII_ENTITIES as readonly string[]).includes(e))
      throw new DetectError(
        'detect/unknown-entity',
        `detector "${name}": unknown entity "${e}" (known: ${PII_ENTITIES.join(', ')})`,
        `detectors.${name}.entities[${i}]`,
      );
  });
  const regions = readStringList(name, config, 'phoneRegions') ?? ['US', 'GB'];
  regions.forEach((r, i) => {
    if (!/^[A-Z]{2}$/.test(r))
      throw new DetectError(
        'detect/bad-config',
        `detector "${name}": phoneRegions[${i}] "${r}" is not a two-letter region code`,
        `detectors.${name}.phoneRegions[${i}]`,
      );
  });
  const options: Options = {
    entities: new Set(listed as PiiEntity[]),
    phoneRegions: regions as CountryCode[],
  };
  return {
    id: 'builtin/pii',
    version: PII_VERSION,
    scan(text: string): Finding[] {
      if (typeof text !== 'string' || text.length === 0) return [];
      return scanPii(text, name, options, threshold, risk);
    },
  };
};
