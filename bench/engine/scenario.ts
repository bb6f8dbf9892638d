// The engine benchmark's authorization scenario: claims tool gating with role, ownership and amount
// conditions. N tools, one rule each; a request names one tool, so a realistic decision touches one rule.

/** Roles the rules require, assigned round-robin to tools. */
export const ROLES = ['adjuster', 'supervisor', 'auditor', 'clerk', 'manager'] as const;

/** One generated rule: principals with `role` may call `tool` on resources they own up to `limit`. */
export interface BenchRule {
  index: number;
  tool: string;
  role: string;
  /** Inclusive upper bound on `tool.args.amount`, a whole number so every engine can compare it exactly. */
  limit: number;
}

/** A request in Rampart's shape (DESIGN.md) at the tool point. */
export interface BenchRequest {
  principal: { id: string; roles: string[]; tenant: string };
  context: { route: string };
  resource: { kind: string; id: string; ownerId: string };
  tool: { name: string; args: { claimId: string; amount: number } };
}

/** The rules of a policy of `n` rules. */
export function generateRules(n: number): BenchRule[] {
  const rules: BenchRule[] = [];
  for (let i = 0; i < n; i++) {
    rules.push({
      index: i,
      tool: `claims.op_${i}`,
      role: ROLES[i % ROLES.length] ?? 'adjuster',
      limit: 500 * (1 + (i % 8)),
    });
  }
  return rules;
}

// mulberry32: a tiny seeded PRNG so every run and every engine sees the same requests.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` requests against `rules`, about half allowed: each request picks a tool at random and
 * independently has the required role (80 %), owns the claim (80 %) and stays within the limit (~75 %).
 */
export function generateRequests(rules: BenchRule[], count: number, seed = 42): BenchRequest[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const out: BenchRequest[] = [];
  for (let k = 0; k < count; k++) {
    const rule = pick(rules);
    const id = `u-${Math.floor(rand() * 50)}`;
    const other = ROLES.filter((r) => r !== rule.role);
    const roles = rand() < 0.8 ? [rule.role] : [pick(other)];
    if (rand() < 0.3) {
      const extra = pick(other);
      if (!roles.includes(extra)) roles.push(extra);
    }
    const claimId = `CLM-${String(Math.floor(rand() * 1e8)).padStart(8, '0')}`;
    const withinLimit = rand() < 0.75;
    const amount = withinLimit
      ? Math.floor(rand() * (rule.limit + 1))
      : rule.limit + 1 + Math.floor(rand() * 2000);
    out.push({
      principal: { id, roles, tenant: 'acme' },
      context: { route: 'staff-console' },
      resource: {
        kind: 'claim',
        id: claimId,
        ownerId: rand() < 0.8 ? id : `u-${50 + Math.floor(rand() * 50)}`,
      },
      tool: { name: rule.tool, args: { claimId, amount } },
    });
  }
  return out;
}

/** The decision every engine must reach: allowed exactly when one rule's three conditions all hold. */
export function expectedDecision(rules: Map<string, BenchRule>, req: BenchRequest): boolean {
  const rule = rules.get(req.tool.name);
  if (!rule) return false;
  return (
    req.principal.roles.includes(rule.role) &&
    req.resource.ownerId === req.principal.id &&
    req.tool.args.amount <= rule.limit
  );
}
