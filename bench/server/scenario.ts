// The server benchmark's load: the engine benchmark's claims tool-gating scenario (bench/engine/scenario.ts),
// one rule per tool, as HTTP request bodies for Rampart's decision API and Cerbos' CheckResources API.
// Both servers get the same (principal, tool, resource, amount) tuples in the same order.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rampartPolicyYaml } from '../engine/peers/rampart.js';
import {
  type BenchRequest,
  type BenchRule,
  expectedDecision,
  generateRequests,
  generateRules,
} from '../engine/scenario.js';

/** One HTTP request of the load, with the decisions it must produce (in order). */
export interface LoadRequest {
  body: string;
  expected: boolean[];
}

/** The load for one server and shape (single decisions or batches). */
export interface Load {
  path: string;
  requests: LoadRequest[];
  /** Decisions per HTTP request (1 for single, the batch size for batches). */
  decisionsPerRequest: number;
}

/** Everything both servers need: the rules, the Rampart policy directory and the request tuples. */
export interface Scenario {
  rules: BenchRule[];
  byTool: Map<string, BenchRule>;
  policyDir: string;
  singles: BenchRequest[];
  batches: BenchRequest[][];
  cerbosKind: string;
}

/**
 * Writes the Rampart policy for `ruleCount` rules into `dir` and generates `count` single requests
 * and `count / batchSize` batches. A batch shares one principal (Cerbos' CheckResources takes one
 * principal and several resources), so each batch takes its principal from its first request.
 */
export function buildScenario(
  dir: string,
  ruleCount: number,
  count: number,
  batchSize: number,
  cerbosKind: string,
): Scenario {
  const rules = generateRules(ruleCount);
  const policyDir = join(dir, 'policy');
  mkdirSync(policyDir, { recursive: true });
  writeFileSync(join(policyDir, 'policy.yaml'), rampartPolicyYaml(rules));
  const singles = generateRequests(rules, count, 42);
  const pool = generateRequests(rules, count, 7);
  const batches: BenchRequest[][] = [];
  for (let i = 0; i + batchSize <= pool.length; i += batchSize) {
    const first = pool[i] as BenchRequest;
    const batch: BenchRequest[] = [];
    for (let j = 0; j < batchSize; j++) {
      const r = pool[i + j] as BenchRequest;
      // Same principal for the whole batch; keep ownership as generated (owned by the original
      // principal stays owned by the batch principal) so about half the decisions are still allows.
      const owned = r.resource.ownerId === r.principal.id;
      batch.push({
        ...r,
        principal: first.principal,
        resource: { ...r.resource, ownerId: owned ? first.principal.id : r.resource.ownerId },
      });
    }
    batches.push(batch);
  }
  return { rules, byTool: new Map(rules.map((r) => [r.tool, r])), policyDir, singles, batches, cerbosKind };
}

/** `POST /v1/decide/tool`, one decision per request. */
export function rampartSingleLoad(s: Scenario): Load {
  return {
    path: '/v1/decide/tool',
    decisionsPerRequest: 1,
    requests: s.singles.map((r) => ({ body: JSON.stringify(r), expected: [expectedDecision(s.byTool, r)] })),
  };
}

/** `POST /v1/decide` with `{requests: [{point, request}, …]}`. */
export function rampartBatchLoad(s: Scenario): Load {
  return {
    path: '/v1/decide',
    decisionsPerRequest: s.batches[0]?.length ?? 0,
    requests: s.batches.map((b) => ({
      body: JSON.stringify({ requests: b.map((request) => ({ point: 'tool', request })) }),
      expected: b.map((r) => expectedDecision(s.byTool, r)),
    })),
  };
}

function cerbosResource(kind: string, r: BenchRequest) {
  return {
    actions: [r.tool.name],
    resource: { kind, id: r.resource.id, attr: { ownerId: r.resource.ownerId, amount: r.tool.args.amount } },
  };
}

function cerbosPrincipal(r: BenchRequest) {
  return { id: r.principal.id, roles: r.principal.roles, attr: { tenant: r.principal.tenant } };
}

/** `POST /api/check/resources` with one resource (one action). */
export function cerbosSingleLoad(s: Scenario): Load {
  return {
    path: '/api/check/resources',
    decisionsPerRequest: 1,
    requests: s.singles.map((r, i) => ({
      body: JSON.stringify({
        requestId: `r${i}`,
        principal: cerbosPrincipal(r),
        resources: [cerbosResource(s.cerbosKind, r)],
      }),
      expected: [expectedDecision(s.byTool, r)],
    })),
  };
}

/** `POST /api/check/resources` with one principal and the batch's resources (one action each). */
export function cerbosBatchLoad(s: Scenario): Load {
  return {
    path: '/api/check/resources',
    decisionsPerRequest: s.batches[0]?.length ?? 0,
    requests: s.batches.map((b, i) => ({
      body: JSON.stringify({
        requestId: `b${i}`,
        principal: cerbosPrincipal(b[0] as BenchRequest),
        resources: b.map((r) => cerbosResource(s.cerbosKind, r)),
      }),
      expected: b.map((r) => expectedDecision(s.byTool, r)),
    })),
  };
}

/** Reads the allow/deny answers out of a Rampart response body (single or batch). */
export function rampartAnswers(json: unknown): boolean[] {
  const j = json as { effect?: string; results?: { decision?: { effect: string } }[] };
  if (j.results) return j.results.map((r) => r.decision?.effect === 'allow');
  return [j.effect === 'allow'];
}

/** Reads the allow/deny answers out of a Cerbos CheckResources response body. */
export function cerbosAnswers(json: unknown): boolean[] {
  const j = json as { results: { actions: Record<string, string> }[] };
  return j.results.map((r) => Object.values(r.actions)[0] === 'EFFECT_ALLOW');
}
