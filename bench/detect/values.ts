/**
 * Generators of labeled values: valid structured identifiers (checksums computed, formats from the
 * standards), provider-format secrets with random bodies, and the hard negatives that look alike.
 */
import type { Rng } from './rng.js';

const DIGITS = '0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';

function luhnCheckDigit(body: string): string {
  let sum = 0;
  let double = true;
  for (let i = body.length - 1; i >= 0; i--) {
    let d = Number(body[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A Luhn-valid card number from a real issuer range, printed in a common format. */
export function card(rng: Rng): string {
  const kind = rng.int(0, 3);
  const [prefix, len] = (
    [
      ['4', 16],
      [String(rng.int(51, 55)), 16],
      [rng.pick(['34', '37']), 15],
      ['6011', 16],
    ] as const
  )[kind] ?? ['4', 16];
  const body = prefix + rng.chars(DIGITS, len - prefix.length - 1);
  const n = body + luhnCheckDigit(body);
  const style = rng.int(0, 2);
  if (style === 0) return n;
  const sep = style === 1 ? ' ' : '-';
  if (len === 15) return `${n.slice(0, 4)}${sep}${n.slice(4, 10)}${sep}${n.slice(10)}`;
  return n.match(/.{4}/g)?.join(sep) ?? n;
}

/** A card-shaped number whose Luhn check fails. */
export function badCard(rng: Rng): string {
  const good = card(rng).replace(/\D/g, '');
  const last = Number(good[good.length - 1]);
  return good.slice(0, -1) + String((last + rng.int(1, 9)) % 10);
}

const IBAN_SHAPES: [string, string][] = [
  ['DE', 'n18'],
  ['GB', 'a4n14'],
  ['FR', 'n10c11n2'],
  ['NL', 'a4n10'],
  ['ES', 'n20'],
  ['IT', 'a1n10c12'],
  ['BE', 'n12'],
  ['CH', 'n5c12'],
];

function mod97(s: string): number {
  let r = 0;
  for (const ch of s) {
    const v = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of v) r = (r * 10 + Number(d)) % 97;
  }
  return r;
}

/** A valid IBAN (country length, mod-97 check digits), compact or in groups of four. */
export function iban(rng: Rng): string {
  const [cc, shape] = rng.pick(IBAN_SHAPES);
  let bban = '';
  for (const [, kind, n] of shape.matchAll(/([anc])(\d+)/g)) {
    const alphabet = kind === 'a' ? UPPER : kind === 'n' ? DIGITS : UPPER + DIGITS;
    bban += rng.chars(alphabet, Number(n));
  }
  const check = String(98 - mod97(`${bban}${cc}00`)).padStart(2, '0');
  const compact = cc + check + bban;
  return rng.int(0, 1) === 0 ? compact : (compact.match(/.{1,4}/g)?.join(' ') ?? compact);
}

/** An IBAN with wrong check digits. */
export function badIban(rng: Rng): string {
  const good = iban(rng).replace(/ /g, '');
  const check = Number(good.slice(2, 4));
  return good.slice(0, 2) + String(((check + rng.int(1, 50)) % 97) + 2).padStart(2, '0') + good.slice(4);
}

/** A structurally valid SSN (area 001–899 except 666, group 01–99, serial 0001–9999). */
export function ssn(rng: Rng): string {
  let area = rng.int(1, 899);
  if (area === 666) area = 667;
  return `${String(area).padStart(3, '0')}-${String(rng.int(1, 99)).padStart(2, '0')}-${String(rng.int(1, 9999)).padStart(4, '0')}`;
}

/** An SSN-shaped string the SSA never issues. */
export function badSsn(rng: Rng): string {
  const area = rng.pick(['000', '666', String(rng.int(900, 999))]);
  return `${area}-${String(rng.int(1, 99)).padStart(2, '0')}-${String(rng.int(1, 9999)).padStart(4, '0')}`;
}

const US_AREAS = ['212', '415', '646', '312', '617', '213', '206', '305', '512', '720'];
/** A phone number, US national or international, in a printed format. */
export function phone(rng: Rng): string {
  const area = rng.pick(US_AREAS);
  const line = `${rng.int(200, 989)}`;
  const sub = String(rng.int(0, 9999)).padStart(4, '0');
  switch (rng.int(0, 5)) {
    case 0:
      return `(${area}) ${line}-${sub}`;
    case 1:
      return `${area}-${line}-${sub}`;
    case 2:
      return `+1 ${area} ${line} ${sub}`;
    case 3:
      return `+44 20 7946 ${String(rng.int(0, 999)).padStart(4, '0')}`;
    case 4:
      return `+49 30 ${rng.chars(DIGITS, 8).replace(/^0/, '1')}`;
    default:
      return `+33 1 ${rng.chars(DIGITS, 2)} ${rng.chars(DIGITS, 2)} ${rng.chars(DIGITS, 2)} ${rng.chars(DIGITS, 2)}`;
  }
}

const FIRST = ['jane', 'li', 'omar', 'sofia', 'raj', 'anna', 'mateo', 'yuki', 'kofi', 'elena', 'noah', 'zoe'];
const LAST = ['doe', 'wang', 'haddad', 'rossi', 'patel', 'novak', 'garcia', 'tanaka', 'mensah', 'ivanova'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'uni.example.edu', 'example.co.uk'];
/** An email address. */
export function email(rng: Rng): string {
  const sep = rng.pick(['.', '_', '', '+news.']);
  return `${rng.pick(FIRST)}${sep}${rng.pick(LAST)}${rng.int(0, 3) === 0 ? rng.int(1, 99) : ''}@${rng.pick(DOMAINS)}`;
}

/** A valid IPv4 or IPv6 address. */
export function ip(rng: Rng): string {
  if (rng.int(0, 3) === 0) {
    const groups = Array.from({ length: 8 }, () => rng.int(0, 0xffff).toString(16));
    return rng.int(0, 1) === 0 ? groups.join(':') : `2001:db8::${groups[0]}:${groups[1]}`;
  }
  return [rng.int(1, 223), rng.int(0, 255), rng.int(0, 255), rng.int(1, 254)].join('.');
}

/** An ABA routing number with a valid checksum and Federal Reserve prefix. */
export function routing(rng: Rng): string {
  for (;;) {
    const prefix = String(rng.pick([rng.int(1, 12), rng.int(21, 32)])).padStart(2, '0');
    const body = prefix + rng.chars(DIGITS, 6);
    const d = (i: number): number => Number(body[i]);
    const partial = 3 * (d(0) + d(3) + d(6)) + 7 * (d(1) + d(4) + d(7)) + (d(2) + d(5));
    const check = (10 - (partial % 10)) % 10;
    return body + String(check);
  }
}

/** A UK National Insurance number with a valid prefix. */
export function nino(rng: Rng): string {
  const first = rng.pick([...'ABCEGHJKLMNOPRSTWXYZ']);
  const second = rng.pick([...'ABCEGHJKLMNPRSTWXYZ']);
  const prefix = `${first}${second}`;
  const p = ['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(prefix) ? 'AB' : prefix;
  const n = rng.chars(DIGITS, 6);
  const suffix = rng.pick(['A', 'B', 'C', 'D']);
  return rng.int(0, 1) === 0
    ? `${p}${n}${suffix}`
    : `${p} ${n.slice(0, 2)} ${n.slice(2, 4)} ${n.slice(4)} ${suffix}`;
}

/** An https URL. */
export function url(rng: Rng): string {
  return `https://${rng.pick(['www.', 'docs.', ''])}${rng.pick(['example.com', 'example.org', 'shop.example.net'])}/${rng.chars(LOWER, rng.int(3, 10))}${rng.int(0, 1) === 0 ? `?id=${rng.int(1, 99999)}` : ''}`;
}

/** Provider-format secrets with random bodies: [type, value]. */
export function secret(rng: Rng): [string, string] {
  const kinds: (() => [string, string])[] = [
    () => ['AWS_ACCESS_KEY', `AKIA${rng.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`],
    () => ['GITHUB_TOKEN', `ghp_${rng.chars(ALNUM, 36)}`],
    () => ['GITHUB_TOKEN', `github_pat_${rng.chars(ALNUM + '_', 82)}`],
    () => ['GITLAB_TOKEN', `glpat-${rng.chars(ALNUM, 20)}`],
    () => ['SLACK_TOKEN', `xoxb-${rng.chars(DIGITS, 12)}-${rng.chars(DIGITS, 13)}-${rng.chars(ALNUM, 24)}`],
    () => [
      'SLACK_WEBHOOK',
      `https://hooks.slack.com/services/T${rng.chars(UPPER + DIGITS, 8)}/B${rng.chars(UPPER + DIGITS, 8)}/${rng.chars(ALNUM, 24)}`,
    ],
    () => ['STRIPE_KEY', `sk_live_${rng.chars(ALNUM, 24)}`],
    () => ['OPENAI_API_KEY', `sk-proj-${rng.chars(ALNUM + '_-', 64)}`],
    () => ['OPENAI_API_KEY', `sk-${rng.chars(ALNUM, 20)}T3BlbkFJ${rng.chars(ALNUM, 20)}`],
    () => ['ANTHROPIC_API_KEY', `sk-ant-api03-${rng.chars(ALNUM + '_-', 93)}`],
    () => ['GOOGLE_API_KEY', `AIza${rng.chars(ALNUM + '_-', 35)}`],
    () => ['HUGGINGFACE_TOKEN', `hf_${rng.chars(UPPER + LOWER, 34)}`],
    () => ['NPM_TOKEN', `npm_${rng.chars(ALNUM, 36)}`],
    () => ['SENDGRID_API_KEY', `SG.${rng.chars(ALNUM + '_-', 22)}.${rng.chars(ALNUM + '_-', 43)}`],
    () => ['SHOPIFY_TOKEN', `shpat_${rng.chars(HEX, 32)}`],
    () => ['DIGITALOCEAN_TOKEN', `dop_v1_${rng.chars(HEX, 64)}`],
    () => ['TELEGRAM_BOT_TOKEN', `${rng.int(10000000, 999999999)}:AA${rng.chars(ALNUM + '_-', 33)}`],
    () => ['GROQ_API_KEY', `gsk_${rng.chars(ALNUM, 52)}`],
    () => ['LINEAR_API_KEY', `lin_api_${rng.chars(ALNUM, 40)}`],
    () => ['POSTMAN_API_KEY', `PMAK-${rng.chars(HEX, 24)}-${rng.chars(HEX, 34)}`],
    () => [
      'JWT',
      `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${rng.chars(ALNUM, rng.int(20, 60))}.${rng.chars(ALNUM + '_-', 43)}`,
    ],
    () => [
      'PRIVATE_KEY',
      `-----BEGIN RSA PRIVATE KEY-----\n${Array.from({ length: 4 }, () => rng.chars(ALNUM + '+/', 64)).join('\n')}\n-----END RSA PRIVATE KEY-----`,
    ],
  ];
  return rng.pick(kinds)();
}

/** Placeholders and templates that stand where a secret would go. */
export function secretPlaceholder(rng: Rng): string {
  return rng.pick([
    'AKIAIOSFODNN7EXAMPLE',
    `ghp_${'x'.repeat(36)}`,
    'sk_live_XXXXXXXXXXXXXXXXXXXXXXXX',
    '<your-api-key>',
    '$' + '{OPENAI_API_KEY}',
    'changeme',
    'sk-...',
    'your_token_here',
    '********',
  ]);
}

/** Values that look like secrets but are not: placeholders, hashes, ids (used outside key contexts). */
export function secretLookalike(rng: Rng): string {
  return rng.pick([
    () => 'AKIAIOSFODNN7EXAMPLE',
    () => `ghp_${'x'.repeat(36)}`,
    () => 'sk_live_XXXXXXXXXXXXXXXXXXXXXXXX',
    () => '<your-api-key>',
    () => '$' + '{OPENAI_API_KEY}',
    () => rng.chars(HEX, 40),
    () =>
      `${rng.chars(HEX, 8)}-${rng.chars(HEX, 4)}-4${rng.chars(HEX, 3)}-a${rng.chars(HEX, 3)}-${rng.chars(HEX, 12)}`,
    () => `sha256:${rng.chars(HEX, 64)}`,
    () => 'changeme',
    () => 'sk-...',
    () => `v${rng.int(1, 9)}.${rng.int(0, 30)}.${rng.int(0, 99)}`,
  ])();
}
