import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runKill } from '../../src/cli/commands/kill.js';
import { UsageError } from '../../src/cli/exit.js';
import { hashApiKey } from '../../src/server/index.js';
import { postJson, REQUESTS, startTestServer, type TestServer } from './test-server.js';

const OPERATOR = 'rk_cli_operator_0123456789abcdef0123';
const APP = 'rk_cli_app_0123456789abcdef012345678';

describe('rampart kill', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      auth: {
        apiKeys: [
          { id: 'oncall', sha256: hashApiKey(OPERATOR), scopes: ['admin:read', 'killswitch'] },
          { id: 'app', sha256: hashApiKey(APP), scopes: ['decide'] },
        ],
      },
    });
  });
  afterAll(() => t.close());

  const refundEffect = async () =>
    (await postJson(`${t.url}/v1/decide/tool`, REQUESTS.refundOverLimit, { authorization: `Bearer ${APP}` }))
      .body.effect;

  it('kills a tool, lists it, and restores it', async () => {
    const lines: string[] = [];
    const out = (l: string) => lines.push(l);
    const env = { RAMPART_API_KEY: OPERATOR };
    expect(
      await runKill('tool', 'payments.refund', { server: t.url, reason: 'payout incident' }, env, out),
    ).toBe(0);
    expect(lines.at(-1)).toBe(
      'tool payments.refund killed: decisions now deny it with rule rampart/kill-switch',
    );
    expect(await refundEffect()).toBe('deny');
    expect(await runKill(undefined, undefined, { server: t.url, list: true }, env, out)).toBe(0);
    expect(lines.at(-1)).toMatch(/^tool payments\.refund {2}by oncall at .+ {2}\(payout incident\)$/);
    expect(await runKill('tool', 'payments.refund', { server: t.url, off: true }, env, out)).toBe(0);
    expect(lines.at(-1)).toBe('tool payments.refund restored');
    expect(await refundEffect()).toBe('allow_with_conditions');
  });

  it('exits 2 when the key lacks the killswitch scope', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(
        await runKill('tool', 'payments.refund', { server: t.url }, { RAMPART_API_KEY: APP }, () => {}),
      ).toBe(2);
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toMatch(/server\/forbidden/);
    } finally {
      stderr.mockRestore();
    }
  });

  it('is a usage error for a bad kind or an unreachable server', async () => {
    await expect(runKill('feature', 'x', { server: t.url }, {}, () => {})).rejects.toBeInstanceOf(UsageError);
    await expect(runKill('tool', 'x', { server: 'http://127.0.0.1:9' }, {}, () => {})).rejects.toThrow(
      /rampart serve/,
    );
  });
});
