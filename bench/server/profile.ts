/**
 * Where a decision request's server time goes: `rampart serve` under `node --cpu-prof`, driven by the
 * benchmark's load, then the profile summarised by self time and by inclusive time of the server's
 * own functions.
 *
 * Usage: tsx bench/server/profile.ts [sqlite|postgres|memory] [seconds] [single|batch]
 * Env: PROFILE=0 (CPU per decision only), CONNECTIONS, WORKERS, SERVER_NODE_FLAGS (V8 flags for
 * the server process only, e.g. `--max-semi-space-size=32`: no gain measured, 72.8/75.9 vs 73.1 µs).
 * The raw profile stays in .prof/ (open it in Chrome DevTools for the full tree).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { drive } from './load.js';
import { buildScenario, rampartBatchLoad, rampartSingleLoad } from './scenario.js';
import { dropSchema, treeCpuSeconds } from './targets.js';

const kind = process.argv[2] ?? 'sqlite';
const seconds = Number(process.argv[3] ?? 10);
const shape = process.argv[4] ?? 'single';
const connections = Number(process.env.CONNECTIONS ?? 32);
const root = join(import.meta.dirname, '..', '..');
const profDir = join(root, '.prof');
mkdirSync(profDir, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'rampart-prof-server-'));
const scenario = buildScenario(dir, 100, 512, 10, 'claim_100');
const PG_URL = process.env.RAMPART_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `prof_server_${process.pid}`;

const env: Record<string, string> = { ...(process.env as Record<string, string>) };
if (kind === 'sqlite') env.RAMPART_EVIDENCE_PATH = join(dir, 'evidence.db');
if (kind === 'postgres') {
  env.RAMPART_DATABASE_URL = PG_URL;
  env.RAMPART_DATABASE_SCHEMA = schema;
}
const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
// PROFILE=0: no profiler, only the server's CPU time per decision (for before/after comparisons).
const profiling = process.env.PROFILE !== '0';
const child: ChildProcess = spawn(
  process.execPath,
  [
    ...(profiling ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    // SERVER_NODE_FLAGS: V8/Node flags for the server process only (the load generator keeps its own).
    ...(process.env.SERVER_NODE_FLAGS ? process.env.SERVER_NODE_FLAGS.split(' ') : []),
    '--import',
    tsx,
    join(root, 'src/cli/main.ts'),
    'serve',
    '--policy',
    scenario.policyDir,
    '--port',
    '0',
    '--evidence',
    kind,
    ...(process.env.WORKERS ? ['--workers', process.env.WORKERS] : []),
  ],
  { env, stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise<string>((resolve) => {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
    if (m && (Number(process.env.WORKERS ?? 1) <= 1 || /workers\s+\d/.test(out))) resolve(m[1] as string);
  });
});
const load = shape === 'batch' ? rampartBatchLoad(scenario) : rampartSingleLoad(scenario);
await drive(url, load, { seconds: 3, connections });
const t0 = Date.now();
const cpu0 = treeCpuSeconds(child.pid as number);
const m = await drive(url, load, { seconds, connections });
const cpu = treeCpuSeconds(child.pid as number) - cpu0;
process.stderr.write(
  `${Math.round(m.rps)} decisions/s, p50 ${m.p50_ms.toFixed(2)} ms, p99 ${m.p99_ms.toFixed(2)} ms over ${(Date.now() - t0) / 1000} s; server CPU ${((cpu * 1e6) / m.decisions).toFixed(1)} us/decision; load ${loadavg()[0]?.toFixed(1)}\n`,
);
await new Promise<void>((resolve) => {
  child.once('exit', () => resolve());
  child.kill('SIGTERM');
});
if (kind === 'postgres') await dropSchema(PG_URL, schema);
if (!profiling) process.exit(0);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const newest = readdirSync(profDir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => join(profDir, f))
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0] as string;
const prof = JSON.parse(readFileSync(newest, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
for (const s of prof.samples) self.set(s, (self.get(s) ?? 0) + 1);
const total = prof.samples.length;
const name = (n: Node) => {
  const file = n.callFrame.url.replace(/^.*\/(node_modules\/[^/]+|src|bench)\//, '$1/');
  return `${n.callFrame.functionName || '(anon)'} ${file}:${n.callFrame.lineNumber + 1}`;
};
const selfBy = new Map<string, number>();
const inclBy = new Map<string, number>();
for (const [id, count] of self) {
  const n = byId.get(id) as Node;
  selfBy.set(name(n), (selfBy.get(name(n)) ?? 0) + count);
  const seen = new Set<string>();
  for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
    const k = name(byId.get(p) as Node);
    if (seen.has(k)) continue;
    seen.add(k);
    inclBy.set(k, (inclBy.get(k) ?? 0) + count);
  }
}
const top = (m: Map<string, number>, n: number, filter: (k: string) => boolean = () => true) =>
  [...m]
    .filter(([k]) => filter(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`)
    .join('\n');
process.stdout.write(`profile ${newest}, ${total} samples\n\nself time:\n${top(selfBy, 40)}\n\n`);
process.stdout.write(
  `inclusive, rampart code:\n${top(inclBy, 45, (k) => k.includes(' src/') && !k.includes('main.ts'))}\n`,
);
