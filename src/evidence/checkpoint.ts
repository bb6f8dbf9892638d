/**
 * Signed checkpoints: an ed25519 signature over the tail of a stream (periodic) or over what a purge
 * removed, so that truncation, rewriting of a whole chain, and purges can all be told apart.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json.js';
import { EvidenceError } from './errors.js';

/** File names of the checkpoint key pair inside a store directory. */
export const CHECKPOINT_KEY_FILE = 'checkpoint-key.pem';
/** The public half, which `verify` trusts. */
export const CHECKPOINT_PUBLIC_KEY_FILE = 'checkpoint-key.pub.pem';

/** A signed statement about a stream. */
export interface Checkpoint {
  stream: string;
  /** `periodic`: the stream reached `seq` with `hash`. `purge`: records were removed by retention. */
  kind: 'periodic' | 'purge';
  seq: number;
  hash: string;
  time: string;
  /** For purges: inclusive seq ranges whose bodies were removed. */
  purged?: [number, number][];
  /** For purges: records up to and including this seq may be absent; the chain resumes after `base.hash`. */
  base?: { seq: number; hash: string };
  /** sha256 of the signer's public key (hex, first 16 chars). */
  keyId: string;
  /** base64 ed25519 signature over the canonical JSON of the other members. */
  signature: string;
}

/** A signing key and its id. */
export interface CheckpointSigner {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Wraps a private key as a signer. */
export function signerFromKey(privateKey: KeyObject): CheckpointSigner {
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** A fresh in-memory signer (tests, stdout and memory sinks). */
export function generateSigner(): CheckpointSigner {
  return signerFromKey(generateKeyPairSync('ed25519').privateKey);
}

/** Loads `<dir>/checkpoint-key.pem`, creating the key pair (mode 0600) when absent. */
export function loadSigner(dir: string): CheckpointSigner {
  const path = join(dir, CHECKPOINT_KEY_FILE);
  try {
    return signerFromKey(createPrivateKey(readFileSync(path, 'utf8')));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new EvidenceError('evidence/bad-key', `cannot read checkpoint key ${path}`, path);
  }
  mkdirSync(dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  try {
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    writeFileSync(join(dir, CHECKPOINT_PUBLIC_KEY_FILE), publicKey.export({ type: 'spki', format: 'pem' }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      return signerFromKey(createPrivateKey(readFileSync(path, 'utf8')));
    throw e;
  }
  return signerFromKey(privateKey);
}

/** Reads a trusted public key (PEM) for verification. */
export function loadPublicKey(path: string): KeyObject {
  try {
    return createPublicKey(readFileSync(path, 'utf8'));
  } catch {
    throw new EvidenceError('evidence/bad-key', `cannot read public key ${path}`, path);
  }
}

/** Signs a checkpoint body. */
export function signCheckpoint(
  signer: CheckpointSigner,
  body: Omit<Checkpoint, 'keyId' | 'signature'>,
): Checkpoint {
  const unsigned = { ...body, keyId: signer.keyId };
  const signature = sign(null, Buffer.from(canonicalJson(unsigned)), signer.privateKey).toString('base64');
  return { ...unsigned, signature };
}

/** True when the checkpoint was signed by `publicKey` and not changed since. */
export function checkpointValid(cp: Checkpoint, publicKey: KeyObject): boolean {
  const { signature, ...unsigned } = cp;
  try {
    return verify(null, Buffer.from(canonicalJson(unsigned)), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
