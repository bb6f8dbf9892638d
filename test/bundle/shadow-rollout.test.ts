import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileBundle } from '../../src/bundle/bundle-policy.js';
import {
  cohortBucket,
  type RolloutPlan,
  selectPolicy,
  validateRolloutPlan,
} from '../../src/bundle/rollout.js';
import { evaluateShadow, formatShadowReport, summarizeShadow } from '../../src/bundle/shadow.js';
import { runShadowReport } from '../../src/cli/commands/shadow.js';
import { decide } from '../../src/engine/index.js';
import { bundleFromText, POLICY_TEXT } from './bundle-fixtures.js';

const active = compileBundle(bundleFromText(POLICY_TEXT));
const candidate = compileBundle(
  bundleFromText(
    POLICY_TEXT.replace('tool.args.amount > 1000.0', 'tool.args.amount > 5000.0').replace(
      'tool.args.amount <= 1000.0',
      'tool.args.amount <= 5000.0',
    ),
    {
      version: '2026.11.26-1',
    },
  ),
);
const refund = (amount: number) => ({
  principal: { id: 'u', tenant: 'acme', scopes: ['payments:write'] },
  tool: { name: 'payments.refund', args: { claimId: 'c', amount } },
});

describe('evaluateShadow', () => {
  it('returns nothing when the candidate agrees', () => {
    expect(evaluateShadow(active, candidate, 'tool', refund(100))).toBeUndefined();
  });
  it('returns the divergence for the decision record when it does not', () => {
    expect(evaluateShadow(active, candidate, 'tool', refund(2000))).toEqual({
      digest: candidate.digest,
      version: '2026.11.26-1',
      outcome: 'allowed',
      rules: ['refund-small'],
    });
  });
  it('reuses an already computed active decision', () => {
    const d = decide(active, 'tool', refund(2000));
    expect(evaluateShadow(d, candidate, 'tool', refund(2000))?.outcome).toBe('allowed');
    expect(evaluateShadow(d, active, 'tool', refund(2000))).toBeUndefined();
  });
});

describe('shadow report', () => {
  it('summarises divergences by rule from a JSONL evidence file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-shadow-'));
    try {
      const lines: string[] = [];
      for (const amount of [100, 2000, 3000, 200, 20000]) {
        const d = decide(active, 'tool', refund(amount));
        const shadow = evaluateShadow(d, candidate, 'tool', refund(amount));
        lines.push(
          JSON.stringify({
            id: d.decisionId,
            outcome: d.outcome,
            rules: d.rules,
            ...(shadow ? { shadow } : {}),
          }),
        );
      }
      lines.push('not json', '{"checkpoint":true}');
      await writeFile(join(dir, 'evidence.jsonl'), `${lines.join('\n')}\n`);
      const out: string[] = [];
      const io = {
        stdout: { write: (s: string) => out.push(s) },
        stderr: { write: () => true },
      } as unknown as NodeJS.Process;
      expect(await runShadowReport(join(dir, 'evidence.jsonl'), {}, io)).toBe(0);
      expect(out.join('')).toBe(
        [
          'shadow report: 5 decision records, 2 divergent (40.00%)',
          '(2 line(s) skipped: not decision records)',
          `candidate 2026.11.26-1 ${candidate.digest}: 2 divergent`,
          '',
          'Transitions (active → candidate)',
          '  allowed_with_conditions → allowed: 2',
          '',
          'By rule',
          '  refund-over-limit-needs-supervisor — 2 (allowed_with_conditions → allowed ×2)',
          '  refund-small — 2 (allowed_with_conditions → allowed ×2)',
          '',
        ].join('\n'),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('reports an empty stream', () => {
    expect(formatShadowReport(summarizeShadow([]))).toBe(
      'shadow report: 0 decision records, 0 divergent (0%)\n',
    );
  });
});

describe('cohort rollout', () => {
  const plan: RolloutPlan<string> = validateRolloutPlan({
    stable: 'v1',
    salt: 'rollout-2026-11',
    stages: [
      { name: 'canary', policy: 'v2', principals: ['u-tester'], tenants: ['acme'], cohorts: ['beta'] },
      { name: 'ten-percent', policy: 'v2', percent: 10, hashBy: 'tenant' },
    ],
  });
  it.each([
    [{ principal: { id: 'u-tester', tenant: 'zz' } }, 'canary', 'principal'],
    [{ principal: { id: 'x', tenant: 'acme' } }, 'canary', 'tenant'],
    [{ principal: { id: 'x' }, context: { cohort: 'beta' } }, 'canary', 'cohort'],
    [{ principal: { id: 'x' } }, 'stable', 'stable'],
  ])('routes %j to %s', (request, cohort, via) => {
    expect(selectPolicy(plan, request)).toMatchObject({ cohort, via });
  });

  it('hashes the same tenant the same way every time, and about the right share in', () => {
    const tenants = Array.from({ length: 4000 }, (_, i) => `tenant-${i}`);
    const inRollout = tenants.filter(
      (t) => selectPolicy(plan, { principal: { id: 'p', tenant: t } }).cohort === 'ten-percent',
    ).length;
    // 10% of 4000 with a binomial spread: well inside 300..500 for any fair hash.
    expect(inRollout).toBeGreaterThan(300);
    expect(inRollout).toBeLessThan(500);
    fc.assert(
      fc.property(fc.string(), (t) => {
        const a = selectPolicy(plan, { principal: { id: 'p1', tenant: t } });
        const b = selectPolicy(plan, { principal: { id: 'p2', tenant: t } });
        const again = cohortBucket(t, 's');
        return a.cohort === b.cohort && cohortBucket(t, 's') === again;
      }),
    );
  });

  it('is monotonic: raising the percentage never removes a tenant', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (t, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const at = (p: number) =>
            selectPolicy(
              { stable: 0, salt: 's', stages: [{ name: 'c', policy: 1, percent: p }] },
              { principal: { id: 'x', tenant: t } },
            ).policy;
          return at(lo) <= at(hi);
        },
      ),
    );
  });

  it.each([[{ name: 'x', policy: 'v', percent: 101 }], [{ name: 'stable', policy: 'v' }]])(
    'refuses a bad stage %j',
    (stage) => {
      expect(() => validateRolloutPlan({ stable: 'v1', salt: 's', stages: [stage] })).toThrow(
        expect.objectContaining({ code: 'rollout/invalid' }),
      );
    },
  );
});
