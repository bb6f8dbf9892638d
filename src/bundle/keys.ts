/**
 * ed25519 keys as Rampart writes them: public keys as `ed25519:<64 hex digits>` (the raw 32-byte key,
 * easy to paste into governance.yaml and to compare), private keys as PKCS#8 PEM.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { sha256Hex } from './bundle-format.js';
import { BundleError } from './errors.js';

const PUBLIC_KEY = /^ed25519:([0-9a-f]{64})$/;

/** A freshly generated key pair. */
export interface GeneratedKey {
  /** PKCS#8 PEM; keep it secret. */
  privateKeyPem: string;
  /** `ed25519:<hex>`, for governance.yaml. */
  publicKey: string;
  keyId: string;
}

/** A private key ready to sign with. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: string;
  keyId: string;
}

/** The key id of a public key: first 16 hex digits of sha256 over the raw 32 bytes. */
export function keyIdOf(publicKey: string): string {
  const m = PUBLIC_KEY.exec(publicKey);
  if (!m) throw new BundleError('key/invalid', 'public key must look like ed25519:<64 lowercase hex digits>');
  return sha256Hex(Buffer.from(m[1] as string, 'hex')).slice(0, 16);
}

/** True when the text is a well-formed public key. */
export function isPublicKeyText(text: string): boolean {
  return PUBLIC_KEY.test(text);
}

function publicKeyText(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string')
    throw new BundleError('key/invalid', 'not an ed25519 key');
  return `ed25519:${Buffer.from(jwk.x, 'base64url').toString('hex')}`;
}

/** Generates a new ed25519 key pair. */
export function generateSigningKey(): GeneratedKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = publicKeyText(publicKey);
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKey: pub,
    keyId: keyIdOf(pub),
  };
}

/** Reads a PKCS#8 PEM private key; throws `key/invalid` for anything else. */
export function loadSigningKey(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new BundleError('key/invalid', 'not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new BundleError('key/invalid', 'private key is not ed25519');
  const publicKey = publicKeyText(createPublicKey(privateKey));
  return { privateKey, publicKey, keyId: keyIdOf(publicKey) };
}

/** Turns `ed25519:<hex>` into a verification key. */
export function importPublicKey(publicKey: string): KeyObject {
  const m = PUBLIC_KEY.exec(publicKey);
  if (!m) throw new BundleError('key/invalid', 'public key must look like ed25519:<64 lowercase hex digits>');
  const x = Buffer.from(m[1] as string, 'hex').toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
}

/** Signs bytes; returns lowercase hex. */
export function signBytes(key: SigningKey, payload: Uint8Array): string {
  return sign(null, payload, key.privateKey).toString('hex');
}

/** Checks an ed25519 signature (hex) over bytes; never throws. */
export function verifyBytes(publicKey: string, payload: Uint8Array, signatureHex: string): boolean {
  try {
    return verify(null, payload, importPublicKey(publicKey), Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}
