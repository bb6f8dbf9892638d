/**
 * Staged rollout: which policy decides a request. Allowlisted principals and tenants first, then
 * named cohorts (`context.cohort`), then a stable hash of the tenant or principal into a percentage,
 * so a given tenant stays in (or out of) the rollout for the whole stage and across processes.
 */
import { createHash } from 'node:crypto';
import type { DecisionRequest } from '../policy/types.js';
import { BundleError } from './errors.js';

/** One stage of a rollout: a candidate policy and who gets it. */
export interface RolloutStage<P> {
  /** Cohort name written on decision records for requests this stage picks. */
  name: string;
  policy: P;
  /** 0–100, may be fractional (resolution 0.01%). */
  percent?: number;
  /** What the percentage hashes; defaults to `tenant`. Requests without that field are not hashed in. */
  hashBy?: 'tenant' | 'principal';
  /** Named cohorts (matched against `context.cohort`). */
  cohorts?: string[];
  tenants?: string[];
  principals?: string[];
}

/** The whole plan: the stable policy and the candidate stages, first match wins. */
export interface RolloutPlan<P> {
  stable: P;
  /** Salt for hashing; change it to reshuffle who falls into the percentage. */
  salt: string;
  stages: RolloutStage<P>[];
}

/** The policy picked for a request and the cohort to record. */
export interface RolloutChoice<P> {
  policy: P;
  cohort: string;
  /** Why: `principal`, `tenant`, `cohort`, `percent`, or `stable`. */
  via: 'principal' | 'tenant' | 'cohort' | 'percent' | 'stable';
}

/** Stable bucket in [0, 10000) for a key: the first 4 bytes of sha256(salt ":" key), modulo 10000. */
export function cohortBucket(key: string, salt: string): number {
  return createHash('sha256').update(`${salt}:${key}`).digest().readUInt32BE(0) % 10_000;
}

/** Checks a plan; throws `rollout/invalid` for percentages outside 0–100 or unnamed stages. */
export function validateRolloutPlan<P>(plan: RolloutPlan<P>): RolloutPlan<P> {
  const names = new Set<string>();
  for (const [i, s] of plan.stages.entries()) {
    if (!s.name || s.name === 'stable')
      throw new BundleError('rollout/invalid', `stage ${i} needs a name other than "stable"`);
    if (names.has(s.name)) throw new BundleError('rollout/invalid', `duplicate stage name ${s.name}`);
    names.add(s.name);
    if (s.percent !== undefined && !(s.percent >= 0 && s.percent <= 100))
      throw new BundleError('rollout/invalid', `stage ${s.name}: percent must be between 0 and 100`);
  }
  return plan;
}

/** Picks the policy for a request (pure and deterministic). */
export function selectPolicy<P>(plan: RolloutPlan<P>, request: DecisionRequest): RolloutChoice<P> {
  const principal = request.principal?.id;
  const tenant = request.principal?.tenant ?? request.resource?.tenant;
  const cohort = request.context?.cohort;
  for (const s of plan.stages) {
    if (principal !== undefined && s.principals?.includes(principal))
      return { policy: s.policy, cohort: s.name, via: 'principal' };
    if (tenant !== undefined && s.tenants?.includes(tenant))
      return { policy: s.policy, cohort: s.name, via: 'tenant' };
    if (cohort !== undefined && s.cohorts?.includes(cohort))
      return { policy: s.policy, cohort: s.name, via: 'cohort' };
    if (s.percent !== undefined && s.percent > 0) {
      const key = (s.hashBy ?? 'tenant') === 'tenant' ? tenant : principal;
      if (key !== undefined && cohortBucket(key, plan.salt) < Math.round(s.percent * 100))
        return { policy: s.policy, cohort: s.name, via: 'percent' };
    }
  }
  return { policy: plan.stable, cohort: 'stable', via: 'stable' };
}
