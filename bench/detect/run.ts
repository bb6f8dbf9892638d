/**
 * `npm run bench:detect [-- --quick] [-- --rounds=N]`: quality (precision, recall, F1 per type and detector) on the
 * labeled corpus, and throughput (MB/s, one core) on a realistic mixed text, beside the JavaScript
 * peers (`redact-pii`, `@redactpii/node`, the hai-guardrails injection heuristic) on the same input.
 * Prints tables and writes bench/results/detect.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { Redactor } from '@redactpii/node';
import { SyncRedactor } from 'redact-pii';
import { createInjectionDetector, createPiiDetector, createSecretsDetector } from '../../src/detect/index.js';
import type { Detector } from '../../src/policy/detector-contract.js';
import type { Finding } from '../../src/policy/types.js';
import type { Label, Sample } from './corpus.js';
import { buildSpeedText } from './speed-text.js';

const quick = process.argv.includes('--quick');
const root = path.join(import.meta.dirname, '..', '..');
const corpus: Sample[] = readFileSync(path.join(root, 'test/fixtures/detect/corpus.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Sample);

const detectors: Record<Sample['detector'], Detector> = {
  pii: createPiiDetector('pii', { use: 'builtin/pii' }),
  secrets: createSecretsDetector('secrets', { use: 'builtin/secrets' }),
  injection: createInjectionDetector('injection', { use: 'builtin/injection' }),
};

interface Row {
  detector: string;
  type: string;
  precision: number;
  recall: number;
  f1: number;
  n: number;
}
const round = (x: number): number => Math.round(x * 10000) / 10000;
function row(detector: string, type: string, tp: number, fp: number, fn: number): Row {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { detector, type, precision: round(precision), recall: round(recall), f1: round(f1), n: tp + fn };
}

/** Greedy one-to-one matching of predictions to labels by overlap (and type unless `anyType`). */
function match(labels: Label[], found: Finding[], anyType: boolean): { tp: number; fp: number; fn: number } {
  const used = new Set<number>();
  let tp = 0;
  for (const l of labels) {
    const i = found.findIndex(
      (f, k) => !used.has(k) && (anyType || f.type === l.type) && f.start < l.end && l.start < f.end,
    );
    if (i >= 0) {
      used.add(i);
      tp++;
    }
  }
  return { tp, fp: found.length - used.size, fn: labels.length - tp };
}

// ---------- quality ----------
const quality: Row[] = [];
const extra: Record<string, number> = {};
for (const name of ['pii', 'secrets'] as const) {
  const samples = corpus.filter((s) => s.detector === name);
  const perType = new Map<string, { tp: number; fp: number; fn: number }>();
  const all = { tp: 0, fp: 0, fn: 0 };
  let negatives = 0;
  let negativesFlagged = 0;
  for (const s of samples) {
    const found = detectors[name].scan(s.text);
    if (s.labels.length === 0) {
      negatives++;
      if (found.length > 0) negativesFlagged++;
    }
    const types = new Set([...s.labels.map((l) => l.type), ...found.map((f) => f.type)]);
    for (const t of types) {
      const m = match(
        s.labels.filter((l) => l.type === t),
        found.filter((f) => f.type === t),
        false,
      );
      const acc = perType.get(t) ?? { tp: 0, fp: 0, fn: 0 };
      acc.tp += m.tp;
      acc.fp += m.fp;
      acc.fn += m.fn;
      perType.set(t, acc);
    }
    const m = match(s.labels, found, true);
    all.tp += m.tp;
    all.fp += m.fp;
    all.fn += m.fn;
  }
  for (const [t, m] of [...perType].sort(([a], [b]) => a.localeCompare(b)))
    quality.push(row(name, t, m.tp, m.fp, m.fn));
  quality.push(row(name, '*', all.tp, all.fp, all.fn));
  extra[`${name}_negative_samples`] = negatives;
  extra[`${name}_negative_false_positive_rate`] = round(negativesFlagged / Math.max(1, negatives));
}

const injectionSamples = corpus.filter((s) => s.detector === 'injection');
function injectionRow(label: string, flag: (text: string) => boolean, samples: Sample[]): Row {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let neg = 0;
  for (const s of samples) {
    const positive = s.labels.length > 0;
    const flagged = flag(s.text);
    if (positive && flagged) tp++;
    else if (positive) fn++;
    else {
      neg++;
      if (flagged) fp++;
    }
  }
  extra[`${label}_benign_false_positive_rate`] = round(fp / Math.max(1, neg));
  return row(label, 'PROMPT_INJECTION', tp, fp, fn);
}
quality.push(injectionRow('injection', (t) => detectors.injection.scan(t).length > 0, injectionSamples));

