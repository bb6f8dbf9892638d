/**
 * `rampart serve --workers N`: N server processes sharing one port through `node:cluster`, so a
 * machine's cores all decide (one Node process saturates one core: HTTP parsing, the decision, the
 * evidence chain and the store commit all run on its main thread).
 *
 * What each worker keeps to itself, and how it stays correct:
 * - Evidence: every worker is its own writer with its own hash-chain stream (SQLite and JSONL take
 *   `default`, `default-<pid>`, … through the stream lock files; PostgreSQL gets `default` for the
 *   first worker and `default-w<k>` for the others), so chains never fork and `rampart logs verify`
 *   checks each stream. A record is still acknowledged only once durable.
 * - Kill switches without Redis: a change on one worker is relayed through the primary to every other
 *   worker (and to workers started later); with Redis they share the Redis hash as separate instances do.
 * - Metrics: `/metrics` on any worker answers with the sum over all workers (prom-client's cluster
 *   aggregation through the primary).
 * The primary only forks, relays and restarts: it opens no store and serves no request.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import type { ServeConfig } from './config.js';
import { type KillKind, type KillSwitch, MemoryKillSwitches } from './kill-switches.js';
import type { ServerMetrics } from './metrics.js';

/** The worker count `--workers` asks for: a positive integer, or `auto` (one per available core). */
export function parseWorkers(raw: string | undefined): number {
  if (raw === undefined) return 1;
  if (raw === 'auto') return availableParallelism();
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new RangeError(`--workers must be an integer 1-64 or auto, got ${JSON.stringify(raw)}`);
  return n;
}

type ToPrimary =
  | { rampart: 'listening'; banner: string[] }
  | { rampart: 'kill-set'; sw: KillSwitch }
  | { rampart: 'kill-clear'; kind: KillKind; name: string }
  | { rampart: 'metrics'; id: number };

type ToWorker =
  | { rampart: 'kill-set'; sw: KillSwitch }
  | { rampart: 'kill-clear'; kind: KillKind; name: string }
  | { rampart: 'kill-sync'; switches: KillSwitch[] }
  | { rampart: 'metrics'; id: number; text?: string; error?: string };

const isMessage = (m: unknown): m is { rampart: string } =>
  typeof m === 'object' && m !== null && typeof (m as { rampart?: unknown }).rampart === 'string';

/** This process's worker number (1…N) when it is a `--workers` worker, else undefined. */
export function workerIndex(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const n = Number(process.env.RAMPART_WORKER_INDEX);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Makes `config` the settings of worker `index`: its own evidence stream where the store has no stream
 * lock (PostgreSQL), its own admin audit stream. JSON Lines evidence is refused: writers of one file
 * would interleave and rotate it under each other.
 */
export function workerConfig(config: ServeConfig, index: number): void {
  config.worker = index;
  // Suffixed to whatever stream the instance already has (`default`, or `default-<instance>` in a cluster
  // of instances), so workers of different instances never share one either.
  if (config.evidence.kind === 'postgres' && index > 1)
    config.evidence.stream = `${config.evidence.stream ?? 'default'}-w${index}`;
}

/** Why `--workers` cannot be used with these settings, if it cannot. */
export function workersProblem(config: ServeConfig): string | undefined {
  if (config.evidence.kind === 'jsonl')
    return '--workers needs sqlite, postgres or memory evidence (JSON Lines files have one writer)';
  return undefined;
}

/** Kill switches of one worker, kept in step with the other workers through the primary. */
export class WorkerKillSwitches extends MemoryKillSwitches {
  private readonly onMessage = (m: unknown) => {
    if (!isMessage(m)) return;
    const msg = m as ToWorker;
    if (msg.rampart === 'kill-set') this.switches.set(`${msg.sw.kind}:${msg.sw.name}`, msg.sw);
    else if (msg.rampart === 'kill-clear') this.switches.delete(`${msg.kind}:${msg.name}`);
    else if (msg.rampart === 'kill-sync')
      for (const sw of msg.switches) this.switches.set(`${sw.kind}:${sw.name}`, sw);
  };

  constructor() {
    super();
    process.on('message', this.onMessage);
  }

  override async set(sw: KillSwitch): Promise<void> {
    await super.set(sw);
    sendToPrimary({ rampart: 'kill-set', sw });
  }

  override async clear(kind: KillKind, name: string): Promise<boolean> {
    const was = await super.clear(kind, name);
    sendToPrimary({ rampart: 'kill-clear', kind, name });
    return was;
  }

  override async close(): Promise<void> {
    process.off('message', this.onMessage);
  }
}

function sendToPrimary(m: ToPrimary): void {
  if (process.connected) process.send?.(m);
}

/** Makes this worker's `/metrics` answer with the sum over every worker. */
export function shareMetrics(metrics: ServerMetrics): void {
  // Constructing it installs prom-client's worker listener; our registry is the one it reports.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([metrics.registry]);
  let next = 0;
  const waiting = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  process.on('message', (m: unknown) => {
    if (!isMessage(m) || m.rampart !== 'metrics') return;
    const msg = m as Extract<ToWorker, { rampart: 'metrics' }>;
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.text !== undefined) w.resolve(msg.text);
    else w.reject(new Error(msg.error ?? 'metrics aggregation failed'));
  });
  metrics.aggregateWith(
    () =>
      new Promise<string>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        sendToPrimary({ rampart: 'metrics', id });
      }),
  );
}

