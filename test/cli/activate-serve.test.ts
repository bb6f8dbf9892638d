/**
 * End to end, as an operator runs it: two `rampart serve` processes with `activation: postgres`
 * share one config file; `rampart activate` and `rampart rollback` (spawned CLI) read the same file,
 * and both servers switch within a second of the command (the command reports both instances
 * subscribed to the notice; their own poll is 5 s). Real PostgreSQL and Redis.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { governanceYaml } from '../bundle/bundle-fixtures.js';
import { uniqueSchema } from '../evidence/pg-probe.js';
import { KEYS, servicesAvailable, spikeBundle, within } from '../server/multi-instance-harness.js';
import { runRampart } from '../server/serve-process.js';
import { spawnInstances, stopCluster, writeClusterConfig } from '../server/spawned-cluster.js';

const available = await servicesAvailable();
const inCi = Boolean(process.env.CI);

describe('PostgreSQL and Redis for the spawned CLI activation test', () => {
  it.runIf(inCi)('are reachable when CI=true', () => {
    expect(available).toBe(true);
  });
});

const rampart = runRampart;

describe.skipIf(!available && !inCi)(
  'rampart activate / rollback --config against two rampart serve processes',
  () => {
    const schema = uniqueSchema('cliserve');
    const prefix = `rampart:test:cliserve:${process.pid}:${Date.now()}:`;
    let dir: string;
    let config: string;
    const children: ChildProcess[] = [];
    const urls: string[] = [];
    const measured: Record<string, number> = {};

    const versions = async () =>
      Promise.all(
        urls.map(async (u) => {
          const body = (await (await fetch(`${u}/readyz`)).json()) as { policy: { version?: string } };
          return body.policy.version;
        }),
      );
    const bothAt = (version: string) =>
      within(async () => (await versions()).every((v) => v === version), 1000);

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'rampart-cli-serve-'));
      await writeFile(join(dir, 'governance.yaml'), governanceYaml(KEYS, { required: 2, loosening: 2 }));
      for (const v of ['2026.11.26-1', '2026.11.26-2'])
        await writeFile(join(dir, `${v}.json`), spikeBundle(v));
      config = await writeClusterConfig(dir, schema, prefix);
      await spawnInstances(dir, config, children, urls);
    }, 120_000);
    afterAll(async () => {
      console.info(`spawned CLI activation propagation (ms): ${JSON.stringify(measured)}`);
      await stopCluster(children, prefix, schema, dir);
    }, 60_000);

    it('both servers switch to a CLI activation, and back on a CLI rollback, within a second', async () => {
      expect(await versions()).toEqual([undefined, undefined]);

      const act = await rampart(
        ['activate', '2026.11.26-1.json', '--config', config, '--reason', 'first release'],
        dir,
      );
      expect(act.err).toBe('');
      expect(act.code).toBe(0);
      expect(act.out).toMatch(/^activated \S+@2026\.11\.26-1 .* → postgres schema \S+ revision \d+\n/);
      expect(act.out).toMatch(/announced on .*activation to 2 subscribed instance\(s\)/);
      const first = await bothAt('2026.11.26-1');
      expect(first).toBeDefined();
      measured.activate = first as number;

      expect(
        (await rampart(['activate', '2026.11.26-2.json', '--config', config, '--reason', 'second'], dir))
          .code,
      ).toBe(0);
      expect(await bothAt('2026.11.26-2')).toBeDefined();

      const rb = await rampart(
        ['rollback', '--to', '2026.11.26-1', '--config', config, '--reason', 'regression'],
        dir,
      );
      expect(rb.code).toBe(0);
      expect(rb.out).toMatch(/to 2 subscribed instance\(s\)/);
      const back = await bothAt('2026.11.26-1');
      expect(back).toBeDefined();
      measured.rollback = back as number;

      const list = await rampart(['rollback', '--list', '--config', config], dir);
      expect(list.code).toBe(0);
      expect(list.out).toMatch(/rollback 2026\.11\.26-1 \S+ by operator-test: regression/);
    }, 120_000);

    it('a usage error exits 2 with the reason and changes nothing', async () => {
      const r = await rampart(
        ['rollback', '--to', '2026.11.26-2', '--config', config, '--state', dir, '--reason', 'x'],
        dir,
      );
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--state and --config name two activation stores/);
      expect(await versions()).toEqual(['2026.11.26-1', '2026.11.26-1']);
    }, 60_000);
  },
);
