// CEL library comparison for the policy engine: the same policy-like conditions, parsed once and
// evaluated many times, in @marcbachmann/cel-js and @bufbuild/cel (plus a hand-written JS closure as the
// ceiling). Usage: tsx bench/cel/run.ts [--quick]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as bufParse, plan as bufPlan, celEnv } from '@bufbuild/cel';
import { parse as cjParse, Environment } from '@marcbachmann/cel-js';
import { measureSync } from '../engine/measure.js';
import { CEL_EXPRESSIONS, type CelContext, celContexts, nativeConditions } from './conditions.js';

const quick = process.argv.includes('--quick');
const here = dirname(fileURLToPath(import.meta.url));
const resultsPath = join(here, '..', 'results', 'cel.json');
const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  const entry = require.resolve(pkg);
  let dir = dirname(entry);
  for (let k = 0; k < 6; k++) {
    try {
      const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (meta.name === pkg && meta.version) return meta.version;
    } catch {
      // keep walking up to the package root
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

type Evaluator = (ctx: CelContext) => unknown;
interface Variant {
  library: string;
  variant: string;
  /** Parses (and for typed variants checks) once; returns the reusable evaluator. */
  prepare: (expr: string, name: string) => Evaluator;
}

const dynEnv = new Environment()
  .registerVariable('principal', 'map')
  .registerVariable('resource', 'map')
  .registerVariable('tool', 'map')
  .registerVariable('findings', 'map');

// Typed declarations of the request shape at the tool point, as the compiler would use for checking.
const schemaEnv = new Environment()
  .registerVariable({ name: 'principal', schema: { id: 'string', roles: 'list<string>', tenant: 'string' } })
  .registerVariable({ name: 'resource', schema: { kind: 'string', id: 'string', ownerId: 'string' } })
  .registerVariable({ name: 'tool', schema: { name: 'string', args: 'map<string, dyn>' } })
  .registerVariable({ name: 'findings', schema: { pii: 'list<dyn>' } });

const bufEnv = celEnv();

const variants: Variant[] = [
  {
    library: '@marcbachmann/cel-js',
    variant: 'parse() (no environment, dyn)',
    prepare: (expr) => cjParse(expr),
  },
  {
    library: '@marcbachmann/cel-js',
    variant: "Environment, variables 'map'",
    prepare: (expr) => dynEnv.parse(expr),
  },
  {
    library: '@marcbachmann/cel-js',
    variant: 'Environment, typed schema',
    prepare: (expr) => {
      const checked = schemaEnv.check(expr);
      if (!checked.valid) throw new Error(`cel-js type check failed: ${checked.error?.message}`);
      return schemaEnv.parse(expr);
    },
  },
  {
    library: '@bufbuild/cel',
    variant: 'plan(celEnv(), parse())',
    prepare: (expr) => {
      const evaluate = bufPlan(bufEnv, bufParse(expr));
      return (ctx) => evaluate(ctx as unknown as Parameters<typeof evaluate>[0]);
    },
  },
  {
    library: 'hand-written JS (ceiling)',
    variant: 'closure',
    prepare: (_expr, name) => {
      const fn = nativeConditions[name];
      if (!fn) throw new Error(`no native condition ${name}`);
      return fn;
    },
  },
];

interface Row {
  library: string;
  variant: string;
  expression: string;
  prepare_us: number;
  ns_p50: number;
  ns_p99: number;
  ops_per_s: number;
}

const contexts = celContexts(64);
const rows: Row[] = [];
const timing = quick
  ? { warmupMs: 150, measureMs: 400, batch: 16 }
  : { warmupMs: 500, measureMs: 2000, batch: 16 };

for (const { name, expr } of CEL_EXPRESSIONS) {
  // Every library must agree with the reference on every context before anything is timed.
  const reference = contexts.map((c) => nativeConditions[name]?.(c));
  if (!reference.includes(true) || !reference.includes(false)) {
    throw new Error(`contexts for ${name} do not mix true and false`);
  }
  for (const v of variants) {
    const t0 = process.hrtime.bigint();
    const evaluate = v.prepare(expr, name);
    const prepareUs = Number(process.hrtime.bigint() - t0) / 1e3;
    contexts.forEach((c, i) => {
      const got = evaluate(c);
      if (got !== reference[i]) {
        throw new Error(`MISMATCH ${v.library} / ${v.variant} on ${name} context ${i}: ${String(got)}`);
      }
    });
    const m = measureSync(contexts.length, (i) => evaluate(contexts[i] as CelContext), timing);
    rows.push({
      library: v.library,
      variant: v.variant,
      expression: name,
      prepare_us: Math.round(prepareUs * 10) / 10,
      ns_p50: Math.round(m.p50_ns),
      ns_p99: Math.round(m.p99_ns),
      ops_per_s: Math.round(m.ops_per_s),
    });
  }
}

// Does the type checker reject a reference to a field the request does not have?
const typo = 'principal.rolez.exists(r, r == "adjuster")';
const typeChecker = {
  '@marcbachmann/cel-js': {
    public: true,
    api: 'Environment.check(expr) → { valid, type, error }',
    rejects_unknown_field_with_schema: !schemaEnv.check(typo).valid,
    rejects_unknown_field_with_map: !dynEnv.check(typo).valid,
  },
  '@bufbuild/cel': {
    public: false,
    api: 'none exported (a check() exists in dist/esm/check.js but the package exports map only "." and "./ext")',
  },
};

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const padL = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
console.log(
  `CEL comparison (${quick ? 'quick' : 'full'}), ${contexts.length} contexts, batch ${timing.batch}`,
);
for (const { name, expr } of CEL_EXPRESSIONS) {
  console.log(`\n${name}: ${expr}`);
  console.log(
    `${pad('library / variant', 58)} ${padL('ns p50', 8)} ${padL('ns p99', 8)} ${padL('ops/s', 12)} ${padL('1st parse µs', 12)}`,
  );
  const base = rows.find((r) => r.expression === name && r.variant === 'parse() (no environment, dyn)');
  for (const r of rows.filter((x) => x.expression === name)) {
    const ratio = base ? ` (${(r.ns_p50 / base.ns_p50).toFixed(1)}× cel-js dyn)` : '';
    console.log(
      `${pad(`${r.library} / ${r.variant}`, 58)} ${padL(String(r.ns_p50), 8)} ${padL(String(r.ns_p99), 8)} ${padL(r.ops_per_s.toLocaleString('en-US'), 12)} ${padL(r.prepare_us.toFixed(1), 12)}${ratio}`,
    );
  }
}
console.log(`\ntype checker: ${JSON.stringify(typeChecker, null, 2)}`);

mkdirSync(dirname(resultsPath), { recursive: true });
writeFileSync(
  resultsPath,
  `${JSON.stringify(
    {
      generated: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      node: process.version,
      versions: {
        '@marcbachmann/cel-js': versionOf('@marcbachmann/cel-js'),
        '@bufbuild/cel': versionOf('@bufbuild/cel'),
      },
      expressions: CEL_EXPRESSIONS,
      typeChecker,
      results: rows,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${resultsPath}`);
