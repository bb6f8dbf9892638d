/**
 * The bundle container: one canonical JSON document holding the manifest, every source file (by
 * sorted path, each pinned by its sha256) and the approver signatures.
 *
 * Why JSON and not tar: a bundle is small text, JSON needs no extra dependency, has one obvious
 * canonical form (sorted keys, fixed indent), is readable in review, and lets the verifier insist that
 * the file's bytes equal the canonical rendering of what it parsed — so flipping any byte anywhere is
 * caught (bad JSON, non-canonical layout, a file digest, the content digest, or a signature).
 *
 * What the content digest covers (and so what "same sources → same digest on any machine" means):
 * `format`, `manifest.name`, `manifest.version`, `manifest.parent`, `manifest.changelog`,
 * `manifest.entry`, `manifest.loosening`, and the sorted map path → sha256 of every file. It deliberately leaves out
 * `createdAt`, `builder` and `sourceCommit` (they differ between machines and runs) and the
 * signatures (added after building). Those fields are still protected: each signature covers the
 * digest plus the whole manifest.
 */
import { createHash } from 'node:crypto';
import { canonicalJson, prettyCanonicalJson } from './canonical-json.js';
import { BundleError } from './errors.js';

/** The format tag of version 1 bundles. */
export const BUNDLE_FORMAT = 'rampart.bundle/v1';
/** Bundles larger than this are refused before parsing (hostile input). */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** What a bundle says about itself. */
export interface BundleManifest {
  name: string;
  /** Semantic (`1.4.0`) or date (`2026.11.25-1`) version. */
  version: string;
  /** Directory (relative, `''` for the root) holding the policy the bundle is built from; baselines it extends sit beside it. */
  entry: string;
  /** Digest of the bundle this one replaces, or null for the first. */
  parent: string | null;
  /** Required: what changed and why. */
  changelog: string;
  /** Loosenings of high-risk rules relative to the parent, computed at build time; non-empty raises k. */
  loosening: string[];
  /** RFC 3339; not part of the content digest. */
  createdAt: string;
  /** Who or what built it; not part of the content digest. */
  builder: string;
  /** Git commit of the sources when built from a git work tree; not part of the content digest. */
  sourceCommit: string | null;
}

/** One embedded file. Text is stored as UTF-8, anything else as base64. */
export interface BundleFile {
  sha256: string;
  size: number;
  encoding: 'utf8' | 'base64';
  content: string;
}

/** An approver's signature over the digest and manifest. */
export interface BundleSignature {
  /** Key id: the first 16 hex digits of sha256 of the raw public key. */
  keyId: string;
  /** Approver id from governance, as the signer claimed it (informative; the key decides). */
  signer: string;
  signedAt: string;
  /** ed25519 signature, lowercase hex. */
  signature: string;
}

/** A whole bundle document. */
export interface Bundle {
  format: typeof BUNDLE_FORMAT;
  digest: string;
  manifest: BundleManifest;
  files: Record<string, BundleFile>;
  signatures: BundleSignature[];
}

/** sha256 of bytes or a UTF-8 string, lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Decodes an embedded file to bytes. */
export function fileBytes(file: BundleFile): Buffer {
  return file.encoding === 'utf8' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content, 'base64');
}

/** Decodes an embedded file to text (UTF-8). */
export function fileText(file: BundleFile): string {
  return file.encoding === 'utf8' ? file.content : fileBytes(file).toString('utf8');
}

/** Pins bytes as an embedded file, choosing UTF-8 when the bytes are valid UTF-8 text. */
export function makeBundleFile(bytes: Uint8Array): BundleFile {
  const buf = Buffer.from(bytes);
  const asText = buf.toString('utf8');
  const isText = Buffer.from(asText, 'utf8').equals(buf) && !asText.includes('\u0000');
  return {
    sha256: sha256Hex(buf),
    size: buf.length,
    encoding: isText ? 'utf8' : 'base64',
    content: isText ? asText : buf.toString('base64'),
  };
}

/** The content digest (`sha256:<hex>`) of a bundle's reproducible parts; see the file comment. */
export function computeBundleDigest(bundle: Pick<Bundle, 'format' | 'manifest' | 'files'>): string {
  const files: Record<string, string> = {};
  for (const path of Object.keys(bundle.files).sort())
    files[path] = (bundle.files[path] as BundleFile).sha256;
  const m = bundle.manifest;
  const content = {
    format: bundle.format,
    name: m.name,
    version: m.version,
    entry: m.entry,
    parent: m.parent,
    changelog: m.changelog,
    loosening: m.loosening,
    files,
  };
  return `sha256:${sha256Hex(canonicalJson(content))}`;
}