// Peer: the hai-guardrails injection heuristic. Its package entry cannot be imported on this machine
// (1.12.0 starts a piscina worker at import time from a path on the publisher's CI machine), so the
// shipped heuristic worker function is called directly with the keyword list its guard builds.
const haiDir = path.join(root, 'node_modules/@presidio-dev/hai-guardrails/dist');
const haiWorker = (await import(path.join(haiDir, 'workers/heuristic.worker.js'))).default as (args: {
  input: string;
  keyword: string;
  threshold: number;
}) => Promise<{ score: number }>;
const haiSource = readFileSync(path.join(haiDir, 'index.js'), 'utf8');
const generatorSource = haiSource.slice(
  haiSource.indexOf('function generateInjectionKeywords()'),
  haiSource.indexOf('var InjectionKeywords = generateInjectionKeywords();'),
);
const haiKeywords = new Function(`${generatorSource}; return generateInjectionKeywords();`)() as string[];
const HAI_THRESHOLD = 0.7;
async function haiScore(text: string): Promise<number> {
  let best = 0;
  for (const keyword of haiKeywords)
    best = Math.max(best, (await haiWorker({ input: text, keyword, threshold: HAI_THRESHOLD })).score);
  return best;
}
// Its cost (about 5 s per sample here) limits it to a fixed, evenly spread subset.
const haiSamples = injectionSamples.filter((_, i) => i % (quick ? 12 : 4) === 0);
const haiFlags = new Map<string, boolean>();
for (const s of haiSamples) haiFlags.set(s.id, (await haiScore(s.text)) >= HAI_THRESHOLD);
quality.push(
  injectionRow(
    'hai-guardrails heuristic (peer)',
    (t) => haiFlags.get(haiSamples.find((s) => s.text === t)?.id ?? '') ?? false,
    haiSamples,
  ),
);

// Redaction-level comparison for PII: a labeled value counts as caught when it no longer appears in
// the redacted text; a hard negative counts as a false positive when the text changed at all.
const redactPii = new SyncRedactor();
const redactpiiNode = new Redactor();
const ours = (t: string): string => {
  const f = detectors.pii.scan(t);
  let out = t;
  for (const x of [...f].sort((a, b) => b.start - a.start))
    out = out.slice(0, x.start) + '█' + out.slice(x.end);
  return out;
};
const redactionTools: [string, (t: string) => string][] = [
  ['rampart builtin/pii', ours],
  ['redact-pii', (t) => redactPii.redact(t)],
  ['@redactpii/node', (t) => redactpiiNode.redact(t)],
];
const piiSamples = corpus.filter((s) => s.detector === 'pii');
const redactionComparison: { tool: string; type: string; caught: number; n: number }[] = [];
for (const [tool, fn] of redactionTools) {
  const perType = new Map<string, { caught: number; n: number }>();
  let negChanged = 0;
  let neg = 0;
  for (const s of piiSamples) {
    const out = fn(s.text);
    if (s.labels.length === 0) {
      neg++;
      if (out !== s.text) negChanged++;
    }
    for (const l of s.labels) {
      const acc = perType.get(l.type) ?? { caught: 0, n: 0 };
      acc.n++;
      if (!out.includes(s.text.slice(l.start, l.end))) acc.caught++;
      perType.set(l.type, acc);
    }
  }
  for (const [type, a] of [...perType].sort(([x], [y]) => x.localeCompare(y)))
    redactionComparison.push({ tool, type, ...a });
  redactionComparison.push({
    tool,
    type: 'hard negatives changed (lower is better)',
    caught: negChanged,
    n: neg,
  });
}

