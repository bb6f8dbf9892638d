// Rampart, in process: the generated policy as YAML, through the public parse → compile → decide path.
import RE2 from 're2';
import { compilePolicy, decide, type RegexEngine } from '../../../src/engine/index.js';
import { type DecisionRequest, parsePolicyFiles } from '../../../src/policy/index.js';
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
      // Each tool gets its own schema (an optional field named after it), as distinct tools have: a
      // policy of 1,000 identical schemas would let the compiler share one validator and flatter it.
      `    params: { type: object, properties: { claimId: { type: string }, amount: { type: number }, note${r.index}: { type: string } } }`,
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

// The same linear-time engine the outer rings hand the compiler (loadPolicy supplies RE2); Ajv needs
// one even for schemas without `pattern`.
const re2: RegexEngine = (source, flags) => new RE2(source, flags?.replace(/[^imsu]/g, '') || 'u');

/** Rampart with the rules compiled once. */
export function rampartEngine(rules: BenchRule[]): SyncEngine {
  const source = parsePolicyFiles([{ path: 'gen.yaml', text: rampartPolicyYaml(rules) }]);
  const compiled = compilePolicy(source, { regex: re2 });
  return {
    kind: 'sync',
    prepare: (req: BenchRequest) => req,
    decide: (req) => {
      const d = decide(compiled, 'tool', req as DecisionRequest);
      if (d.errors.length > 0) throw new Error(`rampart decision errors: ${JSON.stringify(d.errors)}`);
      return d.effect === 'allow';
    },
  };
}
