// casbin (node-casbin), in process, ABAC matcher with one policy line per rule. casbin scans policy
// lines in order and evaluates the matcher on each, so cost grows with the number of rules.
import { newEnforcer, newModelFromString } from 'casbin';
import type { BenchRequest, BenchRule } from '../scenario.js';
import type { SyncEngine } from './types.js';

const MODEL = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = role, act, limit

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.act == p.act && hasRole(r.sub.roles, p.role) && r.obj.ownerId == r.sub.id && withinLimit(r.obj.amount, p.limit)
`;

interface CasbinArgs {
  sub: { id: string; roles: string[] };
  obj: { ownerId: string; amount: number };
  act: string;
}

/** casbin with the rules as policy lines. */
export async function casbinEngine(rules: BenchRule[]): Promise<SyncEngine> {
  const enforcer = await newEnforcer(newModelFromString(MODEL));
  await enforcer.addFunction('hasRole', (roles: string[], role: string) => roles.includes(role));
  await enforcer.addFunction('withinLimit', (amount: number, limit: string) => amount <= Number(limit));
  await enforcer.addPolicies(rules.map((r) => [r.role, r.tool, String(r.limit)]));
  return {
    kind: 'sync',
    prepare: (req: BenchRequest): CasbinArgs => ({
      sub: { id: req.principal.id, roles: req.principal.roles },
      obj: { ownerId: req.resource.ownerId, amount: req.tool.args.amount },
      act: req.tool.name,
    }),
    decide: (p) => {
      const a = p as CasbinArgs;
      return enforcer.enforceSync(a.sub, a.obj, a.act);
    },
  };
}
