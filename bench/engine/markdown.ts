// Prints the tables of bench/results/engine.json and bench/results/cel.json as Markdown, for
// BENCHMARKS.md. Usage: tsx bench/engine/markdown.ts
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const results = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

interface EngineRow {
  engine: string;
  rules: number;
  ops_per_s: number;
  p50_us: number;
  p99_us: number;
}
interface CelRow {
  library: string;
  variant: string;
  expression: string;
  ns_p50: number;
  ns_p99: number;
  ops_per_s: number;
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : n < 100 ? 1 : 0 });

const enginePath = join(results, 'engine.json');
if (existsSync(enginePath)) {
  const doc = JSON.parse(readFileSync(enginePath, 'utf8')) as {
    generated: string;
    mode: string;
    machine: string;
    node: string;
    results: EngineRow[];
  };
  console.log(`Engine (${doc.mode} run, ${doc.generated}, ${doc.machine}, Node ${doc.node})\n`);
  console.log('| engine | rules | decisions/s | p50 µs | p99 µs | Rampart throughput × | Rampart p50 × |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of doc.results) {
    const base = doc.results.find((x) => x.engine === 'rampart' && x.rules === r.rules);
    const ratio = base ? `${fmt(base.ops_per_s / r.ops_per_s)}×` : 'n/a';
    const p50 = base ? `${fmt(r.p50_us / base.p50_us)}×` : 'n/a';
    console.log(
      `| ${r.engine} | ${r.rules} | ${fmt(r.ops_per_s)} | ${fmt(r.p50_us)} | ${fmt(r.p99_us)} | ${ratio} | ${p50} |`,
    );
  }
  console.log();
}

const celPath = join(results, 'cel.json');
if (existsSync(celPath)) {
  const doc = JSON.parse(readFileSync(celPath, 'utf8')) as {
    generated: string;
    mode: string;
    node: string;
    versions: Record<string, string>;
    results: CelRow[];
  };
  const versions = Object.entries(doc.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(`CEL (${doc.mode} run, ${doc.generated}, Node ${doc.node}; ${versions})\n`);
  console.log('| condition | library / variant | ns/op p50 | ns/op p99 | ops/s |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of doc.results) {
    console.log(
      `| ${r.expression} | ${r.library} / ${r.variant} | ${fmt(r.ns_p50)} | ${fmt(r.ns_p99)} | ${fmt(r.ops_per_s)} |`,
    );
  }
}
