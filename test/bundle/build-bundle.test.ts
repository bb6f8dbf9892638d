import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../../src/bundle/build-bundle.js';
import { parseBundle } from '../../src/bundle/bundle-format.js';
import { runBuild } from '../../src/cli/commands/build.js';

const source = fileURLToPath(new URL('../fixtures/bundle/with-incident', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-build-'));
  await cp(source, join(dir, 'policy'), { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  return {
    out,
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => out.push(s) },
    } as unknown as NodeJS.Process,
  };
}

describe('rampart build', () => {
  it('builds when the incident cases pass, pinning every file by digest', async () => {
    const t = capture();
    expect(await runBuild(join(dir, 'policy'), { out: join(dir, 'ok.json'), changelog: 'first' }, t.io)).toBe(
      0,
    );
    const bundle = parseBundle(await readFile(join(dir, 'ok.json'), 'utf8'));
    expect(Object.keys(bundle.files)).toEqual(['incidents/inc-1.yaml', 'policy.yaml']);
    expect(bundle.signatures).toEqual([]);
    expect(bundle.manifest.builder).not.toBe('');
  });

  it('refuses a bundle whose incident cases fail', async () => {
    const policy = join(dir, 'policy', 'policy.yaml');
    const text = await readFile(policy, 'utf8');
    await writeFile(
      policy,
      text.replace('amount > 1000.0', 'amount > 9000.0').replace('amount <= 1000.0', 'amount <= 9000.0'),
    );
    const t = capture();
    expect(
      await runBuild(join(dir, 'policy'), { out: join(dir, 'bad.json'), changelog: 'raise limit' }, t.io),
    ).toBe(1);
    expect(t.out.join('')).toContain('incident INC-1: case "refund of 5000 needs approval"');
    await expect(readFile(join(dir, 'bad.json'))).rejects.toThrow();
    await writeFile(policy, text);
  });

  it('refuses a policy that does not compile, with file:line', async () => {
    const policy = join(dir, 'policy', 'policy.yaml');
    const text = await readFile(policy, 'utf8');
    await writeFile(policy, text.replace('effect: deny', 'effect: maybe'));
    const t = capture();
    expect(await runBuild(join(dir, 'policy'), { out: join(dir, 'bad2.json'), changelog: 'x' }, t.io)).toBe(
      1,
    );
    expect(t.out.join('')).toMatch(/policy\.yaml:\d+:\d+ error/);
    await writeFile(policy, text);
  });

  it('requires a changelog entry', async () => {
    await expect(runBuild(join(dir, 'policy'), { out: join(dir, 'x.json') }, capture().io)).rejects.toThrow(
      /--changelog is required/,
    );
    await expect(buildBundle(join(dir, 'policy'), { changelog: '' })).rejects.toThrow(
      expect.objectContaining({ code: 'bundle/missing-changelog' }),
    );
  });
});
