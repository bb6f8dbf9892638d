/**
 * Starting a server from resolved settings: open the configured evidence store, load and compile the
 * policy directory (a policy that does not load stops the start — better than serving the safe
 * baseline by surprise), listen, and describe where to look.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ActivationStore } from '../bundle/activation-store.js';
import type { BundleSource } from '../bundle/file-source.js';
import { type Governance, parseGovernance } from '../bundle/governance.js';
import { loadPolicy } from '../bundle/load-policy.js';
import { PolicyRuntime } from '../bundle/policy-runtime.js';
import { watchStateDir } from '../bundle/state-dir-source.js';
import type { CompiledPolicy } from '../engine/index.js';
import { JsonlSink, MemorySink, PostgresSink, SqliteSink } from '../evidence/index.js';
import type { EvidenceSink } from '../evidence/sink.js';
import { openAuditSink } from './admin/audit-sink.js';
import { startExtensions } from './cluster/start-extensions.js';
import { openStartupKillSwitches, sharedRedisClient } from './cluster/startup-kill-switches.js';
import { type ServeConfig, streamSlug } from './config.js';
import { POSTGRES_KEY_DIR, postgresEvidenceKeys } from './evidence-keys.js';
import type { KillSwitchStore } from './kill-switches.js';
import { createDecisionServer, type DecisionServer } from './server.js';

/** A started server and the lines to print about it. */
export interface StartedServer {
  server: DecisionServer;
  url: string;
  banner: string[];
  /** Stops following the state directory (if any) and closes the server. */
  stop(): Promise<void>;
}

/**
 * The connection string with `synchronous_commit=off` for the sink's sessions: PostgreSQL then
 * acknowledges a commit before its WAL reaches the disk (a server crash stays consistent but may
 * lose the last commits; a crash of this process loses nothing acknowledged).
 */
export function withoutCommitFlush(url: string): string {
  const u = new URL(url);
  const options = [u.searchParams.get('options'), '-c synchronous_commit=off'].filter(Boolean).join(' ');
  u.searchParams.set('options', options);
  return u.toString();
}

function openEvidence(config: ServeConfig['evidence']): { sink: EvidenceSink; label: string } {
  switch (config.kind) {
    case 'memory':
      return { sink: new MemorySink(), label: 'memory (records are lost on exit)' };
    case 'postgres':
      return {
        sink: new PostgresSink({
          connection:
            config.fsync === false ? withoutCommitFlush(config.url as string) : (config.url as string),
          ...postgresEvidenceKeys(),
          ...(config.schema ? { schema: config.schema } : {}),
          ...(config.stream ? { stream: config.stream } : {}),
        }),
        label: `postgres${config.schema ? ` schema ${config.schema}` : ''} (keys in ${POSTGRES_KEY_DIR}/)${config.fsync === false ? '; synchronous_commit off' : ''}`,
      };
    case 'jsonl': {
      const path = config.path as string;
      mkdirSync(dirname(path), { recursive: true });
      return { sink: new JsonlSink({ path }), label: `jsonl ${path}` };
    }
    case 'sqlite': {
      const path = config.path as string;
      mkdirSync(dirname(path), { recursive: true });
      return {
        sink: new SqliteSink({ path, durable: config.fsync !== false }),
        label: `sqlite ${path}${config.fsync === false ? ' (fsync off: survives a process crash, not an OS crash)' : ''}`,
      };
    }
  }
}

/**
 * Loads the policy (a directory, or the verified active bundle of a state directory, followed for hot
 * reload), opens evidence and listens. Policy errors are thrown as they come (`PolicyLoadError`).
 */
