/** Adds an approver's signature to a bundle (k of n signatures are collected one at a time). */
import {
  type Bundle,
  type BundleSignature,
  parseBundle,
  serializeBundle,
  signaturePayload,
} from './bundle-format.js';
import { type SigningKey, signBytes } from './keys.js';

/** Options for one signature. */
export interface SignOptions {
  /** Approver id as written in governance.yaml. */
  signer: string;
  /** Signing time; injected for tests. */
  now?: Date;
}

/**
 * Returns a copy of the bundle with one more signature. Integrity is checked first (a tampered bundle
 * is never signed); a second signature by the same key replaces the first.
 */
export function signBundle(bundle: Bundle, key: SigningKey, options: SignOptions): Bundle {
  parseBundle(serializeBundle(bundle));
  const claims: Omit<BundleSignature, 'signature'> = {
    keyId: key.keyId,
    signer: options.signer,
    signedAt: (options.now ?? new Date()).toISOString(),
  };
  const signature = signBytes(key, signaturePayload(bundle, claims));
  const others = bundle.signatures.filter((s) => s.keyId !== key.keyId);
  const signatures = [...others, { ...claims, signature }].sort((a, b) => a.keyId.localeCompare(b.keyId));
  return { ...bundle, signatures };
}
