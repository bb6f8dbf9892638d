/**
 * Kill switches of an instance started while Redis is away, without Redis (a loopback port nothing
 * listens on): tools fail closed, routes stay open, changes are refused with a stable code, the
 * stand-in switches are bounded, and the start does not wait past its bound. Recovery against the
 * real Redis is in start-without-dependencies.test.ts; the notice wording of the CLI is here too.
 */
import { createServer } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeNotice } from '../../../src/server/cluster/shared-activation.js';
import {
  openStartupKillSwitches,
  type StartupKillSwitches,
  SWITCHES_NOT_LOADED,
  sharedRedisClient,
} from '../../../src/server/cluster/startup-kill-switches.js';

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('StartupKillSwitches with Redis unreachable', () => {
  let client: Redis;
  let kills: StartupKillSwitches;
  let startMs = 0;
  beforeAll(async () => {
    client = sharedRedisClient(`redis://127.0.0.1:${await closedPort()}`);
    const t0 = performance.now();
    kills = await openStartupKillSwitches(client, { prefix: 'rampart:test:startup:', ownsClient: true });
    startMs = performance.now() - t0;
  });
  afterAll(async () => {
    await kills?.close();
  });

  it('returns without waiting for Redis (a refused connection ends the wait at once)', () => {
    expect(kills.loaded).toBe(false);
    // The wait is bounded by 2 s even when nothing answers at all.
    expect(startMs).toBeLessThan(2500);
  });

  it('fails closed on every tool, naming why', () => {
    for (const name of ['payments.refund', 'claims.lookup', 'anything']) {
      const sw = kills.get('tool', name);
      expect(sw).toMatchObject({ kind: 'tool', name, reason: SWITCHES_NOT_LOADED, actor: 'rampart' });
    }
  });

  it('leaves routes open: switching every route off would stop every decision', () => {
    expect(kills.get('route', 'customer-chat')).toBeUndefined();
  });

  it('lists no switches (none is known) and refuses changes with 503 server/unavailable', async () => {
    expect(kills.list()).toEqual([]);
    const sw = { kind: 'tool' as const, name: 'x', reason: 'r', actor: 'a', at: '' };
    await expect(kills.set(sw)).rejects.toMatchObject({ code: 'server/unavailable', status: 503 });
    await expect(kills.clear('tool', 'x')).rejects.toMatchObject({ code: 'server/unavailable', status: 503 });
  });

  it('keeps at most 1000 stand-in switches however many tool names are asked about', () => {
    for (let i = 0; i < 5000; i++) expect(kills.get('tool', `tool-${i}`)?.reason).toBe(SWITCHES_NOT_LOADED);
    const size = (kills as unknown as { notLoaded: Map<string, unknown> }).notLoaded.size;
    expect(size).toBeLessThanOrEqual(1000);
  });

  it('stops trying once closed, and disconnects a client it owns', async () => {
    await kills.close();
    // ioredis ends a connection attempt in flight asynchronously.
    const t0 = performance.now();
    while (client.status !== 'end' && performance.now() - t0 < 2000)
      await new Promise((r) => setTimeout(r, 10));
    expect(client.status).toBe('end');
  });
});

describe('describeNotice', () => {
  it.each([
    [undefined, 'nothing changed, nothing announced'],
    [
      { revision: 7, published: true, receivers: 2 },
      'revision 7 announced on rampart:activation to 2 subscribed instance(s)',
    ],
    [
      { revision: 7, published: true, receivers: 0 },
      'revision 7 announced on rampart:activation to 0 subscribed instance(s)',
    ],
    [
      { revision: 8, published: false, error: 'no Redis given' },
      'revision 8 committed but not announced (no Redis given); running instances pick it up at their next poll (within 5 s by default)',
    ],
  ])('%j → %s', (notice, line) => {
    expect(describeNotice(notice, 'rampart:activation')).toBe(line);
  });
});
