/** The public surface, imported only by package name, exactly as a user would. */
import { describe, expect, it } from 'vitest';

describe('public API (imported from the package name)', () => {
  it('runs the README example', async () => {
    const { decide, loadPolicy } = await import('rampart');
    const policy = await loadPolicy('examples/claims-assistant');
    const decision = decide(policy, 'tool', {
      principal: { id: 's-10', roles: ['adjuster'], tenant: 'acme', scopes: ['payments:write'] },
      context: { route: 'staff-console' },
      tool: { name: 'payments.refund', args: { claimId: 'CLM-00000001', amount: 1200 } },
    });
    expect(decision.effect).toBe('allow_with_conditions');
    expect(decision.obligations.map((o) => o.type)).toEqual(['require_approval', 'step_up_auth']);
    expect(decision.message).toBe("This refund needs a supervisor's approval. I've sent the request.");
  });

  it('lists named exports on every entry', async () => {
    const main = await import('rampart');
    for (const name of [
      'loadPolicy',
      'readPolicyDir',
      'compilePolicy',
      'decide',
      'parsePolicyFiles',
      'formatPolicy',
      'isPolicyError',
      'PolicyLoadError',
      'POINTS',
      'BUILTIN_RULES',
    ]) {
      expect(main, name).toHaveProperty(name);
    }
    const policy = await import('rampart/policy');
    expect(policy).toHaveProperty('parsePolicyFiles');
    expect(policy).toHaveProperty('POLICY_FILE_SCHEMA');
    const engine = await import('rampart/engine');
    expect(engine).toHaveProperty('decide');
    for (const sub of [
      'rampart/detect',
      'rampart/guard',
      'rampart/evidence',
      'rampart/bundle',
      'rampart/testing',
      'rampart/integrations/vercel-ai',
      'rampart/integrations/openai-agents',
      'rampart/integrations/mcp',
      'rampart/client',
      'rampart/server',
    ] as const) {
      expect(Object.keys(await import(sub)).length, sub).toBeGreaterThan(0);
    }
  });
});
