import { describe, expect, it } from 'vitest';
import { casbinEngine } from '../../bench/engine/peers/casbin.js';
import { cedarPlain, cedarPreparsed } from '../../bench/engine/peers/cedar.js';
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
  it.each([10, 100])('on %i rules', async (n) => {
    const rules = generateRules(n);
    const byTool = new Map(rules.map((r) => [r.tool, r]));
    const requests = generateRequests(rules, 100, 11 + n);
    const engine = await build(rules);
    const got = requests.map((r) => engine.decide(engine.prepare(r)));
    expect(got).toEqual(requests.map((r) => expectedDecision(byTool, r)));
  });
});
