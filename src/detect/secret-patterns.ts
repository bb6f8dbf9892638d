/**
 * Provider-specific secret formats (facts from the providers' documentation and the public rule sets
 * of gitleaks and detect-secrets; no code carried over). Each regex starts with a negative lookbehind
 * on the token alphabet so a run is tried from its first character only (linear time), and `keywords`
 * (lower case) gate the regex so most texts skip most patterns after one substring check.
 */

/** One provider-specific secret format. */
export interface SecretPattern {
  type: string;
  keywords: readonly string[];
  re: RegExp;
  score: number;
  /** When the regex has a capture group, the finding covers group 1 (the secret) only. */
  valueGroup?: boolean;
  /**
   * Case-sensitive substrings of which one must occur, for a case-sensitive regex whose keyword is
   * common in prose ("sk" is in "ask" and "risk": without `SK` the Twilio regex ran on almost every text).
   */
  literals?: readonly string[];
  /** A cheap necessary condition for a match (false: the regex is skipped). */
  precheck?: (text: string) => boolean;
  /**
   * True when a match need not begin where one of `keywords` occurs (the keyword sits later in it):
   * the regex then scans the whole text. Otherwise it is tried only at the keywords' offsets.
   */
  unanchored?: boolean;
}

const isSpaceCode = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

/**
 * Whether some `://` is followed by `user:password@` as the connection-string regex needs it (1–128
 * characters without whitespace, `:/@'"`, then `:`, 3–256 without whitespace, `@/'"`, then `@`).
 * URLs are common in prose and almost never carry credentials, so this skips that regex there.
 * Non-ASCII characters never stop a run here, so the check is never stricter than the regex.
 */
export function credentialsAfterScheme(text: string): boolean {
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
    let i = at + 3;
    while (i < text.length && i - (at + 3) <= 128) {
      const c = text.charCodeAt(i);
      if (isSpaceCode(c) || c === 58 || c === 47 || c === 64 || c === 39 || c === 34) break;
      i++;
    }
    if (i === at + 3 || i - (at + 3) > 128 || text.charCodeAt(i) !== 58) continue;
    let j = i + 1;
    while (j < text.length && j - (i + 1) <= 256) {
      const c = text.charCodeAt(j);
      if (isSpaceCode(c) || c === 64 || c === 47 || c === 39 || c === 34) break;
      j++;
    }
    const n = j - (i + 1);
    if (n >= 3 && n <= 256 && text.charCodeAt(j) === 64) return true;
  }
  return false;
}

const B = '(?<![A-Za-z0-9_\\-+/])';
const E = '(?![A-Za-z0-9_\\-])';
const re = (source: string, flags = 'g'): RegExp => new RegExp(source, flags);

