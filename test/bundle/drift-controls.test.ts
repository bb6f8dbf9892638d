import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runControls } from '../../src/cli/commands/controls.js';
import { runDrift } from '../../src/cli/commands/drift.js';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/bundle/${p}`, import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

function golden(name: string, actual: string): void {
  const path = fixture(name);
  if (process.env.UPDATE_GOLDEN) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

function capture() {
  const out: string[] = [];
  const io = {
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => out.push(s) },
  } as unknown as NodeJS.Process;
  // Paths in reports are shown as given; make them repository-relative so golden files are portable.
  return { io, text: () => out.join('').split(root).join('') };
}

describe('rampart drift', () => {
  it('flags undocumented loosenings and expired deviations (golden)', async () => {
    const t = capture();
    const code = await runDrift(
      fixture('drift/baseline'),
      ['a', 'b', 'c'].map((p) => fixture(`drift/product-${p}`)),
      { today: '2026-11-25' },
      t.io,
    );
    expect(code).toBe(1);
    golden('drift.golden.txt', t.text());
  });

  it('passes an overlay that only tightens', async () => {
    const t = capture();
    expect(
      await runDrift(fixture('drift/baseline'), [fixture('drift/product-a')], { today: '2026-11-25' }, t.io),
    ).toBe(0);
    expect(t.text()).toContain('no departures from the baseline');
  });

  it('treats a deviation as expired only after its date', async () => {
    const t = capture();
    await runDrift(
      fixture('drift/baseline'),
      [fixture('drift/product-b')],
      { today: '2026-10-15', json: true },
      t.io,
    );
    const report = JSON.parse(t.text());
    expect(report.overlays[0].deviations.map((d: { status: string }) => d.status)).toEqual([
      'active',
      'expiring',
    ]);
  });
});

describe('rampart controls', () => {
  it('maps controls to rules per product with risk acceptances (golden)', async () => {
    const t = capture();
    expect(await runControls([fixture('drift/product-a'), fixture('drift/product-b')], {}, t.io)).toBe(0);
    golden('controls.golden.txt', t.text());
  });
});
