import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { genericMatches } from '../../src/detect/secrets.js';

/** The unanchored form genericMatches replaces (tried at every word start; same matches, slower). */
const UNANCHORED =
  /(?<![A-Za-z0-9])(?:[A-Za-z0-9]{1,20}[_.-])?(api[_.-]?key|apikey|secret|token|passw(?:or)?d|pwd|access[_.-]?key|auth[_.-]?key|credentials?|private[_.-]?key|client[_.-]?secret)(?:[_.-][A-Za-z0-9]{1,20})?["']?\s{0,4}(?::=|=>|[:=])\s{0,4}["']?([^\s"'`,;<>(){}[\]]{8,256})/dgi;

const reading = (m: RegExpExecArray): string => `${m[1]}@${m.indices?.[2]?.join('-')}`;
const reference = (text: string): string[] => [...text.matchAll(UNANCHORED)].map(reading);
const anchored = (text: string): string[] => genericMatches(text).map(reading);

describe('genericMatches', () => {
  it.each([
    'password = "hunter2hunter2"',
    'my_api_key: Zq8xV3nB7mK2pL9w',
    'token_password=abc12345xyz',
    'client_secret_key=Zq8xV3nB7mK2pL9w',
    'mypassword=abcdefgh1',
    'aaaaaaaaaaaaaaaaaaaaa_token=abcdefgh1 b_token=abcdefgh2',
    'SECRET=abcdefgh1;TOKEN=abcdefgh2 x.pwd => "abcdefgh3"',
  ])('reads %j as the unanchored regex does', (text) => {
    expect(anchored(text)).toEqual(reference(text));
  });

  it('agrees with the unanchored regex on keyword-dense text', () => {
    const parts = fc.constantFrom(
      'token',
      'secret',
      'password',
      'pwd',
      'api_key',
      'client',
      'auth-key',
      'credentials',
      'ab1',
      'Z9x',
      '_',
      '.',
      '-',
      '=',
      ': ',
      '"',
      ' ',
      'é',
    );
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 40 }), (list) => {
        const text = list.join('');
        expect(anchored(text)).toEqual(reference(text));
      }),
      { numRuns: 500 },
    );
  });
});
