import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isTestingError } from '../../src/testing/errors.js';
import { parseLocatedYaml, readYamlFast } from '../../src/testing/yaml-source.js';

const caseArb = fc.record({
  name: fc.string({ minLength: 1, maxLength: 30 }),
  point: fc.constantFrom('input', 'tool'),
  request: fc.record({
    principal: fc.record({ id: fc.string({ maxLength: 10 }) }),
    input: fc.record({ text: fc.string() }),
  }),
});

describe('readYamlFast', () => {
  it('reads the same values and case positions as the full parser', () => {
    fc.assert(
      fc.property(fc.array(caseArb, { minLength: 1, maxLength: 8 }), fc.boolean(), (cases, flow) => {
        const text = stringify({ kind: 'TestSuite', cases }, flow ? { collectionStyle: 'flow' } : {});
        const fast = readYamlFast('f.yaml', text);
        const full = parseLocatedYaml('f.yaml', text);
        expect(fast.value).toEqual(full.value);
        const read = (fast.value as { cases: object[] }).cases;
        read.forEach((c, i) => {
          expect(fast.positionOf?.(c) ?? fast.locate(['cases', i])).toEqual(full.locate(['cases', i]));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('keeps dates as strings and leaves anchors and aliases to the bounded parser', () => {
    expect(readYamlFast('f.yaml', 'date: 2026-10-02\n').value).toEqual({ date: '2026-10-02' });
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    expect(() => readYamlFast('bomb.yaml', bomb)).toThrow(/alias|Excessive/i);
  });

  it('reports syntax errors and duplicate keys with their location', () => {
    for (const text of ['a: [1, 2\n', 'a: 1\na: 2\n']) {
      try {
        readYamlFast('bad.yaml', text);
        expect.unreachable();
      } catch (error) {
        expect(isTestingError(error) && error.diagnostics[0]?.code).toBe('testing/yaml-syntax');
        expect(isTestingError(error) && error.diagnostics[0]?.line).toBeGreaterThan(0);
      }
    }
  });
});
