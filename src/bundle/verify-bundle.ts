/**
 * Verifies a bundle against trusted governance: integrity (via `parseBundle`), every signature valid
 * and by a listed, unrevoked approver, at least k distinct approvers, and the higher k when the bundle
 * loosens high-risk rules. When the parent bundle is at hand its loosening is recomputed, so a
 * bundle cannot understate what it loosens.
 */
import { type Bundle, bundleTexts, parseBundle, signaturePayload } from './bundle-format.js';
import { BundleError } from './errors.js';
import { type Governance, isRevoked } from './governance.js';
import { verifyBytes } from './keys.js';
import { findLoosening } from './loosening.js';
import { readPolicyView } from './policy-view.js';

/** What verification proved. */
export interface VerifiedBundle {
  bundle: Bundle;
  digest: string;
  /** Approver ids whose signatures counted. */
  approvers: string[];
  /** Signatures needed (k) for this bundle. */
  required: number;
  loosening: string[];
}

/** Inputs beyond the bundle. */
export interface VerifyOptions {
  governance: Governance;
  /** The parent bundle, when available, to recompute loosening. */
  parent?: Bundle;
}

/** Verifies bytes or an already parsed bundle; throws `BundleError` with a stable code on refusal. */
export function verifyBundle(input: string | Uint8Array | Bundle, options: VerifyOptions): VerifiedBundle {
  const bundle = typeof input === 'string' || input instanceof Uint8Array ? parseBundle(input) : input;
  const { governance } = options;
  let loosening = bundle.manifest.loosening;
  if (options.parent && options.parent.digest === bundle.manifest.parent) {
    const actual = findLoosening(
      readPolicyView(bundleTexts(options.parent)),
      readPolicyView(bundleTexts(bundle)),
    );
    const undeclared = actual.filter((l) => !bundle.manifest.loosening.includes(l));
    if (undeclared.length > 0)
      throw new BundleError(
        'bundle/loosening-undeclared',
        `bundle loosens high-risk rules without declaring it: ${undeclared.join('; ')}`,
        { path: 'manifest.loosening' },
      );
    loosening = actual;
  }
  const required = loosening.length > 0 ? governance.signatures.loosening : governance.signatures.required;
  if (bundle.signatures.length === 0)
    throw new BundleError(
      'bundle/unsigned',
      `bundle ${bundle.manifest.name}@${bundle.manifest.version} is unsigned (needs ${required} approver signatures)`,
    );
  const approvers = new Set<string>();
  for (const [i, sig] of bundle.signatures.entries()) {
    const where = { path: `signatures[${i}]` };
    if (isRevoked(governance, sig.keyId))
      throw new BundleError(
        'bundle/revoked-key',
        `signature by revoked key ${sig.keyId} (${sig.signer})`,
        where,
      );
    const approver = governance.approvers.find((a) => a.keyId === sig.keyId);
    if (!approver)
      throw new BundleError(
        'bundle/unknown-key',
        `signature by key ${sig.keyId} that is not a governance approver`,
        where,
      );
    if (!verifyBytes(approver.publicKey, signaturePayload(bundle, sig), sig.signature))
      throw new BundleError(
        'bundle/bad-signature',
        `signature by ${approver.id} (${sig.keyId}) does not verify`,
        where,
      );
    approvers.add(approver.id);
  }
  if (approvers.size < required) {
    const why = loosening.length > 0 ? ` (it loosens high-risk rules: ${loosening.join('; ')})` : '';
    throw new BundleError(
      'bundle/under-signed',
      `bundle has ${approvers.size} of the ${required} approver signatures it needs${why}`,
    );
  }
  return { bundle, digest: bundle.digest, approvers: [...approvers].sort(), required, loosening };
}
