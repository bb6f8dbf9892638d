/**
 * Phone-number validation with libphonenumber-js (max metadata), answering exactly what
 * `parsePhoneNumberFromString(raw, region)?.isValid()` answers but with the validity step's
 * regular expressions compiled once: the library builds a `new RegExp` from a metadata pattern on
 * every type check, and validation was ~40% of the PII detector's time on the bench text.
 *
 * Parsing stays the library's except on one common, simple path (`parseSimple`): a candidate whose
 * calling code needs no IDD prefix or national-prefix stripping. There the library's steps reduce
 * to reading the calling code, the country (shared calling codes: leading digits or a number type,
 * in the metadata's order) and the national number, which is done here from the same metadata with
 * compiled patterns. Everything else (`+0…`, IDD prefixes, national prefixes such as the leading 0
 * of 020…, a national number starting with the region's calling code, non-geographic codes) still
 * goes through `parsePhoneNumberFromString`. The library's parse (argument normalisation, option
 * spreading, a metadata wrapper per step, uncompiled patterns for shared calling codes) was ~20% of
 * the PII+secrets profile on the bench text (~300 validated numbers per MB); with this path the PII
 * detector went from 1.21x to 1.73x its speed before this work (median of 9 interleaved rounds).
 */
import { Metadata } from 'libphonenumber-js/core';
import type { CountryCode, PhoneNumber } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import maxMetadata from 'libphonenumber-js/max/metadata';

