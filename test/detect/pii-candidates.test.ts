import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchoredReadings } from '../../src/detect/pii.js';

/** Every digit-anchored pattern must read the same matches whether scanned globally or at candidates. */
function expectSame(text: string): void {
  for (const [source, { global, anchored }] of Object.entries(anchoredReadings(text)))
    expect({ source, matches: anchored }).toEqual({ source, matches: global });
}

describe('digit-run and URL candidates', () => {
  it.each([
    'card 4111 1111 1111 1111 and 4111-1111-1111-1111, ssn 123-45-6789',
    'call +1 (415) 555-0100 or (020) 7946 0018, +44 20 7946 0958',
    'IBAN GB82 WEST 1234 5698 7654 32, DE89370400440532013000, NINO AB 12 34 56 C, QQ123456C',
    'hosts 192.0.2.1, 10.0.0.255. version 1.2.3.4 and 1.2.3.4.5',
    'routing 021000021 and 0210000210; 12345678901234567890123',
    '+(12) 34, ++123 4567 890, ((12) 345-6789, A1 B22 CC333 DD 4444',
    'v6 2001:db8::1, fe80::1%eth0, ::ffff:192.0.2.1, 2001:0db8:0000:0000:0000:ff00:0042:8329 at 12:30:45',
    'see https://ex.com/a?b=1, HTTP://X.ORG, www.ex.com and Www.Ex.Com; xhttps://no, @www.no, wwww.no',
    'links:https://a.b/c(d) (http://e.f/g) "https://h.i/j." ftp://k.l http:/m https:// www.',
  ])('reads %j as the global scan does', (text) => {
    expectSame(text);
  });

  it('agrees with the global scan on digit-dense text', () => {
    const parts = fc.constantFrom(
      ...'0123456789'.split(''),
      '12',
      '123',
      '4111',
      ' ',
      '-',
      '.',
      '+',
      '(',
      ')',
      '/',
      ':',
      'A',
      'B',
      'GB',
      'DE',
      'Q',
      'C',
      'x',
      '_',
      '\n',
      'a',
      'F',
      'db8',
      'beef',
      'cafe0',
      '::',
      'http',
      'HTTPS',
      'hTTp',
      's',
      '://',
      'www.',
      'WwW.',
      'ex.com',
      '@',
      '"',
    );
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 80 }), (chunks) => {
        expectSame(chunks.join(''));
      }),
      { numRuns: 3000 },
    );
  });
});
