/**
 * `rampart build` as a library call: read the policy directory and its baselines, assemble the
 * bundle, and compile it to prove it is valid before anyone signs it.
 */
import { userInfo } from 'node:os';
import type { CompiledPolicy } from '../engine/compiled-policy.js';
import type { Bundle } from './bundle-format.js';
import { compileBundle } from './bundle-policy.js';
import { collectSourceFiles, sourceCommitOf } from './collect-sources.js';
import { createBundle } from './create-bundle.js';

/**
 * A check run on the compiled candidate before the bundle is written; returns failures (empty = pass).
 * The CLI plugs the incident-regression runner in here so a bundle whose incident cases fail is refused.
 */
export type BuildCheck = (dir: string, compiled: CompiledPolicy, bundle: Bundle) => Promise<string[]>;

/** Options of `buildBundle`. */
export interface BuildOptions {
  changelog: string;
  name?: string;
  version?: string;
  parent?: Bundle;
  builder?: string;
  now?: Date;
  /** Checks that must pass (e.g. incident cases); any failure refuses the build. */
  checks?: BuildCheck[];
}

/** What a build produced. */
export interface BuildResult {
  bundle: Bundle;
  compiled: CompiledPolicy;
  /** Failures reported by `checks`; the bundle must not be written when non-empty. */
  failures: string[];
}

function defaultBuilder(): string {
  try {
    return `${userInfo().username} (rampart)`;
  } catch {
    return 'rampart';
  }
}

/** Builds an unsigned bundle from `dir`; throws `PolicyLoadError` (located) when the policy does not compile. */
export async function buildBundle(dir: string, options: BuildOptions): Promise<BuildResult> {
  const sources = await collectSourceFiles(dir);
  const bundle = createBundle({
    files: sources.files,
    entry: sources.entry,
    changelog: options.changelog,
    ...(options.name ? { name: options.name } : {}),
    ...(options.version ? { version: options.version } : {}),
    ...(options.parent ? { parent: options.parent } : {}),
    createdAt: options.now ?? new Date(),
    builder: options.builder ?? defaultBuilder(),
    sourceCommit: sourceCommitOf(sources.layers[0] as string),
  });
  const compiled = compileBundle(bundle);
  const failures: string[] = [];
  for (const check of options.checks ?? []) failures.push(...(await check(dir, compiled, bundle)));
  return { bundle, compiled, failures };
}
