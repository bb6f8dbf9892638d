import { describe, expect, it } from 'vitest';
import { runAgent } from '../../examples/claims-assistant/agent.js';

/** The flagship example, run end to end: the outcome of each conversation's decisive decision. */
describe('claims assistant example agent', () => {
  it('plays every conversation through all five points with the expected outcomes', async () => {
    const run = await runAgent();
    const decisive = (conv: string, point: string) =>
      run.rows.filter((r) => r[0] === conv && r[2] === point).map((r) => `${r[3]} ${r[4]}`);
    expect(new Set(run.records.map((r) => r.decision.point))).toEqual(
      new Set(['input', 'route', 'tool', 'output', 'persist']),
    );
    expect(new Set(run.rows.map((r) => r[0])).size).toBeGreaterThanOrEqual(20);
    expect(decisive('c01', 'tool')).toEqual(['allowed customers-read-own-claims']);
    expect(decisive('c02', 'tool')).toEqual(['blocked customers-never-see-other-claims']);
    expect(decisive('c04', 'input')[0]).toMatch(/^blocked input-block-prompt-injection/);
    expect(decisive('c05', 'input')[0]).toMatch(/^blocked input-block-secrets/);
    expect(decisive('c07', 'route')[0]).toContain('route-eu-residents-eu-model');
    expect(decisive('c08', 'output')[0]).toBe('blocked output-indirect-injection-in-tool-results');
    expect(decisive('c11', 'tool')).toEqual(['allowed_with_conditions refund-over-limit-needs-supervisor']);
    expect(decisive('c12', 'tool')).toEqual(['blocked refund-over-limit-needs-supervisor']);
    expect(decisive('c13', 'tool')).toEqual(['blocked refund-over-limit-needs-supervisor']);
    expect(decisive('c18', 'tool').at(-1)).toContain('repeated-tool-call-loop');
    expect(decisive('c24', 'tool')[0]).toMatch(/^blocked tool-cross-tenant-denied/);
    expect(decisive('c25', 'tool')).toEqual([
      'blocked rampart/unknown-tool',
      'blocked rampart/invalid-tool-args',
    ]);
    expect(decisive('c26', 'persist')).toEqual(['blocked persist-never-store-payment-details']);
    const c17 = run.transcripts.find((t) => t.startsWith('c17'))!;
    expect(c17).toContain('[CREDIT_CARD]');
    expect(c17).not.toContain('4111 1111');
    expect(run.chainOk).toBe(true);
    expect(JSON.stringify(run.records)).not.toContain('4111 1111 1111 1111');
  });
});