// ---------- speed ----------
const SPEED_BYTES = quick ? 1_000_000 : 10_000_000;
const pieces = buildSpeedText(SPEED_BYTES);
const totalChars = pieces.reduce((n, p) => n + p.length, 0);
/** CPU seconds of this process: on a shared, loaded machine wall time mostly measures the neighbours. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
const wall: Record<string, number> = {};
function measure(fn: (text: string) => unknown, label: string, inputs: string[] = pieces): number {
  const warm = inputs.slice(0, Math.max(1, Math.floor(inputs.length / 20)));
  for (const p of warm) fn(p);
  const chars = inputs.reduce((n, p) => n + p.length, 0);
  const c0 = cpuSeconds();
  const t0 = performance.now();
  for (const p of inputs) fn(p);
  wall[label] = Math.round((chars / 1e6 / ((performance.now() - t0) / 1000)) * 100) / 100;
  return Math.round((chars / 1e6 / (cpuSeconds() - c0)) * 100) / 100;
}
const speed: { tool: string; mb_per_s: number }[] = [];
/** The machine is shared: the 1-minute load average before and after the speed runs goes with the figures. */
const loadAverage = { before: Math.round((loadavg()[0] ?? 0) * 100) / 100, after: 0 };
const tools: [string, (t: string) => unknown][] = [
  ['rampart pii+secrets', (t) => [detectors.pii.scan(t), detectors.secrets.scan(t)]],
  ['rampart pii', (t) => detectors.pii.scan(t)],
  ['rampart secrets', (t) => detectors.secrets.scan(t)],
  ['rampart injection', (t) => detectors.injection.scan(t)],
  ['redact-pii SyncRedactor (peer)', (t) => redactPii.redact(t)],
  ['@redactpii/node Redactor (peer)', (t) => redactpiiNode.redact(t)],
];
// Several rounds, best kept: the first pass of each tool pays JIT and lazy metadata loading, and on a
// shared machine any one pass may land in a burst of the neighbours' load. The order rotates each
// round so no tool is always measured first (right after another tool's allocations).
const roundsArg = process.argv.find((a) => a.startsWith('--rounds='));
const ROUNDS = Math.max(1, Number(roundsArg?.slice('--rounds='.length) ?? (quick ? 2 : 3)) || 3);
const best = new Map<string, number>();
const bestWall: Record<string, number> = {};
for (let round = 0; round < ROUNDS; round++)
  for (let k = 0; k < tools.length; k++) {
    const [tool, fn] = tools[(k + round) % tools.length] as [string, (t: string) => unknown];
    const mbps = measure(fn, tool);
    if (mbps > (best.get(tool) ?? 0)) best.set(tool, mbps);
    bestWall[tool] = Math.max(bestWall[tool] ?? 0, wall[tool] ?? 0);
  }
for (const [tool] of tools) speed.push({ tool, mb_per_s: best.get(tool) ?? 0 });
loadAverage.after = Math.round((loadavg()[0] ?? 0) * 100) / 100;
Object.assign(wall, bestWall);
// The hai heuristic compares every token window with 8 800 keywords; it gets a small slice.
const haiSlice = pieces.slice(0, 1);
const haiChars = haiSlice.reduce((n, p) => n + p.length, 0);
const h0 = cpuSeconds();
for (const p of haiSlice) await haiScore(p);
speed.push({
  tool: `hai-guardrails injection heuristic (peer, ${(haiChars / 1000).toFixed(1)} KB slice)`,
  mb_per_s: Math.round((haiChars / 1e6 / (cpuSeconds() - h0)) * 100000) / 100000,
});

// ---------- report ----------
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
console.log(
  `\nQuality on ${corpus.length} labeled samples (test/fixtures/detect/corpus.jsonl)${quick ? ', quick mode' : ''}`,
);
console.log(
  'detector'.padEnd(34) +
    'type'.padEnd(24) +
    'precision'.padStart(10) +
    'recall'.padStart(9) +
    'F1'.padStart(8) +
    'n'.padStart(6),
);
for (const r of quality)
  console.log(
    r.detector.padEnd(34) +
      r.type.padEnd(24) +
      pct(r.precision).padStart(10) +
      pct(r.recall).padStart(9) +
      pct(r.f1).padStart(8) +
      String(r.n).padStart(6),
  );
console.log('\nRates:');
for (const [k, val] of Object.entries(extra)) console.log(`  ${k}: ${k.includes('rate') ? pct(val) : val}`);
console.log('\nRedaction comparison on PII samples (value removed from output):');
console.log('tool'.padEnd(22) + 'type'.padEnd(44) + 'caught'.padStart(12));
for (const r of redactionComparison)
  console.log(r.tool.padEnd(22) + r.type.padEnd(44) + `${r.caught}/${r.n}`.padStart(12));
console.log(
  `\nThroughput on ${(totalChars / 1e6).toFixed(1)} M characters of mixed text in ${pieces.length} pieces (one core; MB per CPU-second, wall-clock MB/s in brackets):`,
);
const base = speed[0]?.mb_per_s ?? 1;
for (const s of speed)
  console.log(
    `${s.tool.padEnd(62)}${s.mb_per_s.toFixed(s.mb_per_s < 0.1 ? 4 : 2).padStart(10)} MB/s  [${wall[s.tool] ?? '-'}]  (${(s.mb_per_s / base).toFixed(4)}× rampart pii+secrets)`,
  );

const outDir = path.join(root, 'bench/results');
mkdirSync(outDir, { recursive: true });
writeFileSync(
  path.join(outDir, 'detect.json'),
  `${JSON.stringify({ quality, speed, speed_wall_clock_mb_per_s: wall, load_average_1min: loadAverage, speed_rounds: ROUNDS, rates: extra, redaction_comparison: redactionComparison, quick, corpus_samples: corpus.length, speed_chars: totalChars }, null, 2)}\n`,
);
console.log(
  `\nload average (1 min) before/after the speed runs: ${loadAverage.before} / ${loadAverage.after}`,
);
console.log('\nwrote bench/results/detect.json');
