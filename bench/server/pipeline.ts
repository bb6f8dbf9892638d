/**
 * CPU per decision of the server's request pipeline without HTTP, stage by stage: body parse,
 * request check + decide (evidence to a sink that acknowledges at once), the same with the
 * hash-chained evidence write (memory store, then SQLite), and the response serialisation. What is
 * left of `bench/server/profile.ts`'s CPU per decision beyond these is Node's HTTP and socket work.
 *
 * Usage: tsx bench/server/pipeline.ts [count]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '../../src/bundle/load-policy.js';
import { MemorySink, SqliteSink } from '../../src/evidence/index.js';
import type { EvidenceSink } from '../../src/evidence/sink.js';
import type { Caller } from '../../src/server/auth.js';
import { parseJson } from '../../src/server/body.js';
import { Decider } from '../../src/server/decider.js';
import { decideOne, type HandlerDeps } from '../../src/server/handlers.js';
import { createMetrics } from '../../src/server/metrics.js';
import { TextDetectors } from '../../src/server/text-detectors.js';
import { buildScenario, rampartSingleLoad } from './scenario.js';

const count = Number(process.argv[2] ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), 'rampart-pipeline-'));
const scenario = buildScenario(dir, 100, 512, 10, 'claim_100');
const bodies = rampartSingleLoad(scenario).requests.map((r) => Buffer.from(r.body));
const policy = await loadPolicy(scenario.policyDir);
const caller: Caller = { id: 'anonymous', scopes: new Set(['decide']) } as unknown as Caller;

const acknowledging: EvidenceSink = {
  open: async () => undefined,
  write: () => Promise.resolve(),
  flush: async () => undefined,
  close: async () => undefined,
  health: async () => ({ ok: true, queued: 0, spilled: 0 }),
};

function deps(sink: EvidenceSink): HandlerDeps {
  const metrics = createMetrics({
    evidenceHealth: () => sink.health(),
    activePolicy: () => ({
      name: policy.name,
      version: policy.version,
      digest: policy.digest,
      kind: 'directory',
    }),
  });
  return {
    decider: new Decider(sink, policy),
    metrics,
    detectors: () => TextDetectors.fromPolicy(policy),
    maxBatch: 100,
  };
}

/** CPU µs per request of `fn` over `count` requests, `inflight` awaited together (like concurrent connections). */
async function cpuPer(fn: (i: number) => unknown, inflight = 32): Promise<number> {
  for (let i = 0; i < 2000; i++) await fn(i);
  const c0 = process.cpuUsage();
  for (let i = 0; i < count; i += inflight) {
    const batch: unknown[] = [];
    for (let j = 0; j < inflight; j++) batch.push(fn(i + j));
    await Promise.all(batch);
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / count;
}

const parsed = bodies.map((b) => parseJson(b, 64));
const rows: [string, number][] = [];
rows.push([
  'parse body (JSON, depth check)',
  await cpuPer((i) => parseJson(bodies[i % bodies.length] as Buffer, 64)),
]);
const d0 = deps(acknowledging);
rows.push([
  'check + decide + metrics (evidence acked at once)',
  await cpuPer((i) => decideOne(d0, caller, 'tool', parsed[i % parsed.length])),
]);
const sample = await decideOne(d0, caller, 'tool', parsed[0]);
rows.push(['serialise response', await cpuPer(() => JSON.stringify(sample))]);
for (const [name, make] of [
  ['memory (chain only)', () => new MemorySink({ subjectKey: 'k'.repeat(32) })],
  ['sqlite (durable)', () => new SqliteSink({ path: join(dir, 'evidence.db'), subjectKey: 'k'.repeat(32) })],
] as const) {
  const sink = make();
  await sink.open();
  const d = deps(sink);
  rows.push([
    `check + decide + metrics + evidence ${name}`,
    await cpuPer((i) => decideOne(d, caller, 'tool', parsed[i % parsed.length])),
  ]);
  await sink.close();
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`CPU µs per decision, ${count} decisions, load ${loadavg()[0]?.toFixed(1)}\n`);
for (const [k, v] of rows) process.stdout.write(`${v.toFixed(2).padStart(8)}  ${k}\n`);
