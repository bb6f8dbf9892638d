// Policy-like CEL conditions and the request contexts they run against, with a hand-written JS
// equivalent of each condition used both as the correctness reference and as the speed ceiling.

/** One finding of a detector, as rules see it under `findings.<detector>`. */
export interface CelFinding {
  type: string;
  start: number;
  end: number;
  score: number;
  detector: string;
}

/** The variables a tool-point condition sees. */
export interface CelContext {
  principal: { id: string; roles: string[]; tenant: string };
  resource: { kind: string; id: string; ownerId: string };
  tool: { name: string; args: { claimId: string; amount: number } };
  findings: { pii: CelFinding[] };
}

/** The conditions measured: named, with their CEL text. */
export const CEL_EXPRESSIONS: { name: string; expr: string }[] = [
  {
    name: 'three-clause',
    expr: '"adjuster" in principal.roles && resource.ownerId == principal.id && tool.args.amount <= 1000.0',
  },
  {
    name: 'exists',
    expr: 'findings.pii.exists(f, f.type == "US_SSN" && f.score >= 0.8)',
  },
  {
    name: 'three-clause + exists',
    expr:
      '"adjuster" in principal.roles && resource.ownerId == principal.id && tool.args.amount <= 1000.0' +
      ' && !findings.pii.exists(f, f.type == "US_SSN" && f.score >= 0.8)',
  },
];

/** Hand-written equivalents of CEL_EXPRESSIONS, keyed by name. */
export const nativeConditions: Record<string, (c: CelContext) => boolean> = {
  'three-clause': (c) =>
    c.principal.roles.includes('adjuster') &&
    c.resource.ownerId === c.principal.id &&
    c.tool.args.amount <= 1000,
  exists: (c) => c.findings.pii.some((f) => f.type === 'US_SSN' && f.score >= 0.8),
  'three-clause + exists': (c) =>
    c.principal.roles.includes('adjuster') &&
    c.resource.ownerId === c.principal.id &&
    c.tool.args.amount <= 1000 &&
    !c.findings.pii.some((f) => f.type === 'US_SSN' && f.score >= 0.8),
};

/** Deterministic contexts that mix matching and non-matching requests for every condition. */
export function celContexts(n: number): CelContext[] {
  const roleSets = [['adjuster'], ['customer'], ['adjuster', 'supervisor'], ['supervisor', 'auditor']];
  const piiTypes = ['EMAIL', 'PHONE', 'US_SSN', 'CREDIT_CARD'];
  const out: CelContext[] = [];
  for (let i = 0; i < n; i++) {
    const id = `u-${i % 7}`;
    const findings: CelFinding[] = [];
    for (let k = 0; k < i % 4; k++) {
      findings.push({
        type: piiTypes[(i + k) % piiTypes.length] ?? 'EMAIL',
        start: k * 10,
        end: k * 10 + 9,
        score: ((i * 13 + k * 7) % 10) / 10 + 0.05,
        detector: 'pii',
      });
    }
    out.push({
      principal: { id, roles: roleSets[i % roleSets.length] ?? [], tenant: 'acme' },
      resource: {
        kind: 'claim',
        id: `CLM-${String(i).padStart(8, '0')}`,
        ownerId: i % 3 === 0 ? 'u-other' : id,
      },
      tool: {
        name: 'claims.lookup',
        args: { claimId: `CLM-${String(i).padStart(8, '0')}`, amount: (i * 137) % 2000 },
      },
      findings: { pii: findings },
    });
  }
  return out;
}
