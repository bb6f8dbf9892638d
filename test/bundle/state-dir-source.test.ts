/** Shadow → rollout → promote → withdraw through the CLI functions and a runtime following the state directory. */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import { PolicyRuntime } from '../../src/bundle/policy-runtime.js';
import { evaluateShadow } from '../../src/bundle/shadow.js';
import { watchStateDir } from '../../src/bundle/state-dir-source.js';
import { runActivate } from '../../src/cli/commands/activate.js';
import { runRollback } from '../../src/cli/commands/rollback.js';
import { decide } from '../../src/engine/index.js';
import {
  bundleFromText,
  governanceYaml,
  makeGovernance,
  makeKeys,
  POLICY_TEXT,
  signAll,
} from './bundle-fixtures.js';

const keys = makeKeys(['alice', 'bob', 'carol']);
const governance = makeGovernance(keys, { required: 2, loosening: 2 });
const v1 = signAll(bundleFromText(POLICY_TEXT), keys.slice(0, 2));
const v2 = signAll(
  bundleFromText(
    POLICY_TEXT.replace('amount > 1000.0', 'amount > 5000.0').replace('amount <= 1000.0', 'amount <= 5000.0'),
    {
      parent: v1,
      changelog: 'raise supervisor limit',
      version: '2026.11.26-1',
    },
  ),
  keys.slice(0, 2),
);
const refund = (tenant: string) => ({
  principal: { id: `u-${tenant}`, tenant, scopes: ['payments:write'] },
  tool: { name: 'payments.refund', args: { claimId: 'c', amount: 2000 } },
});
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } } as unknown as NodeJS.Process;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-state-'));
  await writeFile(join(dir, 'governance.yaml'), governanceYaml(keys, { required: 2, loosening: 2 }));
  await writeFile(join(dir, 'v1.json'), serializeBundle(v1));
  await writeFile(join(dir, 'v2.json'), serializeBundle(v2));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('staged candidates', () => {
  it('runs shadow, then a cohort rollout, then promotion, and withdraws', async () => {
    const state = join(dir, 'state');
    // Admin audit records go to the temporary directory, not to ./.rampart in the repository.
    const base = {
      state,
      governance: join(dir, 'governance.yaml'),
      actor: 'alice',
      evidence: join(dir, 'evidence.db'),
    };
    expect(await runActivate(join(dir, 'v1.json'), { ...base, reason: 'first' }, quiet)).toBe(0);
    const runtime = new PolicyRuntime({ governance });
    const source = await watchStateDir(state, runtime, { pollMs: 0 });
    try {
      expect(runtime.current().digest).toBe(v1.digest);
      expect(runtime.select(refund('acme'))).toMatchObject({ cohort: 'stable' });

      expect(
        await runActivate(join(dir, 'v2.json'), { ...base, reason: 'try v2', shadow: true }, quiet),
      ).toBe(0);
      await source.reload();
      const sel = runtime.select(refund('acme'));
      expect(sel.policy.digest).toBe(v1.digest);
      expect(sel.shadow?.digest).toBe(v2.digest);
      const active = decide(sel.policy.compiled, 'tool', refund('acme'));
      expect(active.effect).toBe('allow_with_conditions');
      expect(evaluateShadow(active, sel.shadow!.compiled, 'tool', refund('acme'))).toMatchObject({
        version: '2026.11.26-1',
        outcome: 'allowed',
      });

      expect(
        await runActivate(join(dir, 'v2.json'), { ...base, reason: 'canary', tenant: ['acme'] }, quiet),
      ).toBe(0);
      await source.reload();
      expect(runtime.select(refund('acme'))).toMatchObject({
        cohort: 'rollout',
        policy: { digest: v2.digest },
      });
      expect(runtime.select(refund('globex'))).toMatchObject({
        cohort: 'stable',
        policy: { digest: v1.digest },
        shadow: { digest: v2.digest },
      });

      expect(await runActivate(join(dir, 'v2.json'), { ...base, reason: 'promote' }, quiet)).toBe(0);
      await source.reload();
      expect(runtime.current().digest).toBe(v2.digest);
      expect(runtime.candidate()).toBeUndefined();
      await expect(stat(join(state, 'candidate.json'))).rejects.toThrow();

      expect(
        await runActivate(
          join(dir, 'v1.json'),
          { ...base, reason: 'shadow the old one', rollout: 50, hashBy: 'principal' },
          quiet,
        ),
      ).toBe(0);
      await source.reload();
      expect(runtime.candidate()?.stage).toEqual({ mode: 'rollout', percent: 50, hashBy: 'principal' });
      expect(await runRollback({ ...base, withdraw: true, reason: 'enough' }, quiet)).toBe(0);
      await source.reload();
      expect(runtime.candidate()).toBeUndefined();
    } finally {
      source.stop();
    }
  });

  it('refuses bad staging flags and unsigned candidates', async () => {
    const base = {
      state: join(dir, 'state2'),
      governance: join(dir, 'governance.yaml'),
      reason: 'x',
      evidence: join(dir, 'evidence.db'),
    };
    await expect(
      runActivate(join(dir, 'v2.json'), { ...base, shadow: true, rollout: 5 }, quiet),
    ).rejects.toThrow(/--shadow cannot be combined/);
    await expect(runActivate(join(dir, 'v2.json'), { ...base, rollout: 150 }, quiet)).rejects.toThrow(
      /between 0 and 100/,
    );
    await writeFile(join(dir, 'unsigned.json'), serializeBundle(bundleFromText(POLICY_TEXT)));
    expect(await runActivate(join(dir, 'unsigned.json'), { ...base, shadow: true }, quiet)).toBe(1);
  });
});
