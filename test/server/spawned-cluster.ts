/**
 * Two `rampart serve` processes of one `activation: postgres` cluster, spawned as an operator runs
 * them (one shared config file, real PostgreSQL and Redis), for end-to-end CLI tests.
 */
import type { ChildProcess } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { dropSchemas, PG_URL } from '../evidence/pg-probe.js';
import { spawnServe, waitForOutput } from './serve-process.js';

/** Writes `<dir>/serve.yaml` for the cluster (governance from `<dir>/governance.yaml`); its path. */
export async function writeClusterConfig(dir: string, schema: string, prefix: string): Promise<string> {
  const config = join(dir, 'serve.yaml');
  await writeFile(
    config,
    [
      'activation: postgres',
      `evidence: { kind: postgres, url: "${PG_URL}", schema: ${schema} }`,
      'redis: redis://127.0.0.1:6379',
      `redisPrefix: "${prefix}"`,
      'governance: governance.yaml',
      'port: 0',
    ].join('\n'),
  );
  return config;
}

/**
 * Starts instances `a` and `b` on `config` in `dir`, pushing each child as it is spawned (so a
 * teardown stops it even when the next fails to start) and each URL once it listens.
 */
export async function spawnInstances(
  dir: string,
  config: string,
  children: ChildProcess[],
  urls: string[],
): Promise<void> {
  for (const instance of ['a', 'b']) {
    const child = spawnServe([], dir, { RAMPART_CONFIG: config, RAMPART_INSTANCE: instance });
    children.push(child);
    const out = await waitForOutput(child, /listening on (http:\/\/\S+)/, 60_000);
    urls.push((/listening on (http:\/\/\S+)/.exec(out) as RegExpExecArray)[1] as string);
  }
}

/** Stops the children (SIGTERM, then SIGKILL after 10 s), deletes the prefix's Redis keys, drops the schema and `dir`. */
export async function stopCluster(
  children: ChildProcess[],
  prefix: string,
  schema: string,
  dir: string | undefined,
): Promise<void> {
  for (const c of children) {
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (c.exitCode === null) c.kill('SIGKILL');
  }
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await dropSchemas([schema]);
  if (dir) await rm(dir, { recursive: true, force: true });
}
