import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/bundle/load-policy.js';
import type { CompiledPolicy } from '../../src/engine/index.js';
import type { Decision, DecisionRequest } from '../../src/policy/types.js';
import { attachSpikeGuard } from '../../src/server/spike/attach.js';
import {
  type ActiveNarrowing,
  applyNarrowings,
  SPIKE_GUARD_MESSAGE,
  SPIKE_GUARD_RULE,
} from '../../src/server/spike/narrowing.js';
import { MemoryNarrowings } from '../../src/server/spike/narrowing-store.js';
import { SignalWindow, WINDOW_SECONDS } from '../../src/server/spike/signal-window.js';
import { SpikeGuard, type SpikeNotice } from '../../src/server/spike/spike-guard.js';
import { evaluateTrigger } from '../../src/server/spike/triggers.js';
import { webhookNotifier } from '../../src/server/spike/webhook.js';
import { type Json, postJson, startTestServer, type TestServer } from './test-server.js';

const SPIKE_POLICY = path.resolve(import.meta.dirname, '../fixtures/spike-policy');
const T0 = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('SignalWindow (per-second ring, five-minute window, previous hour)', () => {
  it('counts a decision in the current window until it slides out after five minutes', () => {
    const w = new SignalWindow();
    w.record(T0, true, false, true, false, 120);
    w.record(T0 + 500, false, true, true, true, 80);
    expect(w.current(T0 + 1000)).toMatchObject({
      decisions: 2,
      blocked: 1,
      highRisk: 1,
      toolCalls: 2,
      errors: 1,
    });
    expect(w.current(T0 + (WINDOW_SECONDS - 1) * 1000).decisions).toBe(2);
    expect(w.current(T0 + WINDOW_SECONDS * 1000).decisions).toBe(0);
  });

  it('slides second by second: old buckets leave, new ones stay', () => {
    const w = new SignalWindow();
    for (let s = 0; s < 400; s++) w.record(T0 + s * 1000, s % 2 === 0, false, false, false, 100);
    const c = w.current(T0 + 399_000);
    expect(c.decisions).toBe(300);
    expect(c.blocked).toBe(150);
  });

  it('a long idle gap empties the window instead of wrapping stale counts back in', () => {
    const w = new SignalWindow();
    w.record(T0, true, false, false, false, 100);
    w.record(T0 + 3 * WINDOW_SECONDS * 1000 + 17_000, false, false, false, false, 100);
    expect(w.current(T0 + 3 * WINDOW_SECONDS * 1000 + 17_000)).toMatchObject({ decisions: 1, blocked: 0 });
  });

  it('the baseline is the hour before the window, not the window itself', () => {
    const w = new SignalWindow();
    // 30 decisions 20 minutes ago (in the baseline), 5 now.
    for (let i = 0; i < 30; i++) w.record(T0 - 20 * 60_000 + i, true, false, false, false, 100);
    for (let i = 0; i < 5; i++) w.record(T0 + i, false, false, false, false, 100);
    expect(w.current(T0 + 10).decisions).toBe(5);
    const b = w.baseline(T0 + 10);
    expect(b).toMatchObject({ decisions: 30, blocked: 30, seconds: 3600 });
    // Two hours later both are empty.
    expect(w.baseline(T0 + 2 * 3600_000).decisions).toBe(0);
  });

  it('p99 reads the latency histogram (upper bound of the bin holding the 99th percentile)', () => {
    const w = new SignalWindow();
    for (let i = 0; i < 99; i++) w.record(T0, false, false, false, false, 100);
    w.record(T0, false, false, false, false, 50_000);
    const fast = w.current(T0).p99Ms;
    expect(fast).toBeGreaterThanOrEqual(0.1);
    expect(fast).toBeLessThan(0.2);
    for (let i = 0; i < 10; i++) w.record(T0, false, false, false, false, 50_000);
    const slow = w.current(T0).p99Ms;
    expect(slow).toBeGreaterThanOrEqual(50);
    expect(slow).toBeLessThan(75);
  });
});

