/** Assembles a bundle from source files (pure: the caller reads the files and supplies the clock). */
import {
  BUNDLE_FORMAT,
  type Bundle,
  type BundleFile,
  bundleTexts,
  computeBundleDigest,
  isSafeBundlePath,
  makeBundleFile,
} from './bundle-format.js';
import { BundleError } from './errors.js';
import { findLoosening } from './loosening.js';
import { readPolicyView } from './policy-view.js';

/** What a build needs. */
export interface CreateBundleInput {
  files: { path: string; bytes: Uint8Array }[];
  changelog: string;
  /** Directory of the policy inside `files` (`''` for the root). */
  entry?: string;
  /** Defaults to the policy's `metadata.name`. */
  name?: string;
  /** Defaults to the policy's `metadata.version`. */
  version?: string;
  /** The bundle this one replaces; its digest becomes `manifest.parent` and loosening is computed against it. */
  parent?: Bundle;
  createdAt: Date;
  builder: string;
  sourceCommit?: string | null;
}

const VERSION = /^(?:\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?|\d{4}\.\d{2}\.\d{2}(?:-\d+)?)$/;

/** True for a semantic (`1.2.0`, `1.2.0-rc.1`) or date (`2026.11.25-1`) version. */
export function isBundleVersion(version: string): boolean {
  return VERSION.test(version);
}

/** Builds an unsigned bundle; throws `BundleError` when the manifest would be incomplete. */
export function createBundle(input: CreateBundleInput): Bundle {
  if (input.changelog.trim() === '')
    throw new BundleError(
      'bundle/missing-changelog',
      'a changelog entry saying what changed and why is required',
    );
  const files: Record<string, BundleFile> = {};
  for (const f of [...input.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (!isSafeBundlePath(f.path))
      throw new BundleError('bundle/unsafe-path', `unsafe file path ${JSON.stringify(f.path)}`);
    files[f.path] = makeBundleFile(f.bytes);
  }
  const draft: Bundle = {
    format: BUNDLE_FORMAT,
    digest: '',
    manifest: {
      name: '',
      version: '',
      entry: input.entry ?? '',
      parent: input.parent?.digest ?? null,
      changelog: input.changelog.trim(),
      loosening: [],
      createdAt: input.createdAt.toISOString(),
      builder: input.builder,
      sourceCommit: input.sourceCommit ?? null,
    },
    files,
    signatures: [],
  };
  const view = readPolicyView(bundleTexts(draft));
  const name = input.name ?? view.name;
  const version = input.version ?? view.version;
  if (!name)
    throw new BundleError(
      'bundle/malformed',
      'bundle needs a name: set metadata.name in the policy or pass --name',
    );
  if (!VERSION.test(version))
    throw new BundleError(
      'bundle/malformed',
      `version ${JSON.stringify(version)} must be semantic (1.2.0) or a date (2026.11.25-1); set metadata.version or pass --version`,
    );
  draft.manifest.name = name;
  draft.manifest.version = version;
  if (input.parent) draft.manifest.loosening = findLoosening(readPolicyView(bundleTexts(input.parent)), view);
  draft.digest = computeBundleDigest(draft);
  return draft;
}
