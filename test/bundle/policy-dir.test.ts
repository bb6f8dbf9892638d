import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/bundle/load-policy.js';
import { readPolicyDir } from '../../src/bundle/policy-dir.js';
import { decide } from '../../src/engine/index.js';
import { isPolicyError } from '../../src/policy/index.js';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures', 'overlay');
const codes = async (dir: string) => {
  try {
    await loadPolicy(dir);
    return [];
  } catch (error) {
    if (!isPolicyError(error)) throw error;
    return error.diagnostics.map(
      (d) => `${path.basename(path.dirname(d.file))}/${path.basename(d.file)}:${d.line} ${d.code}`,
    );
  }
};

describe('readPolicyDir and overlays', () => {
  it('composes an overlay on its baseline; a widened deny is a tightening', async () => {
    const policy = await loadPolicy(path.join(fixtures, 'product'));
    expect(policy.name).toBe('product');
    expect(policy.rules.map((r) => [r.id, r.layer])).toEqual([
      ['no-bulk-export-outside-batch', 'overlay'],
      ['orders-for-owners', 'overlay'],
    ]);
    const d = decide(policy, 'tool', {
      principal: { id: 'u', roles: ['service'] },
      context: { route: 'web' },
      tool: { name: 'crm.export' },
    });
    expect(d.effect).toBe('deny');
    expect(policy.defaults.tool).toBe('deny');
  });

  it('refuses undeclared loosenings of the baseline, each located in the overlay', async () => {
    expect(await codes(path.join(fixtures, 'loosening'))).toEqual([
      'loosening/policy.yaml:10 policy/undeclared-loosening',
      'loosening/policy.yaml:13 policy/undeclared-loosening',
    ]);
  });

  it('gives the baseline a say in the digest', async () => {
    const a = await readPolicyDir(path.join(fixtures, 'product'));
    const b = await readPolicyDir(path.join(fixtures, 'product'));
    expect(a.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.digest).toBe(b.digest);
    expect(a.baseline?.digest).toMatch(/^sha256:/);
  });

  it('reports a missing baseline, cycles and missing directories as located errors', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rampart-'));
    const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
    write('a.yaml', 'apiVersion: rampart.dev/v1\nkind: Policy\nmetadata: {name: a}\nextends: ./nowhere\n');
    expect((await codes(dir))[0]).toMatch(/a.yaml:4 policy\/extends-not-found$/);
    write('a.yaml', 'apiVersion: rampart.dev/v1\nkind: Policy\nmetadata: {name: a}\nextends: .\n');
    expect((await codes(dir))[0]).toMatch(/policy\/extends-cycle$/);
    expect((await codes(path.join(dir, 'missing')))[0]).toMatch(/policy\/not-found$/);
  });
});
