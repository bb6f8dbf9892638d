/**
 * Starting a server from resolved settings: open the configured evidence store, load and compile the
 * policy directory (a policy that does not load stops the start — better than serving the safe
 * baseline by surprise), listen, and describe where to look.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Redis } from 'ioredis';
import { loadPolicy } from '../bundle/load-policy.js';
import { JsonlSink, MemorySink, PostgresSink, SqliteSink } from '../evidence/index.js';
import type { EvidenceSink } from '../evidence/sink.js';
import type { ServeConfig } from './config.js';
import { RedisKillSwitches } from './kill-switches.js';
import { createDecisionServer, type DecisionServer } from './server.js';

/** A started server and the lines to print about it. */
export interface StartedServer {
  server: DecisionServer;
  url: string;
  banner: string[];
}

function openEvidence(config: ServeConfig['evidence']): { sink: EvidenceSink; label: string } {
  switch (config.kind) {
    case 'memory':
      return { sink: new MemorySink(), label: 'memory (records are lost on exit)' };
    case 'postgres':
      return { sink: new PostgresSink({ connection: config.url as string }), label: 'postgres' };
    case 'jsonl': {
      const path = config.path as string;
      mkdirSync(dirname(path), { recursive: true });
      return { sink: new JsonlSink({ path }), label: `jsonl ${path}` };
    }
    case 'sqlite': {
      const path = config.path as string;
      mkdirSync(dirname(path), { recursive: true });
      return { sink: new SqliteSink({ path }), label: `sqlite ${path}` };
    }
  }
}

/** Loads the policy, opens evidence and listens. Policy errors are thrown as they come (`PolicyLoadError`). */
export async function startServer(config: ServeConfig): Promise<StartedServer> {
  const policy = await loadPolicy(config.policyDir);
  const { sink, label } = openEvidence(config.evidence);
  const killSwitches = config.redisUrl
    ? await RedisKillSwitches.open(new Redis(config.redisUrl, { maxRetriesPerRequest: 1 }), {
        ownsClient: true,
      })
    : undefined;
  const server = await createDecisionServer({
    policy,
    policyKind: 'directory',
    evidence: sink,
    evidenceLabel: label,
    auth: config.auth,
    limits: config.limits,
    ...(killSwitches ? { killSwitches } : {}),
  });
  const url = await server.listen(config.port, config.host);
  const banner = [
    `rampart decision server listening on ${url}`,
    `  policy    ${policy.name} ${policy.version} (${policy.digest.slice(0, 19)}…) from ${config.policyDir}`,
    `  evidence  ${label}`,
    server.auth.open
      ? '  auth      none configured: loopback only, anonymous callers may `decide` (configure API keys or JWT for more)'
      : `  auth      ${[config.auth.apiKeys ? `${config.auth.apiKeys.length} API key(s)` : '', config.auth.jwt ? 'JWT' : ''].filter(Boolean).join(' + ')}`,
    `  kill      ${config.redisUrl ? 'switches shared through Redis' : 'switches in this process only (set RAMPART_REDIS_URL to share)'}; POST ${url}/v1/admin/killswitch`,
    `  decide    POST ${url}/v1/decide/{input|route|tool|output|persist}`,
    `  openapi   ${url}/openapi.json`,
    `  health    ${url}/healthz  ready: ${url}/readyz`,
    `  metrics   ${url}/metrics`,
  ];
  return { server, url, banner };
}
