/**
 * Two (or more) decision-server instances in one test process against the real PostgreSQL and Redis,
 * each reaching them through a loopback TCP proxy the test can cut and restore to simulate an outage.
 * Every run uses its own PostgreSQL schema and Redis key prefix.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { Redis } from 'ioredis';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import { parseGovernance } from '../../src/bundle/governance.js';
import { PostgresSink } from '../../src/evidence/index.js';
import { type ClusterNode, joinCluster } from '../../src/server/cluster/cluster-node.js';
import {
  createDecisionServer,
  type DecisionServer,
  hashApiKey,
  RedisKillSwitches,
} from '../../src/server/index.js';
import type { SpikeNotice } from '../../src/server/spike/spike-guard.js';
import { bundleFromText, governanceYaml, makeKeys, signAll } from '../bundle/bundle-fixtures.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from '../evidence/pg-probe.js';
import { redisAvailable } from '../support/redis-probe.js';

export { redisAvailable };

/** A loopback TCP proxy that can be cut (every connection dropped, new ones refused) and restored. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket();
      this.track(client);
      this.track(upstream);
      upstream.connect(this.targetPort, this.targetHost);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }

  /** Drops every connection and stops listening: the service is "gone". */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  }

  /** Listens again on the same port. */
  restore(): Promise<void> {
    return this.start(this.port);
  }

  close(): Promise<void> {
    return this.cut();
  }
}

export const OPERATOR_KEY = 'rk_operator_cluster_0123456789abcdef0123';
export const KEYS = makeKeys(['alice', 'bob']);
export const GOVERNANCE = parseGovernance(governanceYaml(KEYS, { required: 2, loosening: 2 }));
const SPIKE_POLICY_TEXT = readFileSync(
  new URL('../fixtures/spike-policy/policy.yaml', import.meta.url),
  'utf8',
);

/** The spike fixture policy as a signed bundle at `version`, with refunds allowed up to `refundLimit`. */
export function spikeBundle(version: string, refundLimit = 1000) {
  const text = SPIKE_POLICY_TEXT.replace('2026.11.26-1', version).replace(
    'tool.args.amount <= 1000.0',
    `tool.args.amount <= ${refundLimit.toFixed(1)}`,
  );
  return serializeBundle(signAll(bundleFromText(text, { version, changelog: `version ${version}` }), KEYS));
}

/** One instance and its own connections. */
export interface Instance {
  name: string;
  server: DecisionServer;
  url: string;
  node: ClusterNode;
  redis: Redis;
  notices: SpikeNotice[];
  stop(): Promise<void>;
}

/** The services, reached through proxies, and a way to start instances. */
export interface ClusterHarness {
  schema: string;
  prefix: string;
  redisProxy: TcpProxy;
  pgProxy: TcpProxy;
  start(name: string): Promise<Instance>;
  close(): Promise<void>;
}

/** Both services present (tests skip locally without them and fail loudly when CI=true). */
export async function servicesAvailable(): Promise<boolean> {
  return (await pgAvailable()) && (await redisAvailable());
}

/**
 * A Redis client through a loopback proxy at `port`: commands fail fast while it is cut, it
 * reconnects quickly once the proxy is back, and refused connections are not printed.
 */
export function redisThrough(port: number): Redis {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    maxRetriesPerRequest: 1,
    connectTimeout: 500,
    retryStrategy: () => 100,
  });
  redis.on('error', () => undefined);
  return redis;
}

/** Starts the proxies; instances connect through them. */
export async function clusterHarness(tag: string): Promise<ClusterHarness> {
  const schema = uniqueSchema(tag);
  const prefix = `rampart:test:${tag}:${process.pid}:${Date.now()}:`;
  const redisProxy = new TcpProxy('127.0.0.1', 6379);
  const pg = new URL(PG_URL);
  const pgProxy = new TcpProxy(pg.hostname, Number(pg.port || 5432));
  await redisProxy.start();
  await pgProxy.start();
  const pgUrl = new URL(PG_URL);
  pgUrl.host = `127.0.0.1:${pgProxy.port}`;
  const instances: Instance[] = [];
  return {
    schema,
    prefix,
    redisProxy,
    pgProxy,
    async start(name) {
      const redis = redisThrough(redisProxy.port);
      const kills = await RedisKillSwitches.open(redis, { prefix });
      const evidence = new PostgresSink({
        connection: { connectionString: pgUrl.toString(), connectionTimeoutMillis: 1000 },
        schema,
        stream: name,
      });
      const audit = new PostgresSink({
        connection: { connectionString: pgUrl.toString(), connectionTimeoutMillis: 1000 },
        schema,
        stream: `admin-${name}`,
      });
      const server = await createDecisionServer({
        evidence,
        admin: { audit },
        killSwitches: kills,
        auth: {
          apiKeys: [
            {
              id: 'oncall',
              sha256: hashApiKey(OPERATOR_KEY),
              scopes: ['decide', 'admin:read', 'killswitch'],
            },
          ],
        },
      });
      const url = await server.listen(0, '127.0.0.1');
      const notices: SpikeNotice[] = [];
      const node = await joinCluster({
        server,
        governance: GOVERNANCE,
        database: {
          connection: { connectionString: pgUrl.toString(), connectionTimeoutMillis: 1000 },
          schema,
        },
        redis,
        prefix,
        instance: name,
        notify: async (n) => {
          notices.push(n);
        },
        // Long poll: propagation measured here is the notice path, not the poll.
        pollMs: 30_000,
        tickMs: 200,
      });
      const inst: Instance = {
        name,
        server,
        url,
        node,
        redis,
        notices,
        async stop() {
          await node.stop();
          await server.close();
          redis.disconnect();
        },
      };
      instances.push(inst);
      return inst;
    },
    async close() {
      for (const i of instances) await i.stop().catch(() => undefined);
      await redisProxy.close();
      await pgProxy.close();
      const c = new Redis({ host: '127.0.0.1', port: 6379 });
      const keys = await c.keys(`${prefix}*`);
      if (keys.length > 0) await c.del(...keys);
      c.disconnect();
      await dropSchemas([schema]);
    },
  };
}

/** Polls `check` every 10 ms; the elapsed ms when it became true, or undefined after `ms`. */
export async function within(
  check: () => boolean | Promise<boolean>,
  ms: number,
): Promise<number | undefined> {
  const t0 = performance.now();
  while (!(await check())) {
    if (performance.now() - t0 > ms) return undefined;
    await new Promise((r) => setTimeout(r, 10));
  }
  return Math.round(performance.now() - t0);
}
