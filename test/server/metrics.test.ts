import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/policy/types.js';
import { createMetrics } from '../../src/server/metrics.js';

const sources = {
  evidenceHealth: async () => ({ ok: true, queued: 3, spilled: 0 }),
  activePolicy: () => ({ name: 'p', version: '1', digest: 'sha256:x', kind: 'directory' }),
};
const d = (point: string, outcome: string, rules: string[]) =>
  ({ point, outcome, rules }) as unknown as Decision;

describe('server metrics', () => {
  it('counts decisions per series and renders cumulative latency buckets at scrape time', async () => {
    const m = createMetrics(sources, 1);
    m.observeDecision(d('tool', 'allowed', ['r1']), 'staff-console', 0.0002);
    m.observeDecision(d('tool', 'allowed', ['r1']), 'staff-console', 0.003);
    m.observeDecision(d('tool', 'blocked', ['r1', 'r2']), 'other-route', 2);
    m.observeDecision(d('input', 'allowed', []), undefined, 0.00005);
    m.observeHttp('/v1/decide/{point}', 200);
    m.observeHttp('/v1/decide/{point}', 200);
    m.observeHttp('unknown', 404);
    const text = await m.render();
    const lines = text.split('\n');
    expect(lines).toContain(
      'rampart_decisions_total{point="tool",outcome="allowed",rule="r1",route="staff-console"} 2',
    );
    // Past maxRoutes (1 here) a new route is counted as `other`.
    expect(lines).toContain(
      'rampart_decisions_total{point="tool",outcome="blocked",rule="r2",route="other"} 1',
    );
    expect(lines).toContain(
      'rampart_decisions_total{point="input",outcome="allowed",rule="none",route="none"} 1',
    );
    expect(lines).toContain('rampart_decision_duration_seconds_bucket{le="0.00025",point="tool"} 1');
    expect(lines).toContain('rampart_decision_duration_seconds_bucket{le="0.005",point="tool"} 2');
    expect(lines).toContain('rampart_decision_duration_seconds_bucket{le="0.25",point="tool"} 2');
    expect(lines).toContain('rampart_decision_duration_seconds_bucket{le="+Inf",point="tool"} 3');
    expect(lines).toContain('rampart_decision_duration_seconds_count{point="tool"} 3');
    expect(lines).toContain('rampart_decision_duration_seconds_bucket{le="0.0001",point="input"} 1');
    expect(lines.find((l) => l.startsWith('rampart_decision_duration_seconds_sum{point="tool"}'))).toMatch(
      / 2\.0032/,
    );
    expect(lines).toContain('rampart_http_responses_total{route="/v1/decide/{point}",status="200"} 2');
    expect(lines).toContain('rampart_http_responses_total{route="unknown",status="404"} 1');
    expect(lines).toContain('# TYPE rampart_decisions_total counter');
    expect(lines).toContain('# TYPE rampart_decision_duration_seconds histogram');
    expect(lines).toContain('rampart_evidence_queue_depth 3');
  });
});
