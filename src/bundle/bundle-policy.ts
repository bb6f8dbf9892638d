/**
 * Turns a verified bundle back into a policy: the same layering `readPolicyDir` applies on disk
 * (top-level YAML files of the entry directory, then the baseline it `extends:`), read from the
 * bundle's embedded files instead of the file system, and compiled with the bundle's digest.
 */
import { posix } from 'node:path';
import type { CompiledPolicy } from '../engine/compiled-policy.js';
import { parsePolicyFiles } from '../policy/parse-policy-files.js';
import type { PolicySource } from '../policy/policy-document.js';
import type { SourceFile } from '../policy/yaml-source.js';
import { type Bundle, type BundleFile, fileText } from './bundle-format.js';
import { BundleError } from './errors.js';
import { compileWithDefaults } from './load-policy.js';
import { extendsOfText } from './policy-view.js';

const MAX_EXTENDS_DEPTH = 4;

/** Options for loading a bundle's policy. */
export interface BundlePolicyOptions {
  /** ISO date (YYYY-MM-DD) for judging deviation expiry. */
  today?: string;
}

/** The top-level YAML files of a directory inside the bundle, or the one file when `target` is a file. */
export function bundleLayerFiles(bundle: Bundle, target: string): SourceFile[] {
  const direct = bundle.files[target];
  if (direct && /\.ya?ml$/i.test(target)) return [{ path: target, text: fileText(direct) }];
  const prefix = target === '' ? '' : `${target}/`;
  return Object.keys(bundle.files)
    .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/') && /\.ya?ml$/i.test(p))
    .sort()
    .map((p) => ({ path: p, text: fileText(bundle.files[p] as BundleFile) }));
}

function layerSource(
  bundle: Bundle,
  target: string,
  options: BundlePolicyOptions,
  chain: string[],
): PolicySource {
  if (chain.includes(target) || chain.length > MAX_EXTENDS_DEPTH)
    throw new BundleError(
      'bundle/invalid-policy',
      `\`extends\` cycle or depth over ${MAX_EXTENDS_DEPTH}: ${[...chain, target].join(' → ')}`,
    );
  const files = bundleLayerFiles(bundle, target);
  if (files.length === 0)
    throw new BundleError(
      'bundle/invalid-policy',
      `bundle has no policy files in ${JSON.stringify(target || '.')}`,
    );
  let baseline: PolicySource | undefined;
  const ext = files.map((f) => extendsOfText(f.text)).find((e) => e !== undefined);
  if (ext !== undefined) {
    const from = bundle.files[target] ? posix.dirname(target) : target;
    const resolved = posix.normalize(posix.join(from === '.' ? '' : from, ext)).replace(/\/$/, '');
    if (resolved.startsWith('..') || posix.isAbsolute(resolved))
      throw new BundleError('bundle/invalid-policy', `baseline ${JSON.stringify(ext)} is outside the bundle`);
    baseline = layerSource(bundle, resolved === '.' ? '' : resolved, options, [...chain, target]);
  }
  return parsePolicyFiles(files, {
    ...(baseline ? { baseline } : {}),
    ...(options.today ? { today: options.today } : {}),
  });
}

/** Loads the bundle's policy source; throws `PolicyLoadError` (located) or `BundleError`. */
export function bundlePolicySource(bundle: Bundle, options: BundlePolicyOptions = {}): PolicySource {
  const source = layerSource(bundle, bundle.manifest.entry, options, []);
  source.digest = bundle.digest;
  return source;
}

/**
 * Loads and compiles the bundle's policy with the default detectors and RE2, stamped with the bundle
 * digest and the manifest's name and version (what decision records must name, even when the build
 * overrode `metadata.version`).
 */
export function compileBundle(bundle: Bundle, options: BundlePolicyOptions = {}): CompiledPolicy {
  const compiled = compileWithDefaults(bundlePolicySource(bundle, options), { digest: bundle.digest });
  const { name, version } = bundle.manifest;
  if (compiled.name === name && compiled.version === version) return compiled;
  return Object.freeze({ ...compiled, name, version });
}