/** The parts of the library's numbering-plan object that validation reads (not in its typings). */
interface NumberingPlanType {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface NumberingPlan {
  hasTypes(): boolean;
  nationalNumberPattern(): string;
  type(name: string): NumberingPlanType | undefined;
  callingCode(): string;
  IDDPrefix(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  leadingDigits(): string | undefined;
}

/** The types the library checks after FIXED_LINE, in its order. */
const NON_FIXED_LINE_TYPES = [
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

const metadata = new Metadata(maxMetadata) as unknown as {
  selectNumberingPlan(countryOrCallingCode: string): void;
  numberingPlan: NumberingPlan;
  hasCallingCode(callingCode: string): boolean;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
};
const compiled = new Map<string, RegExp>();

/** `pattern` matches all of `text` (the library's `matchesEntirely`, compiled once per pattern). */
function matchesEntirely(text: string, pattern: string): boolean {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, re);
  }
  return re.test(text);
}

function isType(nationalNumber: string, plan: NumberingPlan, name: string): boolean {
  const type = plan.type(name);
  if (!type?.pattern()) return false;
  const lengths = type.possibleLengths();
  if (lengths && lengths.indexOf(nationalNumber.length) < 0) return false;
  return matchesEntirely(nationalNumber, type.pattern());
}

/** The library's `isValidNumber(number, {v2: true})`: the national number fits a type of its plan. */
export function isValidParsed(number: PhoneNumber): boolean {
  return isValidNational(number.country ?? number.countryCallingCode, number.nationalNumber as string);
}

/** `isValidNumber` for a national number under a country's (or a calling code's main) plan. */
function isValidNational(countryOrCallingCode: string, nationalNumber: string): boolean {
  metadata.selectNumberingPlan(countryOrCallingCode);
  const plan = metadata.numberingPlan;
  if (!plan.hasTypes()) return matchesEntirely(nationalNumber, plan.nationalNumberPattern());
  return hasNumberType(nationalNumber, plan);
}

/** The library's `getNumberType(…) !== undefined` for the selected plan. */
function hasNumberType(nationalNumber: string, plan: NumberingPlan): boolean {
  if (!matchesEntirely(nationalNumber, plan.nationalNumberPattern())) return false;
  if (!plan.hasTypes()) return false;
  if (isType(nationalNumber, plan, 'FIXED_LINE')) return true;
  return NON_FIXED_LINE_TYPES.some((name) => isType(nationalNumber, plan, name));
}

/** What `parseSimple` reads of a plan (a country's, or a calling code's main country's), compiled once. */
interface PlanFacts {
  callingCode: string;
  /** `^(?:IDD prefix)`: a national input matching it is international to the library. */
  idd: RegExp | undefined;
  /** `^(?:national prefix for parsing)`: when it matches, the library may strip it. */
  nationalPrefix: RegExp | undefined;
  /** `^(?:leading digits)`: how a shared calling code's country claims a number. */
  leadingDigits: RegExp | undefined;
}
const facts = new Map<string, PlanFacts>();
const anchored = (pattern: string | undefined): RegExp | undefined =>
  pattern ? new RegExp(`^(?:${pattern})`) : undefined;

function factsOf(countryOrCallingCode: string): PlanFacts {
  let f = facts.get(countryOrCallingCode);
  if (f === undefined) {
    metadata.selectNumberingPlan(countryOrCallingCode);
    const plan = metadata.numberingPlan;
    f = {
      callingCode: plan.callingCode(),
      idd: anchored(plan.IDDPrefix()),
      nationalPrefix: anchored(plan.nationalPrefixForParsing()),
      leadingDigits: anchored(plan.leadingDigits()),
    };
    facts.set(countryOrCallingCode, f);
  }
  return f;
}

/** The library's `getCountryByCallingCode`: the only country, or the first that claims the number. */
function countryOf(countries: readonly string[], nationalNumber: string): string | undefined {
  if (countries.length === 1) return countries[0];
  for (const country of countries) {
    const leading = factsOf(country).leadingDigits;
    if (leading !== undefined) {
      if (leading.test(nationalNumber)) return country;
    } else {
      metadata.selectNumberingPlan(country);
      if (hasNumberType(nationalNumber, metadata.numberingPlan)) return country;
    }
  }
  return undefined;
}

const NSN_MIN = 2;
const NSN_MAX = 17;

/**
 * Validity of a candidate (`+`? then digits, spaces, dots, hyphens, brackets) on the simple path,
 * or `undefined` when the library must parse it. `region` for national input, none for `+…`.
 */
export function parseSimple(raw: string, region: CountryCode | undefined): boolean | undefined {
  const international = raw.charCodeAt(0) === 43;
  let digits = '';
  for (let i = international ? 1 : 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += raw[i];
    else if (c !== 32 && c !== 46 && c !== 45 && c !== 40 && c !== 41) return undefined;
  }
  let callingCode: string | undefined;
  let country: string | undefined;
  let nationalNumber: string;
  if (international) {
    if (digits.charCodeAt(0) === 48) return undefined;
    for (let n = 1; n <= 3 && n <= digits.length; n++)
      if (metadata.hasCallingCode(digits.slice(0, n))) {
        callingCode = digits.slice(0, n);
        break;
      }
    if (callingCode === undefined) return undefined;
    nationalNumber = digits.slice(callingCode.length);
    if (factsOf(callingCode).nationalPrefix?.test(nationalNumber)) return undefined;
  } else {
    if (region === undefined) return undefined;
    const plan = factsOf(region);
    if (plan.idd?.test(digits) || digits.startsWith(plan.callingCode) || plan.nationalPrefix?.test(digits))
      return undefined;
    callingCode = plan.callingCode;
    country = region;
    nationalNumber = digits;
  }
  // Non-geographic calling codes (+800, +882 …) have no country list: the library's path.
  const countries = metadata.getCountryCodesForCallingCode(callingCode);
  if (countries === undefined) return undefined;
  if (nationalNumber.length < NSN_MIN || nationalNumber.length > NSN_MAX) return undefined;
  country = countryOf(countries, nationalNumber) ?? country;
  return isValidNational(country ?? callingCode, nationalNumber);
}

/** True when `raw` is a valid number: international (`+…`) on its own, else for one of `regions`. */
export function isValidPhone(raw: string, regions: readonly CountryCode[]): boolean {
  if (raw.startsWith('+')) {
    const simple = parseSimple(raw, undefined);
    if (simple !== undefined) return simple;
    const parsed = parsePhoneNumberFromString(raw);
    return parsed !== undefined && isValidParsed(parsed);
  }
  for (const region of regions) {
    const simple = parseSimple(raw, region);
    if (simple === true) return true;
    if (simple === false) continue;
    const parsed = parsePhoneNumberFromString(raw, region);
    if (parsed !== undefined && isValidParsed(parsed)) return true;
  }
  return false;
}
