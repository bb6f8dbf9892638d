/** Builds the harness's view of a policy from the engine's compiled policy. */
import { readFile, stat } from 'node:fs/promises';
import { parseBundle } from '../bundle/bundle-format.js';
import { compileBundle } from '../bundle/bundle-policy.js';
import { compileWithDefaults } from '../bundle/load-policy.js';
import { readPolicyDir } from '../bundle/policy-dir.js';
import type { CompiledPolicy } from '../engine/index.js';
import { decide } from '../engine/index.js';
import type { PolicyUnderTest } from './policy-under-test.js';

/** Wraps a compiled policy; every decision carries the explain trace. */
export function policyUnderTest(compiled: CompiledPolicy): PolicyUnderTest {
  const thresholds = Object.values(compiled.detectors)
    .map((d) => d.threshold)
    .filter((t): t is number => typeof t === 'number');
  return {
    name: compiled.name,
    version: compiled.version,
    digest: compiled.digest,
    rules: compiled.rules.map((r) => ({
      id: r.id,
      point: r.point,
      effect: r.effect,
      obligations: r.obligations.map((o) => o.type),
      file: r.loc.file,
      line: r.loc.line,
    })),
    tools: Object.keys(compiled.tools).sort(),
    thresholds,
    decide: (point, request) => decide(compiled, point, request, { explain: true }),
  };
}

/** Reads, compiles (RE2 patterns, built-in detectors) and wraps the policy in `dir`. */
export async function loadPolicyUnderTest(dir: string): Promise<PolicyUnderTest> {
  return policyUnderTest(compileWithDefaults(await readPolicyDir(dir)));
}

/**
 * Loads a policy from a directory or a bundle file. The bundle's signatures are not checked here:
 * replay and diff analyse a candidate, they do not enforce it.
 */
export async function loadPolicyUnderTestFrom(target: string): Promise<PolicyUnderTest> {
  const info = await stat(target);
  if (info.isDirectory()) return loadPolicyUnderTest(target);
  return policyUnderTest(compileBundle(parseBundle(await readFile(target))));
}
