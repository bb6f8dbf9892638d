// Cedar via @cedar-policy/cedar-wasm, in process. The policy set is pre-parsed once
// (preparsePolicySet) and each decision calls statefulIsAuthorized; `cedarPlain` re-sends the policy
// text with every isAuthorized call, which is how the simple API is usually used.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { BenchRequest, BenchRule } from '../scenario.js';
import type { SyncEngine } from './types.js';

/** Cedar text of the generated rules. */
export function cedarPolicyText(rules: BenchRule[]): string {
  return rules
    .map(
      (r) =>
        `@id("r${r.index}")\npermit (principal in Role::"${r.role}", action == Action::"${r.tool}", resource is Claim)\n` +
        `when { resource.owner == principal && context.amount <= ${r.limit} };\n`,
    )
    .join('\n');
}

interface CedarCall {
  principal: cedar.EntityUid;
  action: cedar.EntityUid;
  resource: cedar.EntityUid;
  context: cedar.Context;
  entities: cedar.Entities;
}

function toCedar(req: BenchRequest): CedarCall {
  return {
    principal: { type: 'User', id: req.principal.id },
    action: { type: 'Action', id: req.tool.name },
    resource: { type: 'Claim', id: req.resource.id },
    context: { amount: req.tool.args.amount },
    entities: [
      {
        uid: { type: 'User', id: req.principal.id },
        attrs: { tenant: req.principal.tenant },
        parents: req.principal.roles.map((id) => ({ type: 'Role', id })),
      },
      {
        uid: { type: 'Claim', id: req.resource.id },
        attrs: { owner: { __entity: { type: 'User', id: req.resource.ownerId } } },
        parents: [],
      },
    ],
  };
}

function allowed(answer: cedar.AuthorizationAnswer): boolean {
  if (answer.type !== 'success') {
    throw new Error(`cedar failure: ${answer.errors.map((e) => e.message).join('; ')}`);
  }
  if (answer.response.diagnostics.errors.length > 0) {
    throw new Error(`cedar evaluation errors: ${JSON.stringify(answer.response.diagnostics.errors)}`);
  }
  return answer.response.decision === 'allow';
}

let nextSetId = 0;

/** Cedar with the policy set parsed once. */
export async function cedarPreparsed(rules: BenchRule[]): Promise<SyncEngine> {
  const id = `bench-${nextSetId++}`;
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: cedarPolicyText(rules) });
  if (parsed.type !== 'success')
    throw new Error(`cedar parse: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return {
    kind: 'sync',
    prepare: toCedar,
    decide: (p) => allowed(cedar.statefulIsAuthorized({ ...(p as CedarCall), preparsedPolicySetId: id })),
  };
}

/** Cedar with the policy text passed (and parsed) on every call. */
export async function cedarPlain(rules: BenchRule[]): Promise<SyncEngine> {
  const policies: cedar.PolicySet = { staticPolicies: cedarPolicyText(rules) };
  return {
    kind: 'sync',
    prepare: toCedar,
    decide: (p) => allowed(cedar.isAuthorized({ ...(p as CedarCall), policies })),
  };
}
