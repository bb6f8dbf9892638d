// Rampart, in process: the generated policy as YAML, through the public parse → compile → decide path.
import type { BenchRequest, BenchRule } from '../scenario.js';
import type { SyncEngine } from './types.js';

/** Rampart policy YAML for the generated rules. */
export function rampartPolicyYaml(rules: BenchRule[]): string {
  const lines = [
    'apiVersion: rampart.dev/v1',
    'kind: Policy',
    'metadata: { name: bench, owner: bench, version: "1" }',
    'defaults: { tool: deny }',
    'tools:',
  ];
  for (const r of rules) {
    lines.push(
      `  ${r.tool}:`,
      '    risk: low',
      '    params: { type: object, properties: { claimId: { type: string }, amount: { type: number } } }',
    );
  }
  lines.push('rules:');
  for (const r of rules) {
    lines.push(
      `  - id: r${r.index}`,
      '    point: tool',
      `    when: tool.name == "${r.tool}" && "${r.role}" in principal.roles && resource.ownerId == principal.id && tool.args.amount <= ${r.limit}.0`,
      '    effect: allow',
      '    risk: low',
      '    message: ok',
      '    reason: bench',
    );
  }
  return `${lines.join('\n')}\n`;
}

// Loaded by path at run time so the peers can be benchmarked while the engine is still being written.
const policyModule = '../../../src/policy/index.js';
const engineModule = '../../../src/engine/index.js';

interface RampartApi {
  parsePolicyFiles(files: { path: string; text: string }[]): unknown;
  compilePolicy(source: unknown): unknown;
  decide(compiled: unknown, point: 'tool', request: unknown): { effect: string; errors?: unknown[] };
}

/** Loads Rampart's engine, or explains why it is not there yet. */
export async function loadRampart(): Promise<RampartApi | string> {
  try {
    const policy = (await import(policyModule)) as Pick<RampartApi, 'parsePolicyFiles'>;
    const engine = (await import(engineModule)) as Pick<RampartApi, 'compilePolicy' | 'decide'>;
    return {
      parsePolicyFiles: policy.parsePolicyFiles,
      compilePolicy: engine.compilePolicy,
      decide: engine.decide,
    };
  } catch (e) {
    return `Rampart engine not loadable: ${(e as Error).message}`;
  }
}

/** Rampart with the rules compiled once. */
export function rampartEngine(api: RampartApi, rules: BenchRule[]): SyncEngine {
  const source = api.parsePolicyFiles([{ path: 'gen.yaml', text: rampartPolicyYaml(rules) }]);
  const compiled = api.compilePolicy(source);
  return {
    kind: 'sync',
    prepare: (req: BenchRequest) => req,
    decide: (req) => {
      const d = api.decide(compiled, 'tool', req);
      if (d.errors && d.errors.length > 0)
        throw new Error(`rampart decision errors: ${JSON.stringify(d.errors)}`);
      return d.effect === 'allow';
    },
  };
}
