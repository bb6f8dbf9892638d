/**
 * The one-call way to get a decision-ready policy from disk: read the directory, compile with RE2
 * for every `pattern` and the built-in detectors.
 */
import RE2 from 're2';
import { type CompileOptions, compilePolicy } from '../engine/compile-policy.js';
import type { CompiledPolicy } from '../engine/compiled-policy.js';
import type { RegexEngine } from '../engine/tool-params.js';
import type { PolicySource } from '../policy/policy-document.js';
import { defaultDetectors } from './default-detectors.js';
import { type ReadPolicyOptions, readPolicyDir } from './policy-dir.js';

/** RE2-backed regex engine: linear time, no backreferences or lookaround. */
export const re2Engine: RegexEngine = (source, flags) =>
  new RE2(source, flags?.replace(/[^imsu]/g, '') || 'u');

/** Options for `loadPolicy`. */
export interface LoadPolicyOptions extends ReadPolicyOptions, Omit<CompileOptions, 'regex'> {}

/** Compiles an already-read policy source with the default regex engine and detectors. */
export function compileWithDefaults(
  source: PolicySource,
  options: Omit<CompileOptions, 'regex'> = {},
): CompiledPolicy {
  return compilePolicy(source, {
    ...detectorOption(options.detectors ?? defaultDetectors()),
    regex: re2Engine,
    ...(options.digest ? { digest: options.digest } : {}),
  });
}

/** Reads and compiles the policy at `dir`; throws `PolicyLoadError` with located diagnostics. */
export async function loadPolicy(dir: string, options: LoadPolicyOptions = {}): Promise<CompiledPolicy> {
  return compileWithDefaults(await readPolicyDir(dir, options), options);
}

function detectorOption(registry: CompileOptions['detectors']): Pick<CompileOptions, 'detectors'> {
  return registry ? { detectors: registry } : {};
}
