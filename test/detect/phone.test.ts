import fc from 'fast-check';
import examples from 'libphonenumber-js/examples.mobile.json';
import type { CountryCode } from 'libphonenumber-js/max';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { isValidParsed, isValidPhone, parseSimple } from '../../src/detect/phone.js';

const REGIONS: CountryCode[] = ['US', 'GB', 'DE', 'FR', 'IN', 'BR', 'AU', 'JP', 'CA', 'IM', 'JE', 'CH', 'SG'];

/** What the PII detector asked the library before: parse, then its own isValid(). */
const reference = (raw: string, regions: readonly CountryCode[]): boolean =>
  raw.startsWith('+')
    ? (parsePhoneNumberFromString(raw)?.isValid() ?? false)
    : regions.some((r) => parsePhoneNumberFromString(raw, r)?.isValid() ?? false);

describe('phone validation with compiled patterns', () => {
  it.each([
    ['+1 415 555 2671', true],
    ['(415) 555-2671', true],
    ['+44 20 7946 0958', true],
    ['020 7946 0958', true],
    ['+44 7624 369230', true],
    ['+49 30 12345678', true],
    ['+33 1 42 68 53 00', true],
    ['555-0100', false],
    ['4111 1111 1111', false],
    ['+1 111 111 1111', false],
  ])('%s is %s, as the library says', (raw, valid) => {
    expect(isValidPhone(raw, ['US', 'GB'])).toBe(valid);
    expect(reference(raw, ['US', 'GB'])).toBe(valid);
  });

  it('agrees with the library on random numbers, national and international, across regions', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 5, maxLength: 15 }),
        fc.constantFrom('', '+', '0', '+1', '+44', '+49 ', '(0'),
        fc.constantFrom(...REGIONS),
        (digits, prefix, region) => {
          const raw = prefix + digits;
          const parsed = raw.startsWith('+')
            ? parsePhoneNumberFromString(raw)
            : parsePhoneNumberFromString(raw, region);
          if (parsed) expect(isValidParsed(parsed)).toBe(parsed.isValid());
          expect(isValidPhone(raw, [region, 'US'])).toBe(reference(raw, [region, 'US']));
        },
      ),
      { numRuns: 4000 },
    );
  });

  it("reads each region's example number as the library does, nationally and with its calling code", () => {
    const listed = examples as Record<string, string>;
    const regions = getCountries().filter((r) => listed[r] !== undefined);
    expect(regions.length).toBeGreaterThan(200);
    for (const region of regions) {
      const national = listed[region] as string;
      const international = `+${getCountryCallingCode(region)} ${national}`;
      expect(isValidPhone(national, [region]), `${region} ${national}`).toBe(reference(national, [region]));
      expect(isValidPhone(international, []), international).toBe(reference(international, []));
      expect(isValidPhone(international, []), international).toBe(true);
    }
  });

  it('takes the simple path for the common shapes and leaves prefixes to the library', () => {
    expect(parseSimple('+1 415 555 2671', undefined)).toBe(true);
    expect(parseSimple('(415) 555-2671', 'US')).toBe(true);
    expect(parseSimple('+44 20 7946 0958', undefined)).toBe(true);
    expect(parseSimple('+49 30 12345678', undefined)).toBe(true);
    expect(parseSimple('+1 415 555 267', undefined)).toBe(false);
    // National prefix, IDD prefix, calling code without +, +0, non-geographic: the library decides.
    expect(parseSimple('020 7946 0958', 'GB')).toBeUndefined();
    expect(parseSimple('011 44 20 7946 0958', 'US')).toBeUndefined();
    expect(parseSimple('1 415 555 2671', 'US')).toBeUndefined();
    expect(parseSimple('+0 415 555 2671', undefined)).toBeUndefined();
    expect(parseSimple('+800 1234 5678', undefined)).toBeUndefined();
    expect(parseSimple('+44 (0) 20 7946 0958', undefined)).toBeUndefined();
  });

  it('agrees with the library on candidate-shaped strings in every region', () => {
    const regions = getCountries();
    const separated = fc
      .array(
        fc.tuple(
          fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 5 }),
          fc.constantFrom('', ' ', '-', '.', ') '),
        ),
        {
          minLength: 1,
          maxLength: 5,
        },
      )
      .map((groups) =>
        groups
          .map(([d, sep]) => d + sep)
          .join('')
          .replace(/[^0-9]+$/, ''),
      );
    fc.assert(
      fc.property(
        separated,
        fc.constantFrom(
          '',
          '',
          '+',
          '+1 ',
          '+44 ',
          '+7 ',
          '+39 ',
          '+0',
          '+800 ',
          '(',
          '0',
          '00',
          '011 ',
          '1 ',
          '44 ',
        ),
        fc.constantFrom(...regions),
        (body, prefix, region) => {
          const raw = prefix + body;
          if (!/\d/.test(raw)) return;
          expect(isValidPhone(raw, [region]), `${raw} ${region}`).toBe(reference(raw, [region]));
        },
      ),
      { numRuns: 20000 },
    );
  });

  it('agrees with the library on near-copies of the example numbers, national and international', () => {
    const listed = examples as Record<string, string>;
    const regions = getCountries().filter((r) => listed[r] !== undefined);
    fc.assert(
      fc.property(
        fc.constantFrom(...regions),
        fc.constantFrom(...regions),
        fc.nat(3),
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 3, maxLength: 3 }),
        fc.constantFrom('none', 'plus', 'spaced', 'prefixed'),
        (source, region, keep, tail, form) => {
          const example = listed[source] as string;
          const digits = example.slice(0, example.length - keep) + tail.slice(0, keep);
          const spaced = digits.replace(/(\d{3})(?=\d)/g, '$1 ');
          const raw =
            form === 'plus'
              ? `+${getCountryCallingCode(source)}${digits}`
              : form === 'spaced'
                ? `+${getCountryCallingCode(source)} ${spaced}`
                : form === 'prefixed'
                  ? `0${spaced}`
                  : digits;
          expect(isValidPhone(raw, [region]), `${raw} ${region}`).toBe(reference(raw, [region]));
        },
      ),
      { numRuns: 20000 },
    );
  });
});
