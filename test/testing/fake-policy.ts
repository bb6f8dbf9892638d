/** A small hand-written policy for exercising the harness without the engine. */
import type { Decision, DecisionRequest, Effect, Obligation, Point } from '../../src/policy/types.js';
import type { PolicyUnderTest, TestedDecision } from '../../src/testing/policy-under-test.js';

interface FakeRule {
  id: string;
  point: Point;
  effect: Effect;
  obligations: Obligation['type'][];
  when: (r: DecisionRequest) => boolean;
  message: string;
  reason: string;
}

function normalized(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/[\u200b-\u200d\u00ad\ufeff]/g, '')
    .toLowerCase();
}

/** The rules; `leakyMessage` makes one rule's message leak its id (for refusal checks). */
export function fakeRules(opts: { leakyMessage?: boolean; refundLimit?: number } = {}): FakeRule[] {
  const limit = opts.refundLimit ?? 1000;
  return [
    {
      id: 'block-prompt-injection',
      point: 'input',
      effect: 'deny',
      obligations: [],
      when: (r) => /ignore (all )?previous instructions/.test(normalized(r.input?.text ?? '')),
      message: opts.leakyMessage ? 'Blocked by block-prompt-injection.' : "I can't help with that request.",
      reason: 'prompt injection phrase detected',
    },
    {
      id: 'refund-over-limit-needs-supervisor',
      point: 'tool',
      effect: 'allow',
      obligations: ['require_approval', 'step_up_auth'],
      when: (r) => r.tool?.name === 'payments.refund' && Number(r.tool.args?.amount ?? 0) > limit,
      message: "This refund needs a supervisor's approval.",
      reason: 'refunds above the limit need a supervisor',
    },
    {
      id: 'customers-read-own-claims',
      point: 'tool',
      effect: 'allow',
      obligations: [],
      when: (r) => r.tool?.name === 'claims.lookup' && r.principal.id === r.resource?.ownerId,
      message: '',
      reason: 'owner reads own claim',
    },
    {
      id: 'notify-on-export',
      point: 'persist',
      effect: 'allow',
      obligations: ['notify'],
      when: (r) => r.record?.kind === 'export',
      message: '',
      reason: 'exports notify the DPO',
    },
  ];
}

/** A PolicyUnderTest over fakeRules: deny wins, then conditions, defaults deny tools and allow the rest. */
export function fakePolicy(opts: { leakyMessage?: boolean; refundLimit?: number } = {}): PolicyUnderTest {
  const rules = fakeRules(opts);
  let n = 0;
  return {
    name: 'fake',
    version: '1',
    digest: 'sha256:0000000000000000000000000000000000000000000000000000000000000000',
    rules: rules.map((r) => ({
      id: r.id,
      point: r.point,
      effect: r.effect,
      obligations: r.obligations,
      file: 'policy.yaml',
    })),
    tools: ['claims.lookup', 'payments.refund', 'payments.void'],
    thresholds: [0.8],
    decide(point, request): TestedDecision {
      const considered = rules.filter((r) => r.point === point);
      const matched = considered.filter((r) => r.when(request));
      const deny = matched.find((r) => r.effect === 'deny');
      const obligations: Obligation[] = matched.flatMap((r) =>
        r.obligations.map((type) => ({ type, rule: r.id })),
      );
      let effect: Effect;
      if (deny) effect = 'deny';
      else if (matched.length === 0 && point === 'tool') effect = 'deny';
      else effect = obligations.length > 0 ? 'allow_with_conditions' : 'allow';
      const top = deny ?? matched.find((r) => r.message !== '');
      const decision: Decision = {
        decisionId: `d-${++n}`,
        point,
        effect,
        outcome: effect === 'deny' ? 'blocked' : effect === 'allow' ? 'allowed' : 'allowed_with_conditions',
        obligations: effect === 'deny' ? [] : obligations,
        rules: matched.map((r) => r.id),
        risk: matched.length > 0 ? 'high' : null,
        message: top?.message ?? (effect === 'deny' ? 'That action is not available.' : ''),
        reason: top?.reason ?? 'default',
        policy: { name: 'fake', version: '1', digest: 'sha256:0' },
        errors: [],
        evidence: {},
      };
      return {
        ...decision,
        explain: considered.map((r, i) => ({
          rule: r.id,
          effect: r.effect,
          status: matched.includes(r) ? 'matched' : 'not-matched',
          detail: matched.includes(r) ? 'condition is true' : 'condition is false',
          file: 'policy.yaml',
          line: 10 + i * 8,
        })),
      };
    },
  };
}