describe('evaluateTrigger', () => {
  const stats = (decisions: number, blocked: number, seconds = 300) => ({
    seconds,
    decisions,
    blocked,
    highRisk: 0,
    toolCalls: decisions,
    errors: 0,
    p99Ms: 1,
  });
  it('fires above factor x the previous hour, with enough decisions on both sides', () => {
    const t = { signal: 'blocked_rate' as const, factor: 3, minDecisions: 20 };
    expect(evaluateTrigger(t, stats(100, 40), stats(1000, 100, 3600))).toMatchObject({
      value: 0.4,
      baseline: 0.1,
      factor: 3,
    });
    expect(evaluateTrigger(t, stats(100, 30), stats(1000, 100, 3600))).toBeUndefined();
    expect(evaluateTrigger(t, stats(10, 9), stats(1000, 100, 3600))).toBeUndefined();
    // No settled hour: nothing to be a multiple of.
    expect(evaluateTrigger(t, stats(100, 90), stats(5, 0, 3600))).toBeUndefined();
  });

  it('with both bounds, both must be exceeded; rates per second for tool calls', () => {
    const t = { signal: 'blocked_rate' as const, factor: 3, threshold: 0.5, minDecisions: 20 };
    expect(evaluateTrigger(t, stats(100, 40), stats(1000, 10, 3600))).toBeUndefined();
    expect(evaluateTrigger(t, stats(100, 60), stats(1000, 10, 3600))).toBeDefined();
    const rate = { signal: 'tool_call_rate' as const, threshold: 1, minDecisions: 1 };
    expect(evaluateTrigger(rate, stats(600, 0), stats(0, 0, 3600))?.value).toBe(2);
    expect(evaluateTrigger(rate, stats(200, 0), stats(0, 0, 3600))).toBeUndefined();
  });
});

describe('applyNarrowings', () => {
  let policy: CompiledPolicy;
  beforeAll(async () => {
    policy = await loadPolicy(SPIKE_POLICY);
  });
  const narrowing = (mode: ActiveNarrowing['mode']): ActiveNarrowing => ({
    trigger: 't',
    route: 'staff-console',
    mode,
    minRisk: 'high',
    approver: 'supervisor',
    evidence: { signal: 'blocked_rate', value: 1, baseline: 0, decisions: 10, baselineDecisions: 0 },
    at: '',
    instance: 'test',
    policy: policy.digest,
  });
  const req = (tool: string): DecisionRequest => ({
    principal: { id: 'p' },
    context: { route: 'staff-console' },
    tool: { name: tool, args: { amount: 10 } },
  });
  const allow = (risk: string): Decision => ({
    decisionId: 'd',
    point: 'tool',
    effect: 'allow',
    outcome: 'allowed',
    obligations: [],
    rules: ['r'],
    risk,
    message: 'ok',
    reason: 'ok',
    policy: { name: 'spiky', version: '1', digest: policy.digest },
    errors: [],
    evidence: {},
  });

  it('require_approval adds an approval to high-risk tool calls only', () => {
    const n = [narrowing('require_approval')];
    const high = applyNarrowings(n, policy, 'tool', req('payments.refund'), allow('high'));
    expect(high.effect).toBe('allow_with_conditions');
    expect(high.obligations).toEqual([
      { type: 'require_approval', role: 'supervisor', rule: SPIKE_GUARD_RULE },
    ]);
    expect(high.rules).toEqual(['r', SPIKE_GUARD_RULE]);
    const low = applyNarrowings(n, policy, 'tool', req('claims.lookup'), allow('low'));
    expect(low.effect).toBe('allow');
    // At another point nothing can wait for an approver.
    expect(applyNarrowings(n, policy, 'input', req('x'), allow('high')).effect).toBe('allow');
  });

  it('deny_high_risk denies high-risk flows while low-risk ones stay live; disable_route denies all', () => {
    const high = applyNarrowings(
      [narrowing('deny_high_risk')],
      policy,
      'tool',
      req('payments.refund'),
      allow('low'),
    );
    expect(high).toMatchObject({ effect: 'deny', outcome: 'blocked', message: SPIKE_GUARD_MESSAGE });
    expect(
      applyNarrowings([narrowing('deny_high_risk')], policy, 'tool', req('claims.lookup'), allow('low'))
        .effect,
    ).toBe('allow');
    expect(
      applyNarrowings([narrowing('disable_route')], policy, 'tool', req('claims.lookup'), allow('low'))
        .effect,
    ).toBe('deny');
  });

  it('never loosens: a deny stays a deny', () => {
    const d = { ...allow('high'), effect: 'deny' as const, outcome: 'blocked' as const };
    expect(applyNarrowings([narrowing('require_approval')], policy, 'tool', req('payments.refund'), d)).toBe(
      d,
    );
  });
});