/** The exact bytes an approver signs: digest, full manifest and the signer's own claims. */
export function signaturePayload(
  bundle: Pick<Bundle, 'digest' | 'manifest'>,
  sig: Omit<BundleSignature, 'signature'>,
): Buffer {
  return Buffer.from(
    canonicalJson({
      purpose: 'rampart.bundle-signature/v1',
      digest: bundle.digest,
      manifest: bundle.manifest,
      keyId: sig.keyId,
      signer: sig.signer,
      signedAt: sig.signedAt,
    }),
    'utf8',
  );
}

/** Renders a bundle in its canonical file form. */
export function serializeBundle(bundle: Bundle): string {
  return prettyCanonicalJson(bundle);
}

const SAFE_SEGMENT = /^[A-Za-z0-9._@+-]+$/;

/** True when a path is relative, forward-slashed, without `.`/`..` segments or odd characters. */
export function isSafeBundlePath(path: string): boolean {
  if (path.length === 0 || path.length > 512) return false;
  return path.split('/').every((seg) => seg !== '.' && seg !== '..' && SAFE_SEGMENT.test(seg));
}

function malformed(message: string, path?: string): BundleError {
  return new BundleError('bundle/malformed', message, path ? { path } : undefined);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectKeys(obj: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const key of Object.keys(obj))
    if (!keys.includes(key)) throw malformed(`unexpected field \`${key}\` in ${where}`, `${where}.${key}`);
}

function expectString(obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== 'string') throw malformed(`${where}.${key} must be a string`, `${where}.${key}`);
  return v;
}

