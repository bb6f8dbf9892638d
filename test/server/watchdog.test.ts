/**
 * The rollout watchdog: a cohort rollout whose blocked rate, error rate or latency drifts past the
 * candidate bundle's declared limits against the stable cohort is withdrawn automatically, on every
 * instance, and the withdrawal is recorded with the figures that triggered it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRollout } from '../../src/server/spike/triggers.js';
import {
  type ClusterHarness,
  clusterHarness,
  type Instance,
  OPERATOR_KEY,
  servicesAvailable,
  spikeBundle,
  within,
} from './multi-instance-harness.js';
import { postJson } from './test-server.js';

const stats = (decisions: number, blocked: number, errors = 0, p99Ms = 1) => ({
  seconds: 300,
  decisions,
  blocked,
  highRisk: 0,
  toolCalls: decisions,
  errors,
  p99Ms,
});

describe('evaluateRollout', () => {
  const limits = {
    minDecisions: 20,
    maxBlockedRateIncrease: 0.1,
    maxErrorRateIncrease: 0.05,
    maxLatencyP99Ratio: 2,
  };
  it('judges nothing until both cohorts have minDecisions', () => {
    expect(evaluateRollout({ stable: stats(19, 0), rollout: stats(100, 100), limits })).toBeUndefined();
    expect(evaluateRollout({ stable: stats(100, 0), rollout: stats(19, 19), limits })).toBeUndefined();
  });
  it('names the breached limit with both cohorts figures', () => {
    const b = evaluateRollout({ stable: stats(100, 10), rollout: stats(50, 15), limits });
    expect(b).toMatchObject({
      limit: 'maxBlockedRateIncrease',
      allowed: 0.1,
      observed: 0.2,
      rollout: { decisions: 50, blockedRate: 0.3 },
      stable: { decisions: 100, blockedRate: 0.1 },
    });
    expect(evaluateRollout({ stable: stats(100, 10), rollout: stats(50, 10), limits })).toBeUndefined();
    expect(evaluateRollout({ stable: stats(100, 0, 0), rollout: stats(50, 0, 5), limits })?.limit).toBe(
      'maxErrorRateIncrease',
    );
    expect(evaluateRollout({ stable: stats(100, 0, 0, 1), rollout: stats(50, 0, 0, 3), limits })?.limit).toBe(
      'maxLatencyP99Ratio',
    );
  });
  it('judges only the limits the bundle declares', () => {
    const only = { minDecisions: 20, maxLatencyP99Ratio: 2 };
    expect(evaluateRollout({ stable: stats(100, 0), rollout: stats(50, 50), limits: only })).toBeUndefined();
  });
});

const available = await servicesAvailable();
const inCi = Boolean(process.env.CI);

describe.skipIf(!available && !inCi)(
  'rollout watchdog across two instances (real PostgreSQL and Redis)',
  () => {
    let h: ClusterHarness;
    let a: Instance;
    let b: Instance;
    beforeAll(async () => {
      h = await clusterHarness('watchdog');
      a = await h.start('a');
      b = await h.start('b');
    }, 30_000);
    afterAll(() => h?.close(), 30_000);

    const refund = (i: Instance, tenant: string) =>
      postJson(
        `${i.url}/v1/decide/tool`,
        {
          principal: { id: `s-${tenant}`, tenant },
          context: { route: 'staff-console' },
          tool: { name: 'payments.refund', args: { amount: 100 } },
        },
        { authorization: `Bearer ${OPERATOR_KEY}` },
      );

    it('withdraws a rollout that blocks far more than stable, everywhere, and records why', async () => {
      await a.node.store.activate(spikeBundle('2026.11.26-1'), { actor: 'alice', reason: 'stable' });
      // The candidate allows refunds only up to 10: its cohort (tenant beta) is blocked where stable is not.
      const candidate = spikeBundle('2026.11.26-2', 10);
      await a.node.store.stage(
        candidate,
        { mode: 'rollout', tenants: ['beta'] },
        { actor: 'alice', reason: 'try it' },
      );
      expect(
        await within(
          () => a.node.runtime.candidate() !== undefined && b.node.runtime.candidate() !== undefined,
          1000,
        ),
      ).toBeDefined();
      await a.node.guard.tick();

      // Twenty of each (the candidate's minDecisions): the breach shows only once both cohorts have them.
      for (let i = 0; i < 20; i++) {
        expect((await refund(a, 'acme')).body.effect).toBe('allow');
        expect((await refund(a, 'beta')).body.effect).toBe('deny');
      }
      // B saw no traffic, so its watchdog has nothing to judge.
      await b.node.guard.tick();
      expect(b.node.guard.watchdog?.rollbacks).toEqual([]);

      // A's own one-second tick (200 ms here) rolls it back; ticking by hand does the same.
      await a.node.guard.tick();
      expect(await within(() => (a.node.guard.watchdog?.rollbacks.length ?? 0) > 0, 2000)).toBeDefined();
      const rolled = a.node.guard.watchdog?.rollbacks ?? [];
      expect(rolled).toHaveLength(1);
      expect(rolled[0]?.breach).toMatchObject({
        limit: 'maxBlockedRateIncrease',
        allowed: 0.2,
        rollout: { decisions: 20, blockedRate: 1 },
        stable: { decisions: 20, blockedRate: 0 },
      });
      expect(a.node.runtime.candidate()).toBeUndefined();
      expect(await within(() => b.node.runtime.candidate() === undefined, 1000)).toBeDefined();
      expect((await refund(b, 'beta')).body.effect).toBe('allow');
      expect((await a.node.store.readState()).candidate).toBeUndefined();

      const history = await a.node.store.history.read();
      const withdraw = history.at(-1);
      expect(withdraw).toMatchObject({
        action: 'withdraw',
        actor: 'rampart-watchdog',
        version: '2026.11.26-2',
      });
      expect(withdraw?.reason).toMatch(/maxBlockedRateIncrease 0.2 exceeded/);
      expect(withdraw?.evidence).toMatchObject({
        limit: 'maxBlockedRateIncrease',
        rollout: { blockedRate: 1 },
      });
      expect(a.notices.find((n) => n.type === 'rampart.rollout-rollback')).toMatchObject({
        candidate: { version: '2026.11.26-2' },
      });
      expect(await a.server.metrics.render()).toMatch(/rampart_rollout_rollbacks_total 1/);
    }, 30_000);
  },
);