export async function startServer(
  config: ServeConfig,
  /** Kill switches to use when no Redis is configured (a `--workers` worker relays them). */
  localKillSwitches?: KillSwitchStore,
): Promise<StartedServer> {
  let runtime: PolicyRuntime | undefined;
  let store: ActivationStore | undefined;
  let policy: CompiledPolicy | undefined;
  const governance = config.governance
    ? parseGovernance(await readFile(config.governance, 'utf8'), config.governance)
    : undefined;
  if (config.stateDir && governance) {
    runtime = new PolicyRuntime({ governance, actor: 'rampart-serve' });
    // The admin API writes the same directory `rampart activate` does, verified against the same file.
    store = new ActivationStore(config.stateDir, governance);
  } else if (config.activation !== 'postgres') {
    policy = await loadPolicy(config.policyDir);
  }
  const { sink, label } = openEvidence(config.evidence);
  // Under --workers each worker is a writer of its own: worker k > 1 audits to `<stream>-w<k>`.
  const auditBase =
    config.activation === 'postgres' && config.instance ? `admin-${streamSlug(config.instance)}` : 'admin';
  const audit =
    config.worker !== undefined && config.worker > 1
      ? openAuditSink(config.evidence, `${auditBase}-w${config.worker}`)
      : auditBase === 'admin'
        ? openAuditSink(config.evidence)
        : openAuditSink(config.evidence, auditBase);
  // Starts while Redis is away (tool calls fail closed until the switches are loaded; see the store).
  const killSwitches = config.redisUrl
    ? await openStartupKillSwitches(sharedRedisClient(config.redisUrl), {
        ownsClient: true,
        ...(config.redisPrefix !== undefined ? { prefix: config.redisPrefix } : {}),
      })
    : localKillSwitches;
  const server = await createDecisionServer({
    ...(policy ? { policy } : {}),
    policyKind: 'directory',
    evidence: sink,
    evidenceLabel: label,
    auth: config.auth,
    limits: config.limits,
    ...(killSwitches ? { killSwitches } : {}),
    // The runtime's activations reach the server through the admin wiring (also for API actions).
    admin: {
      ...(runtime && store ? { runtime, store, exceptionsPath: join(store.dir, 'exceptions.json') } : {}),
      ...(audit ? { audit: audit.sink } : {}),
    },
  });
  let source: BundleSource | undefined;
  if (runtime && config.stateDir) {
    // Only verified bundles reach `activated` (the server listens for it); the safe baseline keeps /readyz at 503.
    source = await watchStateDir(config.stateDir, runtime, { actor: 'rampart-serve' });
  }
  // Spike guard, escalation webhook, and with `activation: postgres` the cluster node.
  const extensions = await startExtensions(
    server,
    config,
    governance as Governance | undefined,
    runtime && store ? { runtime, store } : undefined,
  );
  const url = await server.listen(config.port, config.host);
  const active = server.decider.active();
  const policyLine =
    config.activation === 'postgres'
      ? `  policy    ${active ? `${active.name} ${active.version} (${active.digest.slice(0, 19)}…)` : 'safe baseline (no verified bundle yet; /readyz is 503)'} from the PostgreSQL activation state, followed`
      : config.stateDir
        ? `  policy    ${active ? `${active.name} ${active.version} (${active.digest.slice(0, 19)}…)` : 'safe baseline (no verified bundle yet; /readyz is 503)'} from state ${config.stateDir}, hot reload on`
        : `  policy    ${policy?.name} ${policy?.version} (${policy?.digest.slice(0, 19)}…) from ${config.policyDir}`;
  const banner = [
    `rampart decision server listening on ${url}`,
    policyLine,
    `  evidence  ${label}`,
    server.auth.open
      ? '  auth      none configured: loopback only, anonymous callers may `decide` (configure API keys or JWT for more)'
      : `  auth      ${[config.auth.apiKeys ? `${config.auth.apiKeys.length} API key(s)` : '', config.auth.jwt ? 'JWT' : ''].filter(Boolean).join(' + ')}`,
    `  kill      ${config.redisUrl ? 'switches shared through Redis' : 'switches in this process only (set RAMPART_REDIS_URL to share)'}; POST ${url}/v1/admin/killswitch`,
    ...extensions.banner,
    `  decide    POST ${url}/v1/decide/{input|route|tool|output|persist}`,
    `  admin     ${url}/v1/admin/{bundles,exceptions,logs}${config.stateDir || config.activation === 'postgres' ? '' : ' (bundles and exceptions need --state or activation: postgres)'}; audit ${audit?.label ?? 'stream admin of the same store'}`,
    `  openapi   ${url}/openapi.json`,
    `  health    ${url}/healthz  ready: ${url}/readyz`,
    `  metrics   ${url}/metrics`,
  ];
  return {
    server,
    url,
    banner,
    async stop() {
      source?.stop();
      await extensions.stop();
      await server.close();
    },
  };
}
