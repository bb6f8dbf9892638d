import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { formatPolicy } from '../../src/policy/format-policy.js';
import { isPolicyError, parsePolicyFiles } from '../../src/policy/index.js';

const dir = path.join(import.meta.dirname, '..', 'fixtures', 'fmt');
const update = process.env.UPDATE_GOLDEN === '1';

describe('rampart fmt', () => {
  for (const input of readdirSync(dir).filter((f) => f.endsWith('.input.yaml'))) {
    it(`formats ${input} like its golden file`, () => {
      const golden = path.join(dir, input.replace('.input.yaml', '.golden.yaml'));
      const out = formatPolicy(readFileSync(path.join(dir, input), 'utf8'), input);
      if (update) writeFileSync(golden, out);
      expect(out).toBe(readFileSync(golden, 'utf8'));
      expect(formatPolicy(out)).toBe(out);
    });
  }

  it('keeps the example policy formatted (it is the canonical style)', () => {
    const example = path.join(import.meta.dirname, '..', '..', 'examples', 'claims-assistant');
    for (const f of readdirSync(example).filter((n) => n.endsWith('.yaml'))) {
      const text = readFileSync(path.join(example, f), 'utf8');
      expect(formatPolicy(text, f), f).toBe(text);
    }
  });

  it('reports invalid YAML with its location instead of formatting it', () => {
    try {
      formatPolicy('a: [1, 2\nb: c', 'bad.yaml');
      expect.unreachable();
    } catch (error) {
      expect(isPolicyError(error)).toBe(true);
      if (isPolicyError(error)) expect(error.diagnostics[0]?.file).toBe('bad.yaml');
    }
  });

  const rule = fc.record({
    id: fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/),
    point: fc.constantFrom('input', 'tool', 'output', 'route', 'persist'),
    effect: fc.constantFrom('allow', 'deny'),
    message: fc.string({ minLength: 1, maxLength: 40 }),
    controls: fc.array(fc.stringMatching(/^[A-Z]{2,4}-[0-9]$/), { maxLength: 3 }),
  });
  const policy = fc.record({
    rules: fc.uniqueArray(rule, { selector: (r) => r.id, maxLength: 6 }),
    metadata: fc.record({
      name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
      owner: fc.string({ minLength: 1, maxLength: 10 }),
    }),
    kind: fc.constant('Policy'),
    apiVersion: fc.constant('rampart.dev/v1'),
  });

  it('is idempotent and preserves meaning on generated policies (property)', () => {
    fc.assert(
      fc.property(policy, fc.boolean(), (doc, flow) => {
        const text = stringify(doc, { collectionStyle: flow ? 'flow' : 'block' });
        const once = formatPolicy(text);
        expect(formatPolicy(once)).toBe(once);
        const before = parsePolicyFiles([{ path: 'p.yaml', text }]).document;
        const after = parsePolicyFiles([{ path: 'p.yaml', text: once }]).document;
        expect(after.rules.map((r) => [r.id, r.point, r.effect, r.message, r.controls])).toEqual(
          before.rules.map((r) => [r.id, r.point, r.effect, r.message, r.controls]),
        );
        expect(once.startsWith('apiVersion: rampart.dev/v1\nkind: Policy\n')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
