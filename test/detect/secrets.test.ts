import { describe, expect, it } from 'vitest';
import { createSecretsDetector, isDetectError, SECRET_TYPES } from '../../src/detect/index.js';

const secrets = createSecretsDetector('secrets', { use: 'builtin/secrets' });
const found = (text: string): [string, string][] =>
  secrets.scan(text).map((f) => [f.type, text.slice(f.start, f.end)]);

// Test vectors are synthetic values in each provider's published format (none is a live credential).
const POSITIVES: [string, string][] = [
  ['AWS_ACCESS_KEY', 'AKIAZ3MSJV4WWNKWW5VQ'],
  ['GITHUB_TOKEN', 'ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5'],
  ['GITLAB_TOKEN', 'glpat-Xq3vB8nR2kLm9PzT4wYc'],
  ['SLACK_TOKEN', 'xoxb-2048593712-4820581038122-Qh7TzR9kLm2PxV4nB8wYc3Dj'],
  ['STRIPE_KEY', 'sk_live_51HqR2kLm9PzT4wYc8Vn3Xb7Dj'],
  ['OPENAI_API_KEY', 'sk-proj-Qh7TzR9kLm2PxV4nB8wYc3DjQh7TzR9kLm2PxV4nB8wYc3Dj'],
  ['GOOGLE_API_KEY', 'AIzaSyDq7TzR9kLm2PxV4nB8wYc3DjQh7TzR9kL'],
  ['NPM_TOKEN', 'npm_Qh7TzR9kLm2PxV4nB8wYc3DjQh7TzR9kLm2P'],
  ['DOPPLER_TOKEN', 'dp.ct.Qh7TzR9kLm2PxV4nB8wYc3DjQh7TzR9kLm2PxV4n'],
  ['DOPPLER_TOKEN', 'dp.st.Qh7TzR9kLm2PxV4nB8wYc3DjQh7TzR9kLm2PxV4n'],
  ['SENDGRID_API_KEY', 'SG.Qh7TzR9kLm2PxV4nB8wYc3.Dj7TzR9kLm2PxV4nB8wYc3DjQh7TzR9kLm2PxV4nB8w'],
  [
    'JWT',
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  ],
];

describe('builtin/secrets finds provider formats', () => {
  it.each(POSITIVES)('%s', (type, value) => {
    expect(found(`config: ${value} end`)).toContainEqual([type, value]);
  });

  it('finds a private key block from header to footer', () => {
    const block =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----';
    expect(found(`key:\n${block}\n`)).toEqual([['PRIVATE_KEY', block]]);
  });

  it('reports only the password of a connection string', () => {
    expect(found('DATABASE_URL=postgres://app:Zq9vR2kLm8@db.internal:5432/app')).toEqual([
      ['CONNECTION_STRING', 'Zq9vR2kLm8'],
    ]);
  });

  it('finds high-entropy generic secrets by key name', () => {
    expect(found('client_secret = "q8Xv2LmR9tZp4WkN7bYc3Jd6Hf1Gs5"')).toEqual([
      ['GENERIC_SECRET', 'q8Xv2LmR9tZp4WkN7bYc3Jd6Hf1Gs5'],
    ]);
    expect(found('password: Tr0ub4dor&3x')).toEqual([['GENERIC_SECRET', 'Tr0ub4dor&3x']]);
  });
});

describe('builtin/secrets ignores placeholders and prose', () => {
  it.each([
    'AKIAIOSFODNN7EXAMPLE',
    'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    'token=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    'sk_live_0000000000000000000000000',
    'password: changeme',
    'password = $' + '{DB_PASSWORD}',
    'api_key: <your-api-key-here>',
    'the token: expired yesterday',
    'password: correct_horse_battery',
    'Please reset your password at the portal.',
    'postgres://user:password@localhost/db',
    '-----BEGIN PUBLIC KEY-----',
  ])('%s', (text) => {
    expect(found(text)).toEqual([]);
  });
});

describe('builtin/secrets configuration', () => {
  it('has at least 30 provider types', () => {
    expect(SECRET_TYPES.length).toBeGreaterThanOrEqual(30);
  });

  it('limits to configured types and can turn off the generic detector', () => {
    const d = createSecretsDetector('s', { use: 'builtin/secrets', types: ['JWT'], generic: false });
    expect(d.scan('AKIAZ3MSJV4WWNKWW5VQ password: Tr0ub4dor&3x')).toEqual([]);
  });

  it.each([
    [{ use: 'builtin/secrets', types: ['NOPE'] }, 'detect/unknown-entity'],
    [{ use: 'builtin/secrets', generic: 'yes' }, 'detect/bad-config'],
    [{ use: 'builtin/secrets', patterns: [] }, 'detect/unknown-option'],
  ])('rejects bad config %j', (config, code) => {
    expect(() => createSecretsDetector('s', config)).toThrow(expect.objectContaining({ code }));
    try {
      createSecretsDetector('s', config);
    } catch (error) {
      expect(isDetectError(error)).toBe(true);
    }
  });
});
