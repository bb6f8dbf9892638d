/**
 * `rampart serve`: the HTTP decision server. With no configuration it serves the flagship example
 * policy on 127.0.0.1:8181 with SQLite evidence in `./.rampart/`. SIGINT/SIGTERM stop accepting,
 * finish in-flight requests and flush evidence before exiting.
 */
import cluster from 'node:cluster';
import type { Command } from 'commander';
import { resolveServeConfig, type ServeFlags } from '../../server/config.js';
import { isServerError } from '../../server/errors.js';
import { startServer } from '../../server/start.js';
import {
  parseWorkers,
  reportListening,
  runPrimary,
  shareMetrics,
  WorkerKillSwitches,
  workerConfig,
  workerIndex,
  workersProblem,
} from '../../server/workers.js';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../exit.js';
import { handlePolicyError } from '../policy-errors.js';

/** Starts the server and waits for a signal; resolves with the exit code. */
export async function runServe(
  flags: ServeFlags & { workers?: string },
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  let config: ReturnType<typeof resolveServeConfig>;
  let workers: number;
  try {
    config = resolveServeConfig(flags, process.env);
    workers = parseWorkers(flags.workers);
  } catch (e) {
    if (isServerError(e) || e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  if (workers > 1) {
    const problem = workersProblem(config);
    if (problem) throw new UsageError(problem);
    if (cluster.isPrimary) return runPrimary(workers, out);
  }
  const worker = workerIndex();
  if (worker !== undefined) workerConfig(config, worker);
  let started: Awaited<ReturnType<typeof startServer>>;
  try {
    started = await startServer(config, worker !== undefined ? new WorkerKillSwitches() : undefined);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new UsageError(`port ${config.port} on ${config.host} is already in use (try --port)`);
    if (code === 'EACCES') throw new UsageError(`not allowed to listen on ${config.host}:${config.port}`);
    if (isServerError(e)) throw new UsageError(e.message);
    return handlePolicyError(e);
  }
  if (worker !== undefined) {
    // The primary prints one banner for all workers; a worker's /metrics sums over all of them.
    shareMetrics(started.server.metrics);
    reportListening(started.banner);
  } else for (const line of started.banner) out(line);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      if (worker === undefined) out(`rampart: ${signal} received, finishing requests and flushing evidence…`);
      started.stop().then(
        () => {
          if (worker === undefined) out('rampart: stopped');
          resolve(EXIT_OK);
        },
        (e: unknown) => {
          process.stderr.write(`rampart: evidence flush failed: ${(e as Error).message}\n`);
          resolve(EXIT_FAILURE);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** Registers `rampart serve`. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP decision server (decision API, scan/redact, /metrics, /openapi.json)')
    .option('--policy <dir>', 'policy directory (env RAMPART_POLICY; default: the claims-assistant example)')
    .option('--port <n>', 'port (env RAMPART_PORT; default 8181; 0 picks a free port)')
    .option('--host <addr>', 'address to bind (env RAMPART_HOST; default 127.0.0.1; non-loopback needs auth)')
    .option(
      '--evidence <kind>',
      'sqlite | postgres | jsonl | memory (env RAMPART_EVIDENCE; default sqlite in ./.rampart/)',
    )
    .option(
      '--workers <n>',
      'server processes sharing the port, or auto (one per core); each writes its own evidence chain stream (default 1)',
    )
    .option(
      '--state <dir>',
      'activation state directory (env RAMPART_STATE_DIR): serve its verified active bundle, followed for hot reload; enables the admin bundle and exception routes',
    )
    .option(
      '--governance <file>',
      'trusted governance.yaml bundles are verified against (env RAMPART_GOVERNANCE; needed with --state and activation: postgres)',
    )
    .option(
      '--config <file>',
      'YAML or JSON config file (env RAMPART_CONFIG): policy, port, host, evidence, auth, limits, state, governance, activation, redisUrl',
    )
    .addHelpText(
      'after',
      '\nEnvironment: RAMPART_PORT, RAMPART_HOST, RAMPART_POLICY, RAMPART_EVIDENCE, RAMPART_EVIDENCE_PATH,\n' +
        'RAMPART_DATABASE_URL and RAMPART_DATABASE_SCHEMA (postgres), RAMPART_API_KEYS_FILE, RAMPART_JWT_SECRET, RAMPART_JWT_PUBLIC_KEY,\n' +
        'RAMPART_JWT_ISSUER, RAMPART_JWT_AUDIENCE, RAMPART_STATE_DIR, RAMPART_GOVERNANCE, RAMPART_REDIS_URL,\n' +
        'RAMPART_MAX_BUNDLE_BYTES (admin bundle uploads, e.g. 16MiB; default 8MiB). Flags win over environment, environment over the config file.\n' +
        'API keys are configured by their sha256 only: {"apiKeys":[{"id","sha256":"sha256:<hex>","scopes":["decide"]}]}.\n' +
        'Exit codes: 0 stopped by SIGINT/SIGTERM; 1 the policy does not load; 2 bad settings or port in use.\n' +
        'Example: rampart serve --port 8181 & curl -s localhost:8181/v1/decide/input -H \'content-type: application/json\' -d \'{"principal":{"id":"u1"},"input":{"text":"hi"}}\'',
    )
    .action(async (flags: ServeFlags & { workers?: string }) => {
      if (!cluster.isWorker) {
        process.exitCode = await runServe(flags);
        return;
      }
      // The IPC channel to the primary keeps a worker alive: exit once stopped, or once a failure
      // to start has been reported (by the caller, with its exit code).
      try {
        process.exitCode = await runServe(flags);
      } finally {
        setImmediate(() => process.exit());
      }
    });
}
