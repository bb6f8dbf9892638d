import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credentialsAfterScheme, SECRET_PATTERNS } from '../../src/detect/secret-patterns.js';

const connection = SECRET_PATTERNS.find((p) => p.type === 'CONNECTION_STRING');

describe('secret pattern prechecks', () => {
  it('the connection-string precheck is true whenever the regex matches', () => {
    const re = new RegExp(connection?.re.source ?? '', 'i');
    const parts = fc.constantFrom(
      'postgres://',
      'https://',
      '://',
      'user',
      'p4ss',
      'a',
      ':',
      '@',
      '/',
      ' ',
      '\n',
      "'",
      '"',
      '\u00a0',
      'é',
      'x'.repeat(130),
      'db.example.com',
    );
    fc.assert(
      fc.property(fc.array(parts, { maxLength: 30 }), (chunks) => {
        const text = chunks.join('');
        if (re.test(text)) expect(credentialsAfterScheme(text)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('skips URLs without credentials and keeps those with them', () => {
    expect(credentialsAfterScheme('see https://www.example.com/a:b@c and http://x.org')).toBe(false);
    expect(credentialsAfterScheme('DATABASE_URL=postgres://app:s3cr3tPass@db:5432/app')).toBe(true);
  });
});
