/**
 * The rule index must be exact: skipping rules by their discriminators (tool name, route, role) and
 * evaluating only the residual conditions gives the same matches as evaluating every rule in full.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/bundle/load-policy.js';
import { type CompiledPolicy, decide } from '../../src/engine/index.js';
import type { DecisionRequest, Point } from '../../src/policy/types.js';

let policy: CompiledPolicy;
beforeAll(async () => {
  policy = await loadPolicy('examples/claims-assistant');
});

const ROLES = ['customer', 'adjuster', 'supervisor', 'service', 'auditor'];
const ROUTES = ['customer-chat', 'staff-console', 'batch', 'partner-api'];
const SCOPES = ['claims:read', 'claims:write', 'payments:write', 'email:send', 'policy:write', 'crm:export'];

const principal = fc.record({
  id: fc.constantFrom('c-1', 'c-2', 's-10'),
  roles: fc.subarray(ROLES),
  tenant: fc.constantFrom('acme', 'globex'),
  scopes: fc.constant(SCOPES),
  attributes: fc.constantFrom({}, { region: 'eu' }),
});
const context = fc.option(fc.record({ route: fc.constantFrom(...ROUTES) }), { nil: undefined });
const resource = fc.record({
  kind: fc.constant('claim'),
  id: fc.constant('CLM-00000001'),
  ownerId: fc.constantFrom('c-1', 'c-2'),
  tenant: fc.constantFrom('acme', 'globex'),
});
const tool = fc.oneof(
  fc.record({ name: fc.constant('claims.lookup'), args: fc.constant({ claimId: 'CLM-00000001' }) }),
  fc.record({
    name: fc.constant('payments.refund'),
    args: fc.record({ claimId: fc.constant('CLM-00000001'), amount: fc.integer({ min: 1, max: 25000 }) }),
  }),
  fc.record({
    name: fc.constant('claims.update_status'),
    args: fc.record({
      claimId: fc.constant('CLM-00000001'),
      status: fc.constantFrom('open', 'closed_denied'),
    }),
  }),
  fc.record({ name: fc.constant('crm.export'), args: fc.constant({ segment: 'all' }) }),
  fc.record({
    name: fc.constant('policy_admin.change_coverage'),
    args: fc.constant({ policyId: 'POL-00000001', change: 'add_rider' }),
  }),
);
const signals = fc.option(fc.record({ repeated_tool_calls: fc.integer({ min: 0, max: 5 }) }), {
  nil: undefined,
});
const noFindings = { findings: { pii: [], secrets: [], injection: [] } };

/** Evaluates every rule of the point in full, without the index. */
function referenceMatches(point: Point, request: DecisionRequest): { matched: string[]; errored: boolean } {
  const p = request.principal;
  const activation: Record<string, unknown> = {
    principal: { ...p, roles: p.roles ?? [], scopes: p.scopes ?? [], attributes: p.attributes ?? {} },
    context: request.context ?? {},
    resource: request.resource ?? {},
    signals: request.signals ?? {},
    findings: noFindings.findings,
  };
  if (point === 'tool' && request.tool) {
    const info = policy.tools[request.tool.name];
    activation.tool = {
      name: request.tool.name,
      args: request.tool.args ?? {},
      risk: info?.risk,
      scopes: info?.scopes,
    };
  }
  if (point === 'route') activation.route = request.route;
  const matched: string[] = [];
  let errored = false;
  for (const rule of policy.rules.filter((r) => r.point === point)) {
    if (!rule.condition) {
      matched.push(rule.id);
      continue;
    }
    try {
      if (rule.condition(activation) === true) matched.push(rule.id);
    } catch {
      errored = true;
    }
  }
  return { matched, errored };
}

describe('rule index', () => {
  it('matches exactly what full evaluation matches at the tool point (property)', () => {
    fc.assert(
      fc.property(principal, context, resource, tool, signals, (pr, ctx, res, t, sig) => {
        const request: DecisionRequest = {
          principal: pr,
          resource: res,
          tool: t,
          ...(ctx ? { context: ctx } : {}),
          ...(sig ? { signals: sig } : {}),
        };
        const decision = decide(policy, 'tool', request, noFindings);
        const reference = referenceMatches('tool', request);
        if (reference.errored) {
          expect(decision.errors.length).toBeGreaterThan(0);
          expect(decision.effect).toBe('deny');
          return;
        }
        const engineRules = decision.rules.filter((r) => !r.startsWith('rampart/'));
        expect([...engineRules].sort()).toEqual([...reference.matched].sort());
      }),
      { numRuns: 2000 },
    );
  });

  it('matches exactly what full evaluation matches at the route point (property)', () => {
    const route = fc.record({
      model: fc.constant('large-hosted'),
      tier: fc.constantFrom('standard', 'privileged'),
    });
    fc.assert(
      fc.property(principal, context, route, (pr, ctx, r) => {
        const request: DecisionRequest = { principal: pr, route: r, ...(ctx ? { context: ctx } : {}) };
        const decision = decide(policy, 'route', request, noFindings);
        const reference = referenceMatches('route', request);
        if (reference.errored) {
          expect(decision.effect).toBe('deny');
          return;
        }
        expect([...decision.rules].sort()).toEqual([...reference.matched].sort());
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic: the same request gives the same decision apart from its id', () => {
    fc.assert(
      fc.property(principal, context, resource, tool, (pr, ctx, res, t) => {
        const request: DecisionRequest = {
          principal: pr,
          resource: res,
          tool: t,
          ...(ctx ? { context: ctx } : {}),
        };
        const a = decide(policy, 'tool', request, noFindings);
        const b = decide(policy, 'tool', request, noFindings);
        expect({ ...a, decisionId: '' }).toEqual({ ...b, decisionId: '' });
        expect(a.decisionId).not.toBe(b.decisionId);
      }),
      { numRuns: 300 },
    );
  });
});