/** The built-in provider patterns. */
export const SECRET_PATTERNS: readonly SecretPattern[] = [
  {
    type: 'AWS_ACCESS_KEY',
    keywords: ['akia', 'asia', 'abia', 'acca', 'a3t'],
    re: re(`${B}(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}${E}`),
    score: 0.95,
  },
  {
    type: 'AWS_SECRET_KEY',
    keywords: ['aws'],
    re: re(
      `aws[A-Za-z0-9_ .-]{0,20}(?:secret|key)[A-Za-z0-9_ .-]{0,20}["']?\\s{0,4}[:=]{1,2}>?\\s{0,4}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`,
      'gid',
    ),
    score: 0.95,
    valueGroup: true,
  },
  {
    type: 'GITHUB_TOKEN',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    re: re(`${B}gh[pousr]_[A-Za-z0-9]{36,251}${E}`),
    score: 0.99,
  },
  {
    type: 'GITHUB_TOKEN',
    keywords: ['github_pat_'],
    re: re(`${B}github_pat_[A-Za-z0-9_]{82}${E}`),
    score: 0.99,
  },
  {
    type: 'GITLAB_TOKEN',
    keywords: ['glpat-', 'gldt-', 'glptt-', 'glrt-'],
    re: re(`${B}gl(?:pat|dt|ptt|rt)-[A-Za-z0-9_-]{20,50}${E}`),
    score: 0.99,
  },
  {
    type: 'SLACK_TOKEN',
    keywords: ['xox', 'xapp-'],
    re: re(`${B}(?:xox[baprse]-[0-9A-Za-z-]{10,250}|xapp-\\d-[A-Z0-9]{9,12}-\\d{10,14}-[a-f0-9]{32,80})${E}`),
    score: 0.97,
  },
  {
    type: 'SLACK_WEBHOOK',
    keywords: ['hooks.slack.com'],
    re: re(`https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,120}`),
    score: 0.97,
    unanchored: true,
  },
  {
    type: 'DISCORD_WEBHOOK',
    keywords: ['discord'],
    re: re(`https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d{17,20}/[A-Za-z0-9_-]{60,68}`),
    score: 0.97,
    unanchored: true,
  },
  {
    type: 'STRIPE_KEY',
    keywords: ['sk_live', 'sk_test', 'rk_live', 'rk_test', 'whsec_'],
    re: re(`${B}(?:(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247}|whsec_[A-Za-z0-9]{32,64})${E}`),
    score: 0.97,
  },
  {
    type: 'OPENAI_API_KEY',
    keywords: ['sk-'],
    re: re(
      `${B}sk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|[A-Za-z0-9]{48})${E}`,
    ),
    score: 0.97,
  },
  {
    type: 'ANTHROPIC_API_KEY',
    keywords: ['sk-ant-'],
    re: re(`${B}sk-ant-(?:api|admin|sid)\\d{2}-[A-Za-z0-9_-]{80,120}${E}`),
    score: 0.99,
  },
  { type: 'GOOGLE_API_KEY', keywords: ['aiza'], re: re(`${B}AIza[0-9A-Za-z_-]{35}${E}`), score: 0.95 },
  {
    type: 'GOOGLE_OAUTH_SECRET',
    keywords: ['gocspx-'],
    re: re(`${B}GOCSPX-[A-Za-z0-9_-]{28}${E}`),
    score: 0.97,
  },
  { type: 'HUGGINGFACE_TOKEN', keywords: ['hf_'], re: re(`${B}hf_[A-Za-z]{34}${E}`), score: 0.95 },
  { type: 'GROQ_API_KEY', keywords: ['gsk_'], re: re(`${B}gsk_[A-Za-z0-9]{52}${E}`), score: 0.97 },
  { type: 'REPLICATE_TOKEN', keywords: ['r8_'], re: re(`${B}r8_[A-Za-z0-9]{37}${E}`), score: 0.95 },
  { type: 'NPM_TOKEN', keywords: ['npm_'], re: re(`${B}npm_[A-Za-z0-9]{36}${E}`), score: 0.97 },
  {
    type: 'PYPI_TOKEN',
    keywords: ['pypi-'],
    re: re(`${B}pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,300}${E}`),
    score: 0.99,
  },
  {
    type: 'TWILIO_API_KEY',
    keywords: ['sk'],
    literals: ['SK'],
    re: re(`${B}SK[0-9a-f]{32}${E}`),
    score: 0.8,
  },
  {
    type: 'SENDGRID_API_KEY',
    keywords: ['sg.'],
    re: re(`${B}SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}${E}`),
    score: 0.99,
  },
  { type: 'MAILGUN_API_KEY', keywords: ['key-'], re: re(`${B}key-[0-9a-f]{32}${E}`), score: 0.85 },
  {
    type: 'MAILCHIMP_API_KEY',
    keywords: ['-us'],
    re: re(`${B}[0-9a-f]{32}-us\\d{1,2}${E}`),
    score: 0.9,
    unanchored: true,
  },
  {
    type: 'SHOPIFY_TOKEN',
    keywords: ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    re: re(`${B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}${E}`),
    score: 0.99,
  },
  {
    type: 'SQUARE_TOKEN',
    keywords: ['sq0atp-', 'sq0csp-', 'eaaa'],
    re: re(`${B}(?:sq0(?:atp|csp)-[0-9A-Za-z_-]{22,43}|EAAA[A-Za-z0-9_-]{60})${E}`),
    score: 0.95,
  },
  {
    type: 'BRAINTREE_TOKEN',
    keywords: ['access_token$production$'],
    re: re(`access_token\\$production\\$[0-9a-z]{16}\\$[0-9a-f]{32}`),
    score: 0.99,
  },
  {
    type: 'AZURE_STORAGE_KEY',
    keywords: ['accountkey='],
    re: re(`AccountKey=([A-Za-z0-9+/]{86}==)`, 'gid'),
    score: 0.97,
    valueGroup: true,
  },
  {
    type: 'AZURE_AD_CLIENT_SECRET',
    keywords: ['q~'],
    re: re(`${B}[A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])`),
    score: 0.9,
    unanchored: true,
  },
  {
    type: 'DIGITALOCEAN_TOKEN',
    keywords: ['dop_v1_', 'doo_v1_', 'dor_v1_'],
    re: re(`${B}do[opr]_v1_[a-f0-9]{64}${E}`),
    score: 0.99,
  },
  { type: 'DATABRICKS_TOKEN', keywords: ['dapi'], re: re(`${B}dapi[a-f0-9]{32}(?:-\\d)?${E}`), score: 0.9 },
  {
    type: 'TELEGRAM_BOT_TOKEN',
    keywords: [':aa'],
    re: re(`${B}\\d{8,10}:AA[0-9A-Za-z_-]{33}${E}`),
    score: 0.95,
    unanchored: true,
  },
  {
    type: 'HASHICORP_VAULT_TOKEN',
    keywords: ['hvs.', 'hvb.'],
    re: re(`${B}hv[sb]\\.[A-Za-z0-9_-]{24,250}${E}`),
    score: 0.95,
  },
  {
    type: 'DOPPLER_TOKEN',
    // dp.ct. (CLI tokens) is a keyword too: without it a CLI token alone was never scanned.
    keywords: ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.'],
    re: re(`${B}dp\\.(?:pt|st|sa|ct)\\.[A-Za-z0-9]{40,44}${E}`),
    score: 0.97,
  },
  { type: 'LINEAR_API_KEY', keywords: ['lin_api_'], re: re(`${B}lin_api_[A-Za-z0-9]{40}${E}`), score: 0.99 },
  {
    type: 'NOTION_TOKEN',
    keywords: ['secret_', 'ntn_'],
    re: re(`${B}(?:secret_[A-Za-z0-9]{43}|ntn_[A-Za-z0-9]{46})${E}`),
    score: 0.9,
  },
  {
    type: 'AIRTABLE_TOKEN',
    keywords: ['pat'],
    re: re(`${B}pat[A-Za-z0-9]{14}\\.[a-f0-9]{64}${E}`),
    score: 0.95,
  },
  {
    type: 'POSTMAN_API_KEY',
    keywords: ['pmak-'],
    re: re(`${B}PMAK-[a-f0-9]{24}-[a-f0-9]{34}${E}`),
    score: 0.99,
  },
  {
    type: 'ATLASSIAN_API_TOKEN',
    keywords: ['atatt3'],
    re: re(`${B}ATATT3[A-Za-z0-9_=-]{180,200}${E}`),
    score: 0.97,
  },
  {
    type: 'AGE_SECRET_KEY',
    keywords: ['age-secret-key-1'],
    re: re(`AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`),
    score: 0.99,
  },
  {
    type: 'JWT',
    keywords: ['eyj'],
    re: re(`${B}eyJ[A-Za-z0-9_-]{8,8192}\\.eyJ[A-Za-z0-9_-]{8,8192}\\.[A-Za-z0-9_-]{16,8192}${E}`),
    score: 0.9,
  },
  {
    type: 'CONNECTION_STRING',
    keywords: ['://'],
    precheck: credentialsAfterScheme,
    re: re(
      `(?<![A-Za-z0-9+.])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|jdbc:[a-z]{2,12}|https?|ftps?|smtps?|ldaps?)://[^\\s:/@'"]{1,128}:([^\\s@/'"]{3,256})@[^\\s/'"]{1,256}`,
      'gid',
    ),
    score: 0.9,
    unanchored: true,
    valueGroup: true,
  },
];