describe('spike guard in a decision server', () => {
  let t: TestServer;
  let hook: Server;
  let hookUrl = '';
  const notices: Json[] = [];
  let clock = T0;
  const store = new MemoryNarrowings();
  let guard: ReturnType<typeof attachSpikeGuard>;

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        notices.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/page`;
    t = await startTestServer({ policy: await loadPolicy(SPIKE_POLICY) });
    guard = attachSpikeGuard(t.server, {
      store,
      instance: 'test-a',
      notify: webhookNotifier({ url: hookUrl, attempts: 1 }),
      now: () => clock,
      tickMs: 60_000,
    });
  });
  afterAll(async () => {
    await guard.stop();
    await t.close();
    await new Promise((r) => hook.close(r));
  });

  const refund = (amount: number, route = 'staff-console') =>
    postJson(`${t.url}/v1/decide/tool`, {
      principal: { id: 's-1', tenant: 'acme' },
      context: { route },
      tool: { name: 'payments.refund', args: { amount } },
    });
  const lookup = (route = 'staff-console') =>
    postJson(`${t.url}/v1/decide/tool`, {
      principal: { id: 's-1', tenant: 'acme' },
      context: { route },
      tool: { name: 'claims.lookup', args: {} },
    });

  it('a blocked-rate spike narrows the route to approvals for high-risk tools, posts the webhook, and stays until cleared', async () => {
    expect((await refund(100)).body.effect).toBe('allow');
    expect(await guard.spike.tick()).toEqual([]);
    for (let i = 0; i < 12; i++) expect((await refund(5000)).body.effect).toBe('deny');
    const fired = await guard.spike.tick();
    expect(fired.map((n) => [n.trigger, n.route, n.mode])).toEqual([
      ['refund-blocks', 'staff-console', 'require_approval'],
    ]);
    expect(fired[0]?.evidence).toMatchObject({ signal: 'blocked_rate', decisions: 13, threshold: 0.5 });

    const narrowed = await refund(100);
    expect(narrowed.body.effect).toBe('allow_with_conditions');
    expect(narrowed.body.obligations).toEqual([
      { type: 'require_approval', role: 'supervisor', rule: SPIKE_GUARD_RULE },
    ]);
    await t.sink.flush();
    expect(t.sink.records.at(-1)?.rules).toContain(SPIKE_GUARD_RULE);
    // Low-risk flows on the route, and other routes, stay as they were.
    expect((await lookup()).body.effect).toBe('allow');
    expect((await refund(100, 'back-office')).body.effect).toBe('allow');

    for (let i = 0; i < 50 && notices.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({
      type: 'rampart.spike',
      trigger: 'refund-blocks',
      route: 'staff-console',
      instance: 'test-a',
    });

    // Still in force an hour later: only an operator clears it.
    clock += 3600_000;
    await guard.spike.tick();
    expect((await refund(100)).body.effect).toBe('allow_with_conditions');
    const cleared = await store.clear({ trigger: 'refund-blocks' });
    expect(cleared).toHaveLength(1);
    expect((await refund(100)).body.effect).toBe('allow');
  });

  it('after a clear the same trigger stays quiet for one window even if the counts are still high', async () => {
    for (let i = 0; i < 12; i++) await refund(5000);
    expect(await guard.spike.tick()).toEqual([]);
    clock += WINDOW_SECONDS * 1000 + 1000;
    for (let i = 0; i < 12; i++) await refund(5000);
    expect((await guard.spike.tick()).map((n) => n.trigger)).toEqual(['refund-blocks']);
    await store.clear({});
  });

  it('a tool-call surge above 3x the previous hour denies high-risk tools on the route while low-risk ones stay live', async () => {
    // The previous hour: 12 lookups spread over it (0.0033/s); then 30 in the last five minutes (0.1/s).
    clock += 2 * 3600_000;
    for (let i = 0; i < 12; i++) {
      await lookup('customer-chat');
      clock += 5 * 60_000;
    }
    await guard.spike.tick();
    expect(store.list()).toEqual([]);
    for (let i = 0; i < 30; i++) await lookup('customer-chat');
    const fired = await guard.spike.tick();
    expect(fired.map((n) => [n.trigger, n.route, n.mode])).toEqual([
      ['chat-surge', 'customer-chat', 'deny_high_risk'],
    ]);
    expect(fired[0]?.evidence).toMatchObject({ signal: 'tool_call_rate', factor: 3, decisions: 30 });
    const refused = await refund(100, 'customer-chat');
    expect(refused.body).toMatchObject({ effect: 'deny', message: SPIKE_GUARD_MESSAGE });
    expect((await lookup('customer-chat')).body.effect).toBe('allow');
    await store.clear({ route: 'customer-chat' });
    expect((await refund(100, 'customer-chat')).body.effect).toBe('allow');
  });

  it('the metrics show active narrowings and fired triggers', async () => {
    for (let i = 0; i < 12; i++) await refund(5000, 'staff-console');
    clock += WINDOW_SECONDS * 1000 + 1000;
    for (let i = 0; i < 12; i++) await refund(5000, 'staff-console');
    await guard.tick();
    const text = await t.server.metrics.render();
    expect(text).toMatch(/rampart_spike_narrowings_active 1/);
    expect(text).toMatch(/rampart_spike_triggers_fired_total\{trigger="refund-blocks"\} 1/);
    await store.clear({});
  });
});

describe('SpikeGuard with a trigger on one rule', () => {
  it('counts only decisions where the rule matched, per route', async () => {
    const base = await loadPolicy(SPIKE_POLICY);
    const doc = base.source?.document as NonNullable<typeof base.source>['document'];
    const policy = {
      ...base,
      source: {
        ...(base.source as NonNullable<typeof base.source>),
        document: {
          ...doc,
          spikeGuard: [
            {
              id: 'refund-rule-rate',
              signal: 'tool_call_rate' as const,
              rule: 'refunds-up-to-1000',
              threshold: 0.05,
              minDecisions: 5,
              narrow: 'disable_route' as const,
              approver: 'oncall',
              loc: doc.loc,
            },
          ],
        },
      },
    } as CompiledPolicy;
    let now = T0;
    const store = new MemoryNarrowings();
    const guard = new SpikeGuard({ store, instance: 't', now: () => now });
    guard.setPolicy(policy);
    const d = (rules: string[]) =>
      ({ effect: 'allow', risk: 'high', rules, errors: [], point: 'tool' }) as unknown as Parameters<
        SpikeGuard['observe']
      >[2];
    const req = (route: string) => ({ principal: { id: 'p' }, context: { route } });
    // Many decisions on the route, but the rule matched only in 10 of them on `a`, 3 on `b`.
    for (let i = 0; i < 40; i++) guard.observe('tool', req('a'), d(['lookups']), 100);
    for (let i = 0; i < 10; i++) guard.observe('tool', req('a'), d(['refunds-up-to-1000']), 100);
    for (let i = 0; i < 3; i++) guard.observe('tool', req('b'), d(['refunds-up-to-1000']), 100);
    expect(await guard.tick()).toEqual([]);
    for (let i = 0; i < 10; i++) guard.observe('tool', req('a'), d(['refunds-up-to-1000']), 100);
    now += 1000;
    const fired = await guard.tick();
    expect(fired.map((n) => [n.trigger, n.route, n.rule, n.evidence.decisions])).toEqual([
      ['refund-rule-rate', 'a', 'refunds-up-to-1000', 20],
    ]);
    expect(store.forRoute('a')).toHaveLength(1);
    expect(store.forRoute('b')).toBeUndefined();
  });
});

describe('webhookNotifier', () => {
  it('retries and then rejects when the webhook keeps failing', async () => {
    let calls = 0;
    const s = createServer((_req, res) => {
      calls++;
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
    const notify = webhookNotifier({ url, attempts: 3, backoffMs: 5 });
    const notice: SpikeNotice = { type: 'rampart.spike', at: '', instance: 'x' };
    await expect(notify(notice)).rejects.toThrow(/500/);
    expect(calls).toBe(3);
    await new Promise((r) => s.close(r));
  });
});
