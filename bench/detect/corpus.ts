/**
 * The labeled development corpus: sentences with structured entities, secrets in config and chat
 * snippets, hard negatives, and prompt-injection samples. Generated deterministically (seed fixed);
 * `build-corpus.ts` writes it to `test/fixtures/detect/corpus.jsonl`.
 */
import { INJECTION_NEGATIVES, INJECTION_POSITIVES } from './injection-samples.js';
import { createRng, type Rng } from './rng.js';
import * as v from './values.js';

/** One labeled span. */
export interface Label {
  type: string;
  start: number;
  end: number;
}

/** One corpus record. */
export interface Sample {
  id: string;
  text: string;
  labels: Label[];
  /** Which detector the sample exercises: pii, secrets or injection. */
  detector: 'pii' | 'secrets' | 'injection';
  source: string;
}

/** Builds text from literal strings and labeled values, tracking offsets. */
function compose(parts: (string | [string, string])[]): { text: string; labels: Label[] } {
  let text = '';
  const labels: Label[] = [];
  for (const p of parts) {
    if (typeof p === 'string') text += p;
    else {
      labels.push({ type: p[0], start: text.length, end: text.length + p[1].length });
      text += p[1];
    }
  }
  return { text, labels };
}

type Template = (rng: Rng) => (string | [string, string])[];

const PII_TEMPLATES: [string, Template][] = [
  ['EMAIL', (r) => ['Please reply to ', ['EMAIL', v.email(r)], ' before Friday.']],
  ['EMAIL', (r) => ['cc: ', ['EMAIL', v.email(r)], ', ', ['EMAIL', v.email(r)]]],
  ['PHONE', (r) => ['You can call me at ', ['PHONE', v.phone(r)], ' after 5pm.']],
  ['PHONE', (r) => ['Contact: ', ['PHONE', v.phone(r)], ' (mobile)']],
  ['CREDIT_CARD', (r) => ['My card number is ', ['CREDIT_CARD', v.card(r)], ', expiry 09/27.']],
  ['CREDIT_CARD', (r) => ['charge ', ['CREDIT_CARD', v.card(r)], ' for the refund']],
  ['IBAN', (r) => ['Transfer the deposit to IBAN ', ['IBAN', v.iban(r)], ' please.']],
  ['IBAN', (r) => ['Account: ', ['IBAN', v.iban(r)]]],
  ['US_SSN', (r) => ['SSN: ', ['US_SSN', v.ssn(r)]]],
  ['US_SSN', (r) => ['my social security number is ', ['US_SSN', v.ssn(r)], ' thanks']],
  ['IP_ADDRESS', (r) => ['Login from ', ['IP_ADDRESS', v.ip(r)], ' was blocked.']],
  ['IP_ADDRESS', (r) => ['server=', ['IP_ADDRESS', v.ip(r)], ' port=8080']],
  [
    'US_BANK_ROUTING',
    (r) => ['Routing number ', ['US_BANK_ROUTING', v.routing(r)], ', account 000123456789'],
  ],
  ['UK_NINO', (r) => ['National Insurance number: ', ['UK_NINO', v.nino(r)]]],
  ['URL', (r) => ['Read more at ', ['URL', v.url(r)], '.']],
  [
    'MIXED',
    (r) => [
      'Customer ',
      ['EMAIL', v.email(r)],
      ' paid with ',
      ['CREDIT_CARD', v.card(r)],
      ' from ',
      ['IP_ADDRESS', v.ip(r)],
    ],
  ],
];

const PII_NEGATIVES: Template[] = [
  (r) => [`Card ending ${v.badCard(r)} was declined (Luhn check fails).`],
  (r) => [`Reference number ${v.badCard(r)}`],
  (r) => [`IBAN ${v.badIban(r)} looks mistyped`],
  (r) => [`SSN ${v.badSsn(r)} is not a valid number`],
  (r) => [`Upgrade to version ${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 9)}.${r.int(0, 99)} today.`],
  (r) => [
    `The meeting is on ${r.int(2019, 2026)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')} at ${r.int(9, 17)}:30:00.`,
  ],
  (r) => [`Order #${r.int(100000, 9999999)} shipped in ${r.int(2, 9)} boxes.`],
  (r) => [`Invoice total: $${r.int(10, 9999)}.${r.int(10, 99)} for ${r.int(1, 50)} items.`],
  (r) => [`Host 3${r.int(0, 9)}${r.int(0, 9)}.${r.int(0, 255)}.${r.int(0, 255)}.1 is not a real address.`],
  () => ['Write to me at jane dot doe at example dot com.'],
  () => ['Follow @janedoe for updates.'],
  (r) => [`Tracking code ${r.int(1, 9)}Z${r.int(100000, 999999)}${r.int(1000, 9999)}`],
  (r) => [`ISBN 978-${r.int(0, 1)}-${r.int(100, 999)}-${r.int(10000, 99999)}-${r.int(0, 9)}`],
  (r) => [`The population grew by ${r.int(1000000, 99999999)} over ${r.int(2, 9)} decades.`],
];

