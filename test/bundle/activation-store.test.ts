/** End-to-end through the command functions: build → keys gen → sign (k of n) → verify → activate → rollback. */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivationStore } from '../../src/bundle/activation-store.js';
import { parseGovernance } from '../../src/bundle/governance.js';
import { keyIdOf } from '../../src/bundle/keys.js';
import { runActivate } from '../../src/cli/commands/activate.js';
import { runBuild } from '../../src/cli/commands/build.js';
import { runKeysGen } from '../../src/cli/commands/keys.js';
import { runRollback } from '../../src/cli/commands/rollback.js';
import { runSign } from '../../src/cli/commands/sign.js';
import { runVerify } from '../../src/cli/commands/verify.js';
import { FIXTURE_DIR, POLICY_TEXT } from './bundle-fixtures.js';

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s) },
    } as unknown as NodeJS.Process,
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-lifecycle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lifecycle from the CLI', () => {
  it('builds, signs k of n, verifies, activates, rolls back, and refuses revoked keys', async () => {
    const pubs: string[] = [];
    for (const id of ['alice', 'bob', 'carol']) {
      expect(await runKeysGen({ out: join(dir, id), id })).toContain('key id');
      pubs.push((await readFile(join(dir, `${id}.pub`), 'utf8')).trim());
    }
    await expect(runKeysGen({ out: join(dir, 'alice') })).rejects.toThrow(/refusing to overwrite/);
    const gov = (revoked: string[] = []) =>
      [
        'apiVersion: rampart.dev/v1',
        'kind: Governance',
        'owners: [safety-team]',
        'escalation: { contact: oncall@example.com }',
        'approvers:',
        ...['alice', 'bob', 'carol'].map((id, i) => `  - { id: ${id}, publicKey: "${pubs[i]}" }`),
        'exceptionGranters: []',
        'signatures: { required: 2, loosening: 3 }',
        `revokedKeys: [${revoked.map((r) => `"${r}"`).join(', ')}]`,
        '',
      ].join('\n');
    const govPath = join(dir, 'governance.yaml');
    await writeFile(govPath, gov());
    const state = join(dir, 'state');
    // The admin audit records of these commands go here, not to ./.rampart in the repository.
    const evidence = join(dir, 'evidence.db');
    const v1 = join(dir, 'v1.bundle.json');

    let t = fakeIo();
    expect(await runBuild(FIXTURE_DIR, { out: v1, changelog: 'first release' }, t.io)).toBe(0);
    expect(t.out()).toMatch(/built claims-assistant@2026\.11\.25-1 sha256:[0-9a-f]{64}/);

    t = fakeIo();
    expect(await runVerify(v1, { governance: govPath }, t.io)).toBe(1);
    expect(t.err()).toContain('bundle/unsigned');
    expect(await runActivate(v1, { state, evidence, governance: govPath, reason: 'x' }, fakeIo().io)).toBe(1);

    expect(await runSign(v1, { key: join(dir, 'alice.key'), signer: 'alice' }, fakeIo().io)).toBe(0);
    t = fakeIo();
    expect(await runVerify(v1, { governance: govPath }, t.io)).toBe(1);
    expect(t.err()).toContain('bundle/under-signed');
    expect(await runSign(v1, { key: join(dir, 'bob.key'), signer: 'bob' }, fakeIo().io)).toBe(0);
    t = fakeIo();
    expect(await runVerify(v1, { governance: govPath, json: true }, t.io)).toBe(0);
    expect(JSON.parse(t.out())).toMatchObject({ ok: true, approvers: ['alice', 'bob'], required: 2 });

    t = fakeIo();
    expect(
      await runActivate(
        v1,
        { state, evidence, governance: govPath, actor: 'alice', reason: 'first release' },
        t.io,
      ),
    ).toBe(0);

    // v2: a tightening built against v1 (a copy of the fixture with one more deny rule).
    const srcV2 = join(dir, 'src-v2');
    await rm(srcV2, { recursive: true, force: true });
    await mkdir(srcV2);
    await writeFile(
      join(srcV2, 'policy.yaml'),
      POLICY_TEXT.replace('version: 2026.11.25-1', 'version: 2026.11.26-1').replace(
        '  - id: block-ssn-output',
        '  - id: no-refund-on-weekend\n    point: tool\n    when: tool.name == "payments.refund" && principal.tenant == "closed"\n    effect: deny\n    risk: high\n  - id: block-ssn-output',
      ),
    );
    const v2 = join(dir, 'v2.bundle.json');
    expect(await runBuild(srcV2, { out: v2, changelog: 'close a tenant', parent: v1 }, fakeIo().io)).toBe(0);
    for (const id of ['alice', 'carol'])
      await runSign(v2, { key: join(dir, `${id}.key`), signer: id }, fakeIo().io);
    expect(
      await runActivate(
        v2,
        { state, evidence, governance: govPath, actor: 'carol', reason: 'close tenant' },
        fakeIo().io,
      ),
    ).toBe(0);

    const store = new ActivationStore(state, parseGovernance(gov()));
    expect((await store.activeBundle())?.manifest.version).toBe('2026.11.26-1');

    t = fakeIo();
    expect(
      await runRollback(
        {
          state,
          evidence,
          governance: govPath,
          to: '2026.11.25-1',
          reason: 'v2 broke refunds',
          actor: 'bob',
        },
        t.io,
      ),
    ).toBe(0);
    expect((await store.activeBundle())?.manifest.version).toBe('2026.11.25-1');

    t = fakeIo();
    expect(
      await runRollback(
        { state, evidence, governance: govPath, to: 'safe-baseline', reason: 'incident', actor: 'bob' },
        t.io,
      ),
    ).toBe(0);
    expect(await store.activeBundle()).toBeUndefined();

    // Bob's key is revoked: v1 (signed by alice+bob) can no longer be rolled back to; v2 (alice+carol) can.
    const bobKeyId = keyIdOf(pubs[1]!);
    await writeFile(govPath, gov([bobKeyId]));
    t = fakeIo();
    expect(
      await runRollback(
        { state, evidence, governance: govPath, to: '2026.11.25-1', reason: 'try', actor: 'bob' },
        t.io,
      ),
    ).toBe(1);
    expect(t.err()).toContain('bundle/revoked-key');
    expect(
      await runRollback(
        { state, evidence, governance: govPath, to: '2026.11.26-1', reason: 'back to v2', actor: 'carol' },
        fakeIo().io,
      ),
    ).toBe(0);
    await expect(
      runRollback({ state, evidence, governance: govPath, to: '9.9.9', reason: 'x' }, fakeIo().io),
    ).resolves.toBe(1);

    t = fakeIo();
    expect(await runRollback({ state, evidence, governance: govPath, list: true }, t.io)).toBe(0);
    expect(t.out()).toMatch(/\* 2026\.11\.26-1/);
    const history = await store.history.read();
    expect(history.map((e) => `${e.action}:${e.version}:${e.actor}`)).toEqual([
      'activate:2026.11.25-1:alice',
      'activate:2026.11.26-1:carol',
      'rollback:2026.11.25-1:bob',
      'rollback:0.0.0-safe:bob',
      'rollback:2026.11.26-1:carol',
    ]);
  });
});
