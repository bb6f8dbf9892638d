/** `rampart spike list|clear` and the spike admin routes behind it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSpike } from '../../src/cli/commands/spike.js';
import { UsageError } from '../../src/cli/exit.js';
import { hashApiKey } from '../../src/server/index.js';
import { attachSpikeGuard } from '../../src/server/spike/attach.js';
import type { ActiveNarrowing } from '../../src/server/spike/narrowing.js';
import { MemoryNarrowings } from '../../src/server/spike/narrowing-store.js';
import { postJson, startTestServer, type TestServer } from './test-server.js';

const OPERATOR = 'rk_operator_spike_0123456789abcdef012345';
const READER = 'rk_reader_spike_0123456789abcdef01234567';

const narrowing = (trigger: string, route: string): ActiveNarrowing => ({
  trigger,
  route,
  mode: 'require_approval',
  minRisk: 'high',
  approver: 'supervisor',
  evidence: { signal: 'blocked_rate', value: 0.9, baseline: 0.1, decisions: 40, baselineDecisions: 400 },
  at: '2026-11-26T02:00:00.000Z',
  instance: 'test',
  policy: 'sha256:x',
});

describe('rampart spike', () => {
  let t: TestServer;
  const store = new MemoryNarrowings();
  let guard: ReturnType<typeof attachSpikeGuard>;
  beforeAll(async () => {
    t = await startTestServer({
      auth: {
        apiKeys: [
          { id: 'oncall', sha256: hashApiKey(OPERATOR), scopes: ['decide', 'admin:read', 'killswitch'] },
          { id: 'dash', sha256: hashApiKey(READER), scopes: ['admin:read'] },
        ],
      },
    });
    guard = attachSpikeGuard(t.server, { store, instance: 'test', tickMs: 60_000 });
  });
  afterAll(async () => {
    await guard.stop();
    await t.close();
  });

  const run = async (action: string | undefined, flags: Record<string, unknown>, key = OPERATOR) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runSpike(
      action,
      { server: t.url, ...flags },
      { RAMPART_API_KEY: key },
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, out, err };
  };

  it('lists the narrowings in force with their evidence, then clears one by trigger and route', async () => {
    expect((await run('list', {})).out).toEqual(['no spike narrowings are in force']);
    await store.claim(narrowing('refund-blocks', 'staff-console'));
    await store.claim(narrowing('refund-blocks', 'back-office'));
    const list = await run('list', {}, READER);
    expect(list.code).toBe(0);
    expect(list.out).toHaveLength(2);
    expect(list.out[0]).toMatch(
      /^refund-blocks on staff-console: require_approval since .* \(blocked_rate 0.9 vs 0.1/,
    );
    const cleared = await run('clear', { trigger: 'refund-blocks', route: 'staff-console' });
    expect(cleared).toMatchObject({ code: 0, out: ['cleared refund-blocks on staff-console'] });
    expect(store.list().map((n) => n.route)).toEqual(['back-office']);
    expect((await run('clear', { all: true })).out).toEqual(['cleared refund-blocks on back-office']);
    expect((await run('clear', { route: 'nowhere' })).out).toEqual([
      'nothing matched: no narrowing was in force for that',
    ]);
  });

  it('needs killswitch to clear, admin:read to list, and a key at all', async () => {
    const refused = await run('clear', { all: true }, READER);
    expect(refused.code).toBe(2);
    expect(refused.err.join('\n')).toMatch(/server\/forbidden/);
    expect((await run('list', {}, '')).code).toBe(2);
  });

  it('refuses bad usage before calling the server, and bad bodies with 422', async () => {
    await expect(run('purge', {})).rejects.toBeInstanceOf(UsageError);
    await expect(run('clear', {})).rejects.toThrow(/--trigger/);
    const as = { authorization: `Bearer ${OPERATOR}` };
    for (const body of [{}, { trigger: 'a b' }, { route: 'x', extra: 1 }, [], { all: 'yes' }]) {
      const r = await postJson(`${t.url}/v1/admin/spikes/clear`, body, as);
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('server/invalid-request');
    }
    const wrong = await fetch(`${t.url}/v1/admin/spikes`, { method: 'DELETE', headers: as });
    expect(wrong.status).toBe(405);
  });
});