/** Tells the primary this worker listens, with the lines it would have printed. */
export function reportListening(banner: string[]): void {
  sendToPrimary({ rampart: 'listening', banner });
}

/**
 * Runs the primary: forks `n` workers one after the other (the first creates keys and schema before
 * the others open the same store), prints the first worker's banner, relays kill switches and metrics,
 * restarts a worker that dies, and on SIGINT/SIGTERM stops every worker (each finishes its requests
 * and flushes its evidence) before resolving with the exit code.
 */
export function runPrimary(n: number, out: (line: string) => void): Promise<number> {
  const aggregator = new AggregatorRegistry();
  const switches = new Map<string, KillSwitch>();
  const indexOf = new Map<Worker, number>();
  let stopping = false;
  let restarts: number[] = [];

  const broadcast = (from: Worker | undefined, m: ToWorker) => {
    for (const w of Object.values(cluster.workers ?? {})) if (w && w !== from && w.isConnected()) w.send(m);
  };

  const fork = (index: number): Promise<{ worker: Worker; banner?: string[]; code?: number }> => {
    const worker = cluster.fork({ RAMPART_WORKER_INDEX: String(index) });
    indexOf.set(worker, index);
    worker.on('message', (m: unknown) => {
      if (!isMessage(m)) return;
      const msg = m as ToPrimary;
      if (msg.rampart === 'kill-set') {
        switches.set(`${msg.sw.kind}:${msg.sw.name}`, msg.sw);
        broadcast(worker, msg);
      } else if (msg.rampart === 'kill-clear') {
        switches.delete(`${msg.kind}:${msg.name}`);
        broadcast(worker, msg);
      } else if (msg.rampart === 'metrics') {
        aggregator.clusterMetrics().then(
          (text) => worker.isConnected() && worker.send({ rampart: 'metrics', id: msg.id, text }),
          (e: Error) =>
            worker.isConnected() && worker.send({ rampart: 'metrics', id: msg.id, error: e.message }),
        );
      }
    });
    return new Promise((resolve) => {
      worker.on('message', (m: unknown) => {
        if (isMessage(m) && m.rampart === 'listening') {
          if (switches.size > 0) worker.send({ rampart: 'kill-sync', switches: [...switches.values()] });
          resolve({ worker, banner: (m as Extract<ToPrimary, { rampart: 'listening' }>).banner });
        }
      });
      worker.once('exit', (code) => resolve({ worker, code: code ?? 1 }));
    });
  };

  return new Promise<number>((resolve) => {
    let exitCode = 0;
    const stopAll = (why: string) => {
      if (stopping) return;
      stopping = true;
      out(`rampart: ${why}, stopping the workers (each finishes its requests and flushes evidence)…`);
      const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
      if (alive.length === 0) return resolve(exitCode);
      let left = alive.length;
      for (const w of alive) {
        w.once('exit', (code) => {
          if (code !== 0) exitCode = code ?? 1;
          if (--left === 0) {
            out('rampart: stopped');
            resolve(exitCode);
          }
        });
        w.process.kill('SIGTERM');
      }
    };
    process.once('SIGINT', () => stopAll('SIGINT received'));
    process.once('SIGTERM', () => stopAll('SIGTERM received'));

    (async () => {
      const pids: number[] = [];
      let banner: string[] = [];
      for (let i = 1; i <= n; i++) {
        const r = await fork(i);
        if (r.code !== undefined) {
          // A worker that cannot start (bad policy, port in use) stops the whole server with its code.
          exitCode = r.code;
          stopAll(`worker ${i} exited with ${r.code} while starting`);
          return;
        }
        if (i === 1) banner = r.banner ?? [];
        pids.push(r.worker.process.pid as number);
      }
      for (const line of banner) out(line);
      out(
        `  workers   ${n} processes share the port (pids ${pids.join(', ')}); each writes its own evidence chain stream`,
      );
      cluster.on('exit', (worker, code, signal) => {
        if (stopping) return;
        const index = indexOf.get(worker) ?? 0;
        indexOf.delete(worker);
        const now = Date.now();
        restarts = [...restarts.filter((t) => now - t < 60_000), now];
        if (restarts.length > 5) {
          exitCode = 1;
          stopAll(
            `workers died 6 times within a minute (last: worker ${index}, ${signal ?? `exit ${code}`})`,
          );
          return;
        }
        out(`rampart: worker ${index} died (${signal ?? `exit ${code}`}); starting a new one`);
        void fork(index);
      });
    })();
  });
}
