import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ActivationHistory } from '../../src/bundle/activation-history.js';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import { watchBundleFile } from '../../src/bundle/file-source.js';
import { pollBundleHttp } from '../../src/bundle/http-source.js';
import { PolicyRuntime, type RejectedEvent, safeBaselineMarker } from '../../src/bundle/policy-runtime.js';
import { SAFE_BASELINE_DIGEST } from '../../src/bundle/safe-baseline.js';
import { decide } from '../../src/engine/index.js';
import {
  bundleFromText,
  FIXED_NOW,
  makeGovernance,
  makeKeys,
  POLICY_TEXT,
  signAll,
} from './bundle-fixtures.js';

const keys = makeKeys(['alice', 'bob', 'carol']);
const governance = makeGovernance(keys, { required: 2, loosening: 3 });
const v1 = signAll(bundleFromText(POLICY_TEXT), keys.slice(0, 2));
const v2 = signAll(
  bundleFromText(
    POLICY_TEXT.replace('reason: small refunds are fine', 'reason: small refunds are still fine'),
    {
      parent: v1,
      changelog: 'reword',
      version: '2026.11.26-1',
    },
  ),
  keys.slice(0, 2),
);
const tampered = serializeBundle(v2).replace('still fine', 'stilL fine');
const underSigned = serializeBundle(
  signAll(bundleFromText(POLICY_TEXT, { changelog: 'x', version: '2026.11.27-1' }), keys.slice(0, 1)),
);
const badPolicy = serializeBundle(
  signAll(
    bundleFromText(POLICY_TEXT.replace('effect: deny', 'effect: maybe'), {
      changelog: 'broken',
      version: '2026.11.28-1',
    }),
    keys.slice(0, 2),
  ),
);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rampart-runtime-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runtime(history?: ActivationHistory) {
  const rt = new PolicyRuntime({
    governance,
    now: () => FIXED_NOW,
    actor: 'test',
    ...(history ? { history } : {}),
  });
  const rejected: RejectedEvent[] = [];
  rt.on('rejected', (e) => rejected.push(e));
  return { rt, rejected };
}

const refund = {
  principal: { id: 'u1', scopes: ['payments:write'] },
  tool: { name: 'payments.refund', args: { claimId: 'c', amount: 10 } },
};

describe('PolicyRuntime', () => {
  it('starts on the safe baseline, which denies tools', () => {
    const { rt } = runtime();
    expect(rt.current()).toMatchObject({ kind: 'safe-baseline', digest: SAFE_BASELINE_DIGEST });
    expect(decide(rt.current().compiled, 'tool', refund).effect).toBe('deny');
  });

  it('activates a verified bundle and records who, when, why and the digest', async () => {
    const history = new ActivationHistory(join(dir, 'history.json'));
    const { rt } = runtime(history);
    const result = await rt.offer(serializeBundle(v1), {
      source: 'test',
      actor: 'alice',
      reason: 'first rollout',
    });
    expect(result.status).toBe('activated');
    expect(rt.current()).toMatchObject({ kind: 'bundle', digest: v1.digest, version: '2026.11.25-1' });
    expect(decide(rt.current().compiled, 'tool', refund).effect).toBe('allow');
    expect(decide(rt.current().compiled, 'tool', refund).policy.digest).toBe(v1.digest);
    expect(await history.read()).toEqual([
      {
        at: FIXED_NOW.toISOString(),
        action: 'activate',
        name: 'claims-assistant',
        version: '2026.11.25-1',
        digest: v1.digest,
        actor: 'alice',
        reason: 'first rollout',
        source: 'test',
      },
    ]);
    expect((await rt.offer(serializeBundle(v1), { source: 'test' })).status).toBe('unchanged');
  });

  it.each([
    ['tampered', tampered, 'bundle/file-digest-mismatch'],
    ['under-signed', underSigned, 'bundle/under-signed'],
    ['not a bundle', '{"hello":1}', 'bundle/malformed'],
    ['policy that does not compile', badPolicy, 'policy/invalid'],
  ])('keeps the last-known-good bundle when offered a %s candidate', async (_name, candidate, code) => {
    const history = new ActivationHistory(join(dir, 'history.json'));
    const { rt, rejected } = runtime(history);
    await rt.offer(serializeBundle(v1), { source: 'test' });
    const result = await rt.offer(candidate, { source: 'test' });
    expect(result).toMatchObject({ status: 'rejected', error: { code } });
    expect(rt.current().digest).toBe(v1.digest);
    expect(rejected.map((e) => e.error.code)).toEqual([code]);
    expect(rt.rejections).toBe(1);
    expect((await history.read()).map((e) => e.action)).toEqual(['activate', 'reject']);
  });

  it('stays on the safe baseline when no good bundle ever arrives', async () => {
    const { rt, rejected } = runtime();
    await rt.offer(tampered, { source: 'test' });
    expect(rt.current().kind).toBe('safe-baseline');
    expect(rejected).toHaveLength(1);
  });

  it('switches to the safe baseline when the marker is offered', async () => {
    const { rt } = runtime();
    await rt.offer(serializeBundle(v1), { source: 'test' });
    await rt.offer(safeBaselineMarker('incident 42', FIXED_NOW), { source: 'test' });
    expect(rt.current().kind).toBe('safe-baseline');
  });
});

