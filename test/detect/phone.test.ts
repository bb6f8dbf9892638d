import fc from 'fast-check';
import type { CountryCode } from 'libphonenumber-js/max';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { isValidParsed, isValidPhone } from '../../src/detect/phone.js';

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
});
