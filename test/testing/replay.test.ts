import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTestingError } from '../../src/testing/errors.js';
import { formatReplayReport, parseReplayRequests, replayRequests } from '../../src/testing/replay.js';
import { fakePolicy } from './fake-policy.js';
import { expectGolden } from './golden.js';

const FILE = join(import.meta.dirname, '..', 'fixtures', 'testing', 'replay', 'requests.jsonl');
const requests = parseReplayRequests('requests.jsonl', readFileSync(FILE, 'utf8'));

describe('replayRequests', () => {
  it('groups changed decisions by the rule responsible, with counts and examples', () => {
    const report = replayRequests(requests, fakePolicy({ refundLimit: 2000 }), fakePolicy());
    expect(report.total).toBe(7);
    expect(report.changed).toBe(2);
    expect(report.groups.map((g) => [g.rule, g.count, g.transitions])).toEqual([
      ['refund-over-limit-needs-supervisor', 2, { 'allow_with_conditions → deny': 2 }],
    ]);
    expectGolden('replay.txt', formatReplayReport(report));
  });

  it('compares with the recorded decisions when no baseline is given', () => {
    const report = replayRequests(requests, fakePolicy({ refundLimit: 2000 }));
    expect(report.baseline).toBe('recorded');
    expect(report.changed).toBe(1);
    expect(report.uncompared).toBe(6);
  });

  it('reports no change for the same policy', () => {
    expect(replayRequests(requests, fakePolicy(), fakePolicy()).changed).toBe(0);
  });

  it('rejects bad lines with their line numbers', () => {
    try {
      parseReplayRequests(
        'r.jsonl',
        '{"point":"tool","request":{"principal":{"id":"x"}}}\nnot json\n{"point":"nope"}\n',
      );
      expect.unreachable();
    } catch (error) {
      expect(isTestingError(error) && error.diagnostics.map((d) => [d.line, d.message])).toEqual([
        [2, 'line is not valid JSON'],
        [3, '"point" must be one of input, route, tool, output, persist'],
      ]);
    }
  });
});

describe('replay from evidence records', () => {
  it('rebuilds requests from the evidence and retained fields of decision records', () => {
    const record = {
      v: 1,
      id: 'd-1',
      point: 'tool',
      outcome: 'allowed_with_conditions',
      effect: 'allow_with_conditions',
      rules: ['refund-over-limit-needs-supervisor'],
      obligations: [{ type: 'require_approval' }, { type: 'step_up_auth' }],
      context: { 'tool.name': 'payments.refund', 'principal.roles': ['adjuster'] },
      retained: { fields: { 'tool.args.amount': 1500 }, retention: '90d' },
      subject: 'ab12',
      tenant: 'acme',
      route: 'staff-console',
    };
    const [request] = parseReplayRequests('records.jsonl', `${JSON.stringify(record)}\n`);
    expect(request?.request).toEqual({
      principal: { id: 'ab12', tenant: 'acme', roles: ['adjuster'] },
      context: { route: 'staff-console' },
      tool: { name: 'payments.refund', args: { amount: 1500 } },
    });
    expect(request?.recorded).toEqual({
      effect: 'allow_with_conditions',
      rules: ['refund-over-limit-needs-supervisor'],
      obligations: ['require_approval', 'step_up_auth'],
    });
    const report = replayRequests([request!], fakePolicy({ refundLimit: 2000 }));
    expect(report.changed).toBe(1);
    expect(report.groups[0]?.rule).toBe('refund-over-limit-needs-supervisor');
  });

  it('ignores prototype-polluting evidence paths', () => {
    const line = JSON.stringify({ point: 'input', effect: 'allow', context: { '__proto__.polluted': true } });
    parseReplayRequests('r.jsonl', line);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
