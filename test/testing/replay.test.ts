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
