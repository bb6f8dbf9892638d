/**
 * Phone-number validation with libphonenumber-js (max metadata), answering exactly what
 * `parsePhoneNumberFromString(raw, region)?.isValid()` answers but with the validity step's
 * regular expressions compiled once: the library builds a `new RegExp` from a metadata pattern on
 * every type check, and validation was ~40% of the PII detector's time on the bench text.
 * Parsing (country calling code, national prefix, shared calling codes) stays the library's.
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
  metadata.selectNumberingPlan(number.country ?? number.countryCallingCode);
  const plan = metadata.numberingPlan;
  const nationalNumber = number.nationalNumber as string;
  if (!plan.hasTypes()) return matchesEntirely(nationalNumber, plan.nationalNumberPattern());
  if (!matchesEntirely(nationalNumber, plan.nationalNumberPattern())) return false;
  if (isType(nationalNumber, plan, 'FIXED_LINE')) return true;
  return NON_FIXED_LINE_TYPES.some((name) => isType(nationalNumber, plan, name));
}

/** True when `raw` is a valid number: international (`+…`) on its own, else for one of `regions`. */
export function isValidPhone(raw: string, regions: readonly CountryCode[]): boolean {
  if (raw.startsWith('+')) {
    const parsed = parsePhoneNumberFromString(raw);
    return parsed !== undefined && isValidParsed(parsed);
  }
  for (const region of regions) {
    const parsed = parsePhoneNumberFromString(raw, region);
    if (parsed !== undefined && isValidParsed(parsed)) return true;
  }
  return false;
}
