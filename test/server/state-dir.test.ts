/** `rampart serve --state`: verified bundles from an activation state directory, hot reload, readiness. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import { runActivate } from '../../src/cli/commands/activate.js';
import { type ServeConfig, startServer } from '../../src/server/index.js';
import { bundleFromText, governanceYaml, makeKeys, POLICY_TEXT, signAll } from '../bundle/bundle-fixtures.js';
import { postJson } from './test-server.js';

const keys = makeKeys(['alice', 'bob', 'carol']);
const v1 = signAll(bundleFromText(POLICY_TEXT), keys.slice(0, 2));
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } } as unknown as NodeJS.Process;
const refund = {
  principal: { id: 'u-1', tenant: 'acme', scopes: ['payments:write'] },
  tool: { name: 'payments.refund', args: { claimId: 'c', amount: 2000 } },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-serve-state-'));
  await writeFile(join(dir, 'governance.yaml'), governanceYaml(keys, { required: 2, loosening: 2 }));
  await writeFile(join(dir, 'v1.json'), serializeBundle(v1));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function eventually(check: () => Promise<boolean>, ms = 8000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe('serving from a state directory', () => {
  it('is not ready on the safe baseline, then serves the verified bundle once activated', async () => {
    const state = join(dir, 'state');
    const config: ServeConfig = {
      policyDir: '/nonexistent',
      port: 0,
      host: '127.0.0.1',
      evidence: { kind: 'memory' },
      auth: {},
      limits: {},
      sources: [],
      stateDir: state,
      governance: join(dir, 'governance.yaml'),
    };
    const started = await startServer(config);
    try {
      expect(started.banner.join('\n')).toMatch(/safe baseline/);
      expect((await fetch(`${started.url}/readyz`)).status).toBe(503);
      const before = await postJson(`${started.url}/v1/decide/tool`, refund);
      expect(before.body.rules).toEqual(['rampart/safe-baseline']);

      const base = { state, governance: join(dir, 'governance.yaml'), actor: 'alice' };
      expect(await runActivate(join(dir, 'v1.json'), { ...base, reason: 'first' }, quiet)).toBe(0);
      expect(await eventually(async () => (await fetch(`${started.url}/readyz`)).status === 200)).toBe(true);
      const ready = (await (await fetch(`${started.url}/readyz`)).json()) as {
        policy: { digest: string; kind: string };
      };
      expect(ready.policy).toMatchObject({ digest: v1.digest, kind: 'bundle' });
      const after = await postJson(`${started.url}/v1/decide/tool`, refund);
      expect(after.body.policy.digest).toBe(v1.digest);
    } finally {
      await started.stop();
    }
  });
});