const HEX64 = /^[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const KEY_ID = /^[0-9a-f]{16}$/;
const SIG_HEX = /^[0-9a-f]{128}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function checkManifest(raw: unknown): BundleManifest {
  if (!isRecord(raw)) throw malformed('manifest must be an object', 'manifest');
  const keys = [
    'name',
    'version',
    'entry',
    'parent',
    'changelog',
    'loosening',
    'createdAt',
    'builder',
    'sourceCommit',
  ];
  expectKeys(raw, keys, 'manifest');
  const name = expectString(raw, 'name', 'manifest');
  const version = expectString(raw, 'version', 'manifest');
  const changelog = expectString(raw, 'changelog', 'manifest');
  if (changelog.trim() === '')
    throw new BundleError('bundle/missing-changelog', 'manifest.changelog must say what changed and why', {
      path: 'manifest.changelog',
    });
  const createdAt = expectString(raw, 'createdAt', 'manifest');
  const entry = expectString(raw, 'entry', 'manifest');
  if (entry !== '' && !isSafeBundlePath(entry))
    throw new BundleError('bundle/unsafe-path', 'manifest.entry is not a safe relative path', {
      path: 'manifest.entry',
    });
  const builder = expectString(raw, 'builder', 'manifest');
  const parent = raw.parent;
  if (parent !== null && (typeof parent !== 'string' || !DIGEST.test(parent)))
    throw malformed('manifest.parent must be null or a sha256:<hex> digest', 'manifest.parent');
  const sourceCommit = raw.sourceCommit;
  if (sourceCommit !== null && typeof sourceCommit !== 'string')
    throw malformed('manifest.sourceCommit must be null or a string', 'manifest.sourceCommit');
  const loosening = raw.loosening;
  if (!Array.isArray(loosening) || !loosening.every((l) => typeof l === 'string'))
    throw malformed('manifest.loosening must be a list of strings', 'manifest.loosening');
  return { name, version, entry, parent, changelog, loosening, createdAt, builder, sourceCommit };
}

function checkFile(path: string, raw: unknown): BundleFile {
  const where = `files["${path}"]`;
  if (!isSafeBundlePath(path))
    throw new BundleError('bundle/unsafe-path', `unsafe file path ${JSON.stringify(path)}`, { path: where });
  if (!isRecord(raw)) throw malformed(`${where} must be an object`, where);
  expectKeys(raw, ['sha256', 'size', 'encoding', 'content'], where);
  const sha256 = expectString(raw, 'sha256', where);
  if (!HEX64.test(sha256))
    throw malformed(`${where}.sha256 must be 64 lowercase hex digits`, `${where}.sha256`);
  const encoding = raw.encoding;
  if (encoding !== 'utf8' && encoding !== 'base64')
    throw malformed(`${where}.encoding must be utf8 or base64`, where);
  const content = expectString(raw, 'content', where);
  const size = raw.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw malformed(`${where}.size must be a count of bytes`, where);
  // base64 has slack bits: insist on the one canonical spelling so no byte of the file is free to change.
  if (
    encoding === 'base64' &&
    (!BASE64.test(content) || Buffer.from(content, 'base64').toString('base64') !== content)
  )
    throw new BundleError('bundle/not-canonical', `${where}.content is not canonical base64`, {
      path: where,
    });
  const file: BundleFile = { sha256, size, encoding, content };
  const bytes = fileBytes(file);
  if (bytes.length !== size || sha256Hex(bytes) !== sha256)
    throw new BundleError(
      'bundle/file-digest-mismatch',
      `${path}: content does not match its pinned sha256`,
      { path: where },
    );
  return file;
}

function checkSignature(raw: unknown, i: number): BundleSignature {
  const where = `signatures[${i}]`;
  if (!isRecord(raw)) throw malformed(`${where} must be an object`, where);
  expectKeys(raw, ['keyId', 'signer', 'signedAt', 'signature'], where);
  const keyId = expectString(raw, 'keyId', where);
  const signature = expectString(raw, 'signature', where);
  if (!KEY_ID.test(keyId))
    throw malformed(`${where}.keyId must be 16 lowercase hex digits`, `${where}.keyId`);
  if (!SIG_HEX.test(signature))
    throw malformed(`${where}.signature must be 128 lowercase hex digits`, `${where}.signature`);
  return {
    keyId,
    signer: expectString(raw, 'signer', where),
    signedAt: expectString(raw, 'signedAt', where),
    signature,
  };
}

/**
 * Parses and checks a bundle's integrity (shape, canonical bytes, file pins, content digest) — not its
 * signatures; `verifyBundle` does that. Throws `BundleError` with a stable code.
 */
export function parseBundle(data: string | Uint8Array): Bundle {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  if (Buffer.byteLength(text, 'utf8') > MAX_BUNDLE_BYTES)
    throw new BundleError('bundle/too-large', `bundle exceeds ${MAX_BUNDLE_BYTES} bytes`);
  if (typeof data !== 'string' && !Buffer.from(text, 'utf8').equals(Buffer.from(data)))
    throw new BundleError('bundle/malformed', 'bundle is not valid UTF-8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw malformed(`bundle is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(raw)) throw malformed('bundle must be a JSON object');
  if (raw.format !== BUNDLE_FORMAT)
    throw malformed(
      `unknown bundle format ${JSON.stringify(raw.format)} (expected ${BUNDLE_FORMAT})`,
      'format',
    );
  expectKeys(raw, ['format', 'digest', 'manifest', 'files', 'signatures'], 'bundle');
  const manifest = checkManifest(raw.manifest);
  if (!isRecord(raw.files)) throw malformed('files must be an object', 'files');
  const files: Record<string, BundleFile> = {};
  for (const [path, file] of Object.entries(raw.files)) files[path] = checkFile(path, file);
  if (!Array.isArray(raw.signatures)) throw malformed('signatures must be a list', 'signatures');
  const signatures = raw.signatures.map((s, i) => checkSignature(s, i));
  const digest = typeof raw.digest === 'string' ? raw.digest : '';
  const bundle: Bundle = { format: BUNDLE_FORMAT, digest, manifest, files, signatures };
  if (serializeBundle(bundle) !== text)
    throw new BundleError(
      'bundle/not-canonical',
      'bundle bytes are not in canonical form (edited by hand or corrupted)',
    );
  const actual = computeBundleDigest(bundle);
  if (actual !== digest)
    throw new BundleError(
      'bundle/digest-mismatch',
      `bundle digest ${digest || '(none)'} does not match its content (${actual})`,
      {
        path: 'digest',
      },
    );
  return bundle;
}

/** Texts of the bundle's UTF-8 files, by path, in sorted order. */
export function bundleTexts(bundle: Bundle): { path: string; text: string }[] {
  return Object.keys(bundle.files)
    .sort()
    .filter((p) => (bundle.files[p] as BundleFile).encoding === 'utf8')
    .map((path) => ({ path, text: (bundle.files[path] as BundleFile).content }));
}