const SECRET_TEMPLATES: ((type: string, value: string) => (string | [string, string])[])[] = [
  (t, s) => ['export API_TOKEN=', [t, s]],
  (t, s) => ['{"credentials": {"key": "', [t, s], '"}}'],
  (t, s) => ['here is my key ', [t, s], ' can you check why it fails?'],
  (t, s) => ['config:\n  token: ', [t, s], '\n  region: eu-west-1'],
  (t, s) => ['curl -H "Authorization: Bearer ', [t, s], '" https://api.example.com'],
];

const SECRET_NEGATIVES: Template[] = [
  (r) => [`commit ${v.secretLookalike(r)} fixed the build`],
  (r) => [`request id ${v.secretLookalike(r)}`],
  // A random-looking value under a key name may well be a live key, so key contexts get placeholders only.
  (r) => ['export API_TOKEN=', v.secretPlaceholder(r)],
  (r) => ['api_key: ', v.secretPlaceholder(r)],
  (r) => [`digest: sha256:${r.chars('0123456789abcdef', 64)}`],
  () => ['Set your password in the settings page, it must have 12 characters.'],
  () => ['password: ********'],
  () => ['Use the token from your dashboard; never paste it in chat.'],
  () => ['const apiKey = process.env.API_KEY;'],
  (r) => [`image digest sha256:${r.chars('0123456789abcdef', 64)}`],
  (r) => [
    `uuid ${r.chars('0123456789abcdef', 8)}-${r.chars('0123456789abcdef', 4)}-4${r.chars('0123456789abcdef', 3)}-8${r.chars('0123456789abcdef', 3)}-${r.chars('0123456789abcdef', 12)}`,
  ],
  () => [
    '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----',
  ],
  () => ['postgres://user:password@localhost:5432/dev'],
];

/** Public test vectors (documented examples) with their expected type; sources in the README. */
const PUBLIC_VECTORS: [string, string, 'pii' | 'secrets', string][] = [
  ['4111111111111111', 'CREDIT_CARD', 'pii', 'Visa test card (payment processor docs)'],
  ['5555555555554444', 'CREDIT_CARD', 'pii', 'Mastercard test card (Stripe docs)'],
  ['378282246310005', 'CREDIT_CARD', 'pii', 'Amex test card (Stripe docs)'],
  ['6011111111111117', 'CREDIT_CARD', 'pii', 'Discover test card (Stripe docs)'],
  ['4012888888881881', 'CREDIT_CARD', 'pii', 'Visa test card (Presidio tests)'],
  ['DE89 3704 0044 0532 0130 00', 'IBAN', 'pii', 'IBAN example (ECBS / Presidio tests)'],
  ['GB82 WEST 1234 5698 7654 32', 'IBAN', 'pii', 'IBAN example (ECBS)'],
  ['FR14 2004 1010 0505 0001 3M02 606', 'IBAN', 'pii', 'IBAN example (ECBS)'],
  ['NL91ABNA0417164300', 'IBAN', 'pii', 'IBAN example (ECBS)'],
  ['021000021', 'US_BANK_ROUTING', 'pii', 'ABA routing example (Presidio tests)'],
  ['2001:db8:85a3::8a2e:370:7334', 'IP_ADDRESS', 'pii', 'RFC 3849 documentation prefix'],
  ['192.0.2.146', 'IP_ADDRESS', 'pii', 'RFC 5737 documentation address'],
];

/** Builds the full corpus. */
export function buildCorpus(seed = 20261125): Sample[] {
  const rng = createRng(seed);
  const out: Sample[] = [];
  let n = 0;
  const add = (detector: Sample['detector'], parts: (string | [string, string])[], source: string): void => {
    const { text, labels } = compose(parts);
    out.push({ id: `${detector}-${++n}`, text, labels, detector, source });
  };
  for (let i = 0; i < 25; i++)
    for (const [, t] of PII_TEMPLATES) add('pii', t(rng), 'generated: valid identifier (checksums computed)');
  for (let i = 0; i < 25; i++) for (const t of PII_NEGATIVES) add('pii', t(rng), 'generated: hard negative');
  for (const [value, type, detector, source] of PUBLIC_VECTORS) {
    const context = type === 'US_BANK_ROUTING' ? 'routing number ' : type === 'IBAN' ? 'IBAN ' : 'value ';
    add(detector, [context, [type, value], ' end'], `public vector: ${source}`);
  }
  for (let i = 0; i < 300; i++) {
    const [type, value] = v.secret(rng);
    add('secrets', rng.pick(SECRET_TEMPLATES)(type, value), 'generated: provider format with random body');
  }
  for (let i = 0; i < 20; i++)
    for (const t of SECRET_NEGATIVES) add('secrets', t(rng), 'generated: hard negative');
  for (const text of INJECTION_POSITIVES)
    add('injection', [['PROMPT_INJECTION', text]], 'paraphrased attack family (see README)');
  for (const text of INJECTION_NEGATIVES) add('injection', [text], 'benign prompt (hard negatives included)');
  return out;
}
