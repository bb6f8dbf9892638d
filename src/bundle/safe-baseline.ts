/**
 * The safe baseline: the most conservative policy, always available, that rollback and failures fall
 * back to. It is an ordinary policy compiled by the engine, so its decisions look like any other
 * (rule ids, messages, decision records): every tool call is denied, nothing is persisted, only the
 * standard capability tier may be routed to, and plain input and output pass (there is no detector
 * it could rely on while the real bundle is unavailable).
 */

import { compilePolicy } from '../engine/compile-policy.js';
import type { CompiledPolicy } from '../engine/compiled-policy.js';
import { parsePolicyFiles } from '../policy/parse-policy-files.js';
import type { PolicySource } from '../policy/policy-document.js';
import { sha256Hex } from './bundle-format.js';

/** The safe baseline's policy text. */
export const SAFE_BASELINE_YAML = `apiVersion: rampart.dev/v1
kind: Policy
metadata:
  name: rampart-safe-baseline
  owner: rampart
  version: 0.0.0-safe
  description: Fallback when no verified bundle is active; denies tools and persistence and anything above the standard tier.
riskClasses: [low, medium, high, critical]
defaults:
  input: allow
  route: allow
  tool: deny
  output: allow
  persist: deny
  onError: deny
rules:
  - id: safe-baseline.no-tools
    point: tool
    effect: deny
    risk: critical
    reason: safe baseline active - every tool call is refused
    message: That action is unavailable right now. Please try again later.
  - id: safe-baseline.no-persist
    point: persist
    effect: deny
    risk: high
    reason: safe baseline active - nothing is stored
    message: This can't be saved right now.
  - id: safe-baseline.standard-tier-only
    point: route
    when: has(route.tier) && route.tier != "standard"
    effect: deny
    risk: high
    reason: safe baseline active - only the standard capability tier is allowed
    message: That capability is unavailable right now.
`;

/** Digest that identifies the safe baseline in decision records and activation history. */
export const SAFE_BASELINE_DIGEST = `sha256:${sha256Hex(SAFE_BASELINE_YAML)}`;

/** The safe baseline as a policy source (parsed by the normal loader). */
export function safeBaselinePolicy(): PolicySource {
  const source = parsePolicyFiles([{ path: 'rampart-safe-baseline.yaml', text: SAFE_BASELINE_YAML }]);
  source.digest = SAFE_BASELINE_DIGEST;
  return source;
}

let compiled: CompiledPolicy | undefined;

/** The compiled safe baseline (compiled once; it is immutable). */
export function compiledSafeBaseline(): CompiledPolicy {
  compiled ??= compilePolicy(safeBaselinePolicy(), { digest: SAFE_BASELINE_DIGEST });
  return compiled;
}
