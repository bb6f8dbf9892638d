import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { casbinEngine } from '../../bench/engine/peers/casbin.js';
import { cedarPlain, cedarPolicyText, cedarPreparsed } from '../../bench/engine/peers/cedar.js';
import { cerbosPolicyYaml } from '../../bench/engine/peers/cerbos.js';
import { rampartEngine, rampartPolicyYaml } from '../../bench/engine/peers/rampart.js';
import type { SyncEngine } from '../../bench/engine/peers/types.js';
import { expectedDecision, generateRequests, generateRules } from '../../bench/engine/scenario.js';

const engines: { name: string; build: (rules: ReturnType<typeof generateRules>) => Promise<SyncEngine> }[] = [
  { name: 'rampart', build: async (rules) => rampartEngine(rules) },
  { name: 'cedar-wasm (preparsed)', build: cedarPreparsed },
  { name: 'cedar-wasm (isAuthorized)', build: cedarPlain },
  { name: 'casbin', build: casbinEngine },
];

describe('engine benchmark scenario', () => {
  it('generates requests that mix allow and deny for every size', () => {
    for (const n of [10, 100]) {
      const rules = generateRules(n);
      const byTool = new Map(rules.map((r) => [r.tool, r]));
      const decisions = generateRequests(rules, 200, 7).map((r) => expectedDecision(byTool, r));
      const allows = decisions.filter(Boolean).length;
      expect(allows).toBeGreaterThan(40);
      expect(allows).toBeLessThan(160);
    }
  });

  it('is deterministic for a seed', () => {
    const rules = generateRules(10);
    expect(generateRequests(rules, 20, 3)).toEqual(generateRequests(rules, 20, 3));
    expect(generateRequests(rules, 20, 3)).not.toEqual(generateRequests(rules, 20, 4));
  });

  it('denies a request for a tool no rule names', () => {
    const rules = generateRules(10);
    const byTool = new Map(rules.map((r) => [r.tool, r]));
    const [req] = generateRequests(rules, 1, 1);
    expect(req).toBeDefined();
    if (!req) return;
    expect(expectedDecision(byTool, { ...req, tool: { ...req.tool, name: 'claims.unknown' } })).toBe(false);
  });
});

// The Cerbos server itself only runs in `npm run bench:engine`; here its policy text is checked.
describe('peer policy text', () => {
  it('gives Cerbos one rule per generated rule with role, action and condition', () => {
    const rules = generateRules(7);
    const doc = parseYaml(cerbosPolicyYaml('claim_7', rules)) as {
      resourcePolicy: {
        resource: string;
        rules: { actions: string[]; roles: string[]; condition: { match: { expr: string } } }[];
      };
    };
    expect(doc.resourcePolicy.resource).toBe('claim_7');
    expect(doc.resourcePolicy.rules).toHaveLength(7);
    const third = doc.resourcePolicy.rules[2];
    expect(third?.actions).toEqual([rules[2]?.tool]);
    expect(third?.roles).toEqual([rules[2]?.role]);
    expect(third?.condition.match.expr).toContain(`<= ${rules[2]?.limit}.0`);
  });

  it('gives Cedar one permit per generated rule', () => {
    expect(cedarPolicyText(generateRules(7)).match(/^permit /gm)).toHaveLength(7);
  });
});

describe('rampart side of the scenario', () => {
  it('writes one declared tool and one rule per generated rule', () => {
    const yaml = rampartPolicyYaml(generateRules(3));
    expect(yaml.match(/^ {2}claims\.op_\d+:$/gm)).toHaveLength(3);
    expect(yaml.match(/^ {2}- id: r\d+$/gm)).toHaveLength(3);
  });

  it('denies a tool the policy does not declare', async () => {
    const rules = generateRules(10);
    const engine = await engines[0]?.build(rules);
    const [req] = generateRequests(rules, 1, 1);
    if (!engine || !req) throw new Error('setup');
    const unknown = { ...req, tool: { ...req.tool, name: 'claims.unknown' } };
    expect(engine.decide(engine.prepare(unknown))).toBe(false);
  });
});

describe.each(engines)('$name agrees with the scenario', ({ build }) => {
  it.each([10, 50])('on %i rules', async (n) => {
    const rules = generateRules(n);
    const byTool = new Map(rules.map((r) => [r.tool, r]));
    const requests = generateRequests(rules, 80, 11 + n);
    const engine = await build(rules);
    const got = requests.map((r) => engine.decide(engine.prepare(r)));
    expect(got).toEqual(requests.map((r) => expectedDecision(byTool, r)));
  });
});