describe('watched bundle file', () => {
  it('hot-reloads good bundles and keeps the last-known-good on a bad one', async () => {
    const path = join(dir, 'active.bundle.json');
    const write = async (text: string) => {
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    };
    await write(serializeBundle(v1));
    const { rt, rejected } = runtime();
    const source = await watchBundleFile(path, rt, { debounceMs: 20, pollMs: 0 });
    try {
      expect(rt.current().digest).toBe(v1.digest);
      const activated = new Promise((resolve) => rt.once('activated', resolve));
      await write(serializeBundle(v2));
      await activated; // delivered by the directory watcher
      expect(rt.current().digest).toBe(v2.digest);
      await write(tampered);
      await source.reload();
      expect(rt.current().digest).toBe(v2.digest);
      expect(rejected.at(-1)?.error.code).toBe('bundle/file-digest-mismatch');
    } finally {
      source.stop();
    }
  });

  it('signals a missing file and stays on the safe baseline', async () => {
    const { rt, rejected } = runtime();
    const source = await watchBundleFile(join(dir, 'nope.json'), rt, { pollMs: 0 });
    source.stop();
    expect(rt.current().kind).toBe('safe-baseline');
    expect(rejected[0]?.error.code).toBe('source/fetch-failed');
  });
});

describe('HTTP polling source', () => {
  it('uses ETag / If-None-Match, activates new bundles and keeps the current one on errors', async () => {
    let body = serializeBundle(v1);
    let status = 200;
    const seen: (string | undefined)[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      seen.push(req.headers['if-none-match'] as string | undefined);
      if (status !== 200) {
        res.writeHead(status).end('oops');
        return;
      }
      const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { etag, 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const { rt, rejected } = runtime();
    const source = await pollBundleHttp(`http://127.0.0.1:${port}/bundle`, rt, { intervalMs: 0 });
    try {
      expect(rt.current().digest).toBe(v1.digest);
      expect((await source.reload())?.status).toBe('unchanged');
      expect(seen).toEqual([undefined, source.etag()]);
      body = serializeBundle(v2);
      expect((await source.reload())?.status).toBe('activated');
      expect(rt.current().digest).toBe(v2.digest);
      status = 503;
      await source.reload();
      expect(rt.current().digest).toBe(v2.digest);
      expect(rejected.at(-1)?.error).toMatchObject({ code: 'source/fetch-failed' });
      status = 200;
      body = tampered;
      expect((await source.reload())?.status).toBe('rejected');
      expect(rt.current().digest).toBe(v2.digest);
    } finally {
      source.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

it('history survives a reader in another process (plain JSON file)', async () => {
  const history = new ActivationHistory(join(dir, 'h.json'));
  await Promise.all(
    [1, 2, 3].map((i) =>
      history.append({
        at: `t${i}`,
        action: 'activate',
        name: 'n',
        version: `${i}`,
        digest: 'd',
        actor: 'a',
        reason: 'r',
      }),
    ),
  );
  const doc = JSON.parse(await readFile(join(dir, 'h.json'), 'utf8'));
  expect(doc.entries.map((e: { version: string }) => e.version)).toEqual(['1', '2', '3']);
});
