/**
 * End to end, as an operator runs it: two `rampart serve` processes with `activation: postgres`
 * share one config file; `rampart exceptions grant`, `list` and `revoke` (spawned CLI) read the same
 * file, and both servers apply the grant, then its revocation, within a second of the command (the
 * command reports both instances subscribed to the notice; their own poll is 5 s). Real PostgreSQL
 * and Redis.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import { uniqueSchema } from '../evidence/pg-probe.js';
import { GOVERNANCE_TEXT, gina, v1 } from '../server/admin-fixture.js';
import { servicesAvailable, within } from '../server/multi-instance-harness.js';
import { runRampart } from '../server/serve-process.js';
import { spawnInstances, stopCluster, writeClusterConfig } from '../server/spawned-cluster.js';

const available = await servicesAvailable();
const inCi = Boolean(process.env.CI);

describe('PostgreSQL and Redis for the spawned exceptions test', () => {
  it.runIf(inCi)('are reachable when CI=true', () => {
    expect(available).toBe(true);
  });
});

const rampart = runRampart;

describe.skipIf(!available && !inCi)(
  'rampart exceptions --config against two rampart serve processes',
  () => {
    const schema = uniqueSchema('exserve');
    const prefix = `rampart:test:exserve:${process.pid}:${Date.now()}:`;
    let dir: string;
    let config: string;
    const children: ChildProcess[] = [];
    const urls: string[] = [];
    const measured: Record<string, number> = {};

    const effects = () =>
      Promise.all(
        urls.map(async (u) => {
          const res = await fetch(`${u}/v1/decide/output`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              principal: { id: 'u-1', tenant: 'acme' },
              context: { route: 'staff-console' },
              output: { text: 'The customer SSN is 536-22-8714.' },
            }),
          });
          return ((await res.json()) as { effect: string }).effect;
        }),
      );
    const both = (effect: string) => within(async () => (await effects()).every((e) => e === effect), 1000);

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rampart-ex-serve-'));
      await writeFile(join(dir, 'governance.yaml'), GOVERNANCE_TEXT);
      await writeFile(join(dir, 'v1.json'), serializeBundle(v1));
      await writeFile(join(dir, 'gina.key'), (gina as NonNullable<typeof gina>).pem);
      config = await writeClusterConfig(dir, schema, prefix);
      await spawnInstances(dir, config, children, urls);
      const act = await rampart(['activate', 'v1.json', '--config', config, '--reason', 'first'], dir);
      expect([act.code, act.err]).toEqual([0, '']);
      expect(await within(async () => (await effects()).every((e) => e === 'deny'), 5000)).toBeDefined();
    }, 120_000);
    afterAll(async () => {
      console.info(`spawned CLI exceptions propagation (ms): ${JSON.stringify(measured)}`);
      await stopCluster(children, prefix, schema, dir);
    }, 60_000);

    it('both servers apply a CLI grant, list it, and end it on a CLI revoke, within a second', async () => {
      const grant = await rampart(
        [
          'exceptions',
          'grant',
          '--config',
          config,
          '-k',
          'gina.key',
          '--rule',
          'block-ssn-output',
          '--scope',
          'tenant=acme',
          '--expires',
          '2h',
          '--reason',
          'export for incident 42',
        ],
        dir,
      );
      expect([grant.code, grant.err]).toEqual([0, '']);
      expect(grant.out).toMatch(
        /^granted ex-[0-9a-f]{12}: waives block-ssn-output \(critical\) for tenant=acme/,
      );
      expect(grant.out).toMatch(/announced on .*exceptions to 2 subscribed instance\(s\)/);
      const applied = await both('allow');
      expect(applied).toBeDefined();
      measured.grant = applied as number;
      const id = (/granted (ex-[0-9a-f]{12})/.exec(grant.out) as RegExpExecArray)[1] as string;

      const list = await rampart(['exceptions', 'list', '--config', config], dir);
      expect(list.code).toBe(0);
      expect(list.out).toContain(`${id}  block-ssn-output  tenant=acme  critical`);

      const revoke = await rampart(
        ['exceptions', 'revoke', id, '--config', config, '--reason', 'incident closed'],
        dir,
      );
      expect([revoke.code, revoke.err]).toEqual([0, '']);
      expect(revoke.out).toContain(`revoked ${id} by operator-test: incident closed`);
      const ended = await both('deny');
      expect(ended).toBeDefined();
      measured.revoke = ended as number;
    }, 120_000);
  },
);
