import { describe, expect, it } from 'vitest';
import { createPiiDetector, isDetectError, PII_ENTITIES } from '../../src/detect/index.js';

const pii = createPiiDetector('pii', { use: 'builtin/pii' });
const found = (text: string): [string, string][] =>
  pii.scan(text).map((f) => [f.type, text.slice(f.start, f.end)]);

describe('builtin/pii finds validated entities', () => {
  it.each([
    ['write to jane.doe+tag@mail.example.co.uk today', 'EMAIL', 'jane.doe+tag@mail.example.co.uk'],
    ['call +1 415-555-2671 now', 'PHONE', '+1 415-555-2671'],
    ['phone: (212) 555-0134', 'PHONE', '(212) 555-0134'],
    ['UK office +44 20 7946 0958', 'PHONE', '+44 20 7946 0958'],
    ['Visa 4111 1111 1111 1111 exp', 'CREDIT_CARD', '4111 1111 1111 1111'],
    ['amex 3782-822463-10005', 'CREDIT_CARD', '3782-822463-10005'],
    ['mc 5555555555554444.', 'CREDIT_CARD', '5555555555554444'],
    ['IBAN DE89 3704 0044 0532 0130 00 ok', 'IBAN', 'DE89 3704 0044 0532 0130 00'],
    ['pay GB82WEST12345698765432', 'IBAN', 'GB82WEST12345698765432'],
    ['SSN: 536-90-4399', 'US_SSN', '536-90-4399'],
    ['server 192.168.10.1 down', 'IP_ADDRESS', '192.168.10.1'],
    ['v6 2001:db8:85a3::8a2e:370:7334 up', 'IP_ADDRESS', '2001:db8:85a3::8a2e:370:7334'],
    ['see https://example.com/path?q=1.', 'URL', 'https://example.com/path?q=1'],
    ['typed as Http://Example.com/a at the start of a sentence', 'URL', 'Http://Example.com/a'],
    ['SHOUTED: WWW.EXAMPLE.COM/OFFERS!', 'URL', 'WWW.EXAMPLE.COM/OFFERS'],
    ['routing number 021000021', 'US_BANK_ROUTING', '021000021'],
    ['NI number JG 10 37 65 A', 'UK_NINO', 'JG 10 37 65 A'],
    ['date of birth: 14/02/1987', 'DATE_OF_BIRTH', '14/02/1987'],
    ['she was born March 3, 1990 in Ohio', 'DATE_OF_BIRTH', 'March 3, 1990'],
    ['passport number 912803456', 'PASSPORT', '912803456'],
  ])('%s', (text, type, value) => {
    expect(found(text)).toContainEqual([type, value]);
  });
});

describe('builtin/pii rejects hard negatives', () => {
  it.each([
    ['Luhn-failing card', 'card 4111 1111 1111 1112'],
    ['all-zero card', '0000 0000 0000 0000'],
    ['bad IBAN checksum', 'IBAN DE88 3704 0044 0532 0130 00'],
    ['IBAN of the wrong length', 'GB82WEST1234569876543'],
    ['SSN area 000', 'SSN 000-12-3456'],
    ['SSN area 666', 'SSN 666-12-3456'],
    ['SSN area 9xx', 'SSN 912-12-3456'],
    ['SSN group 00', 'SSN 123-00-4567'],
    ['SSN serial 0000', 'SSN 123-45-0000'],
    ['published example SSN', 'SSN 078-05-1120'],
    ['IPv4 octet > 255', 'host 256.1.1.1'],
    ['version string', 'upgrade to version 1.2.3.4 today'],
    ['clock time', 'meet at 12:30:45'],
    ['a date without birth context', 'the invoice date is 14/02/2021'],
    ['an ISO date is not a phone number', 'shipped 2023-01-15'],
    ['routing checksum fails', 'routing 021000022'],
    ['NINO with invalid prefix', 'NI number BG 12 34 56 C'],
    ['NINO HMRC example prefix QQ', 'NI number QQ 12 34 56 C'],
    ['short order number', 'order 1234567'],
  ])('%s', (_label, text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('builtin/pii configuration', () => {
  it('reports only configured entities', () => {
    const emailOnly = createPiiDetector('p', { use: 'builtin/pii', entities: ['EMAIL'] });
    expect(emailOnly.scan('a@example.com 4111111111111111').map((f) => f.type)).toEqual(['EMAIL']);
  });

  it('raises scores with context words', () => {
    const bare = pii.scan('id 536-90-4399')[0]?.score ?? 0;
    const context = pii.scan('ssn 536-90-4399')[0]?.score ?? 0;
    expect(context).toBeGreaterThan(bare);
  });

  it('drops findings under the threshold', () => {
    const strict = createPiiDetector('p', { use: 'builtin/pii', threshold: 0.99 });
    expect(strict.scan('server 192.168.10.1').length).toBe(0);
    expect(strict.scan('a@example.com').length).toBe(1);
  });

  it('assigns the configured risk class', () => {
    const risky = createPiiDetector('p', { use: 'builtin/pii', risk: 'high' });
    expect(risky.scan('a@example.com')[0]?.risk).toBe('high');
  });

  it.each([
    [{ use: 'builtin/pii', entities: ['EMAIL', 'SHOE_SIZE'] }, 'detect/unknown-entity', 'entities[1]'],
    [{ use: 'builtin/pii', entities: 'EMAIL' }, 'detect/bad-config', 'entities'],
    [{ use: 'builtin/pii', threshold: 2 }, 'detect/bad-config', 'threshold'],
    [{ use: 'builtin/pii', treshold: 0.5 }, 'detect/unknown-option', 'treshold'],
    [{ use: 'builtin/pii', phoneRegions: ['usa'] }, 'detect/bad-config', 'phoneRegions[0]'],
  ])('rejects bad config %j', (config, code, where) => {
    try {
      createPiiDetector('pii', config);
      expect.unreachable();
    } catch (error) {
      expect(isDetectError(error)).toBe(true);
      if (isDetectError(error)) {
        expect(error.code).toBe(code);
        expect(error.location).toBe(`detectors.pii.${where}`);
      }
    }
  });

  it('lists every entity it supports', () => {
    expect(PII_ENTITIES).toContain('US_BANK_ROUTING');
  });
});
