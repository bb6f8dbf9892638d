/**
 * `npm run example:decisions`: runs the claims assistant policy end to end on a day of representative requests
 * (every enforcement point, customers and staff) and prints what was decided and what the user sees.
 */
import path from 'node:path';
import { loadPolicy } from '../../src/bundle/load-policy.js';
import { decide } from '../../src/engine/index.js';
import type { DecisionRequest, Point } from '../../src/policy/types.js';

const carla = {
  id: 'c-1',
  roles: ['customer'],
  tenant: 'acme',
  authLevel: 'password',
  scopes: ['claims:read'],
};
const adam = {
  id: 's-10',
  roles: ['adjuster'],
  tenant: 'acme',
  authLevel: 'mfa',
  scopes: ['claims:read', 'claims:write', 'payments:write', 'email:send', 'policy:write'],
};
const chat = { route: 'customer-chat', channel: 'web' };
const console_ = { route: 'staff-console', channel: 'web' };
const claim = { kind: 'claim', id: 'CLM-00000001', ownerId: 'c-1', tenant: 'acme' };
const otherClaim = { kind: 'claim', id: 'CLM-00000002', ownerId: 'c-2', tenant: 'acme' };

const scenarios: { who: string; point: Point; request: DecisionRequest }[] = [
  {
    who: 'customer asks about a claim',
    point: 'input',
    request: { principal: carla, context: chat, input: { text: 'When will my windscreen claim be paid?' } },
  },
  {
    who: 'customer chat picks a model',
    point: 'route',
    request: { principal: carla, context: chat, route: { model: 'large-hosted', tier: 'standard' } },
  },
  {
    who: 'customer reads own claim',
    point: 'tool',
    request: {
      principal: carla,
      context: chat,
      resource: claim,
      tool: { name: 'claims.lookup', args: { claimId: 'CLM-00000001' } },
    },
  },
  {
    who: "customer reads another's claim",
    point: 'tool',
    request: {
      principal: carla,
      context: chat,
      resource: otherClaim,
      tool: { name: 'claims.lookup', args: { claimId: 'CLM-00000002' } },
    },
  },
  {
    who: 'customer asks for coverage change',
    point: 'tool',
    request: {
      principal: { ...carla, scopes: ['claims:read', 'policy:write'] },
      context: chat,
      tool: {
        name: 'policy_admin.change_coverage',
        args: { policyId: 'POL-00000001', change: 'raise_limit' },
      },
    },
  },
  {
    who: 'adjuster refunds 200',
    point: 'tool',
    request: {
      principal: adam,
      context: console_,
      resource: claim,
      tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 200 } },
    },
  },
  {
    who: 'adjuster refunds 1,200',
    point: 'tool',
    request: {
      principal: adam,
      context: console_,
      resource: claim,
      tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 1200 } },
    },
  },
  {
    who: 'adjuster refunds 30,000',
    point: 'tool',
    request: {
      principal: adam,
      context: console_,
      resource: claim,
      tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 30000 } },
    },
  },
  {
    who: 'agent loops on a lookup',
    point: 'tool',
    request: {
      principal: adam,
      context: console_,
      resource: claim,
      tool: { name: 'claims.lookup', args: { claimId: 'CLM-00000001' } },
      signals: { repeated_tool_calls: 4 },
    },
  },
  {
    who: 'agent calls an unknown tool',
    point: 'tool',
    request: {
      principal: adam,
      context: console_,
      tool: { name: 'payments.wire_transfer', args: { amount: 10 } },
    },
  },
  {
    who: 'adjuster exports CRM',
    point: 'tool',
    request: {
      principal: { ...adam, scopes: ['crm:export'] },
      context: console_,
      tool: { name: 'crm.export', args: { segment: 'all' } },
    },
  },
  {
    who: 'reply to a customer',
    point: 'output',
    request: {
      principal: carla,
      context: chat,
      output: { text: 'Your claim is in review; an adjuster will call you this week.' },
    },
  },
  {
    who: 'store the transcript 30d',
    point: 'persist',
    request: {
      principal: carla,
      context: chat,
      record: { kind: 'transcript', fields: ['summary'], ttl: '30d' },
    },
  },
  {
    who: 'store card details',
    point: 'persist',
    request: {
      principal: adam,
      context: console_,
      record: { kind: 'payment_details', fields: ['card'], ttl: '1d' },
    },
  },
];

const policy = await loadPolicy(path.join(import.meta.dirname));
process.stdout.write(
  `Rampart · ${policy.name} ${policy.version} · ${policy.rules.length} rules · ${policy.digest.slice(0, 19)}…\n\n`,
);
const rows = scenarios.map((s) => {
  const d = decide(policy, s.point, s.request);
  return [
    s.who,
    s.point,
    d.outcome,
    d.rules.join(', ') || '(default)',
    [...new Set(d.obligations.map((o) => o.type))].join(', '),
    d.message,
    `${medianMicros(s.point, s.request).toFixed(1)}µs`,
  ];
});
printTable(['scenario', 'point', 'outcome', 'rules', 'obligations', 'user sees', 'median'], rows);
process.stdout.write('\nReasons and rule ids stay internal; the user sees only the message column.\n');

/** Median time of one decision after warm-up, so the column shows steady state rather than JIT start-up. */
function medianMicros(point: Point, request: DecisionRequest): number {
  for (let i = 0; i < 300; i++) decide(policy, point, request);
  const samples: number[] = [];
  for (let i = 0; i < 301; i++) {
    const t = process.hrtime.bigint();
    decide(policy, point, request);
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return samples.sort((a, b) => a - b)[150] ?? 0;
}

function printTable(header: string[], body: string[][]): void {
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const limits = [32, 8, 24, 44, 30, 60, 7];
  const all = [header, ...body].map((r) => r.map((c, i) => clip(c, limits[i] ?? 40)));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  process.stdout.write(`${line(all[0] ?? [])}\n${widths.map((w) => '─'.repeat(w)).join('  ')}\n`);
  for (const r of all.slice(1)) process.stdout.write(`${line(r)}\n`);
}
