/**
 * Admin API test setup: an activation state directory on a fresh temp dir, freshly generated
 * approver and granter keys (never committed), API keys per scope, and a server wired with a
 * `PolicyRuntime` + `ActivationStore` exactly as `rampart serve --state` wires them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivationStore } from '../../src/bundle/activation-store.js';
import { type Bundle, serializeBundle } from '../../src/bundle/bundle-format.js';
import { parseGovernance } from '../../src/bundle/governance.js';
import { PolicyRuntime } from '../../src/bundle/policy-runtime.js';
import { MemorySink } from '../../src/evidence/index.js';
import {
  type AuthConfig,
  createDecisionServer,
  type DecisionServer,
  hashApiKey,
  type Scope,
} from '../../src/server/index.js';
import { bundleFromText, governanceYaml, makeKeys, POLICY_TEXT, signAll } from '../bundle/bundle-fixtures.js';
import type { Json } from './test-server.js';

export const keys = makeKeys(['alice', 'bob', 'carol']);
export const [gina] = makeKeys(['gina']);
export const outsider = makeKeys(['ozzy'])[0]!;
export const GOVERNANCE_TEXT = governanceYaml(keys, { required: 2, loosening: 3, granters: [gina!] });
export const governance = parseGovernance(GOVERNANCE_TEXT);

/** v1: refunds over 1000 need a supervisor. */
export const v1 = signAll(bundleFromText(POLICY_TEXT), keys.slice(0, 2));
/** v2: the threshold is 5000 (a refund of 2000 is allowed outright). Child of v1. */
export const V2_TEXT = POLICY_TEXT.replace('tool.args.amount > 1000.0', 'tool.args.amount > 5000.0')
  .replace('tool.args.amount <= 1000.0', 'tool.args.amount <= 5000.0')
  .replace('version: 2026.11.25-1', 'version: 2026.11.26-1');
export const v2 = signAll(bundleFromText(V2_TEXT, { version: '2026.11.26-1' }), keys.slice(0, 2));

export const refund = (amount: number, tenant = 'acme', id = 'u-1') => ({
  principal: { id, tenant, scopes: ['payments:write'] },
  context: { route: 'staff-console' },
  tool: { name: 'payments.refund', args: { claimId: 'CLM-1', amount } },
});

/** One API key per role; the key text is random per run. */
export const API_KEYS: Record<string, { key: string; scopes: Scope[] }> = {
  decider: { key: `k-decide-${Math.random()}`, scopes: ['decide'] },
  reader: { key: `k-read-${Math.random()}`, scopes: ['decide', 'admin:read'] },
  operator: { key: `k-ops-${Math.random()}`, scopes: ['admin:read', 'bundles:activate'] },
  granter: { key: `k-grant-${Math.random()}`, scopes: ['admin:read', 'exceptions:grant'] },
  oncall: { key: `k-kill-${Math.random()}`, scopes: ['killswitch'] },
};

export const AUTH: AuthConfig = {
  apiKeys: Object.entries(API_KEYS).map(([id, k]) => ({ id, sha256: hashApiKey(k.key), scopes: k.scopes })),
};

/** A server on a fresh state directory. */
export interface AdminServer {
  url: string;
  dir: string;
  sink: MemorySink;
  runtime: PolicyRuntime;
  store: ActivationStore;
  server: DecisionServer;
  /** Calls the server as `who` (a key of API_KEYS, or undefined for no credentials). */
  call(
    who: keyof typeof API_KEYS | undefined,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

/** Starts a server with an empty state directory (the safe baseline decides until something is activated). */
export async function startAdminServer(opts: { withState?: boolean } = {}): Promise<AdminServer> {
  const dir = await mkdtemp(join(tmpdir(), 'rampart-admin-'));
  const runtime = new PolicyRuntime({ governance, actor: 'test' });
  const store = new ActivationStore(join(dir, 'state'), governance);
  const sink = new MemorySink();
  const server = await createDecisionServer({
    evidence: sink,
    auth: AUTH,
    ...(opts.withState === false ? {} : { admin: { runtime, store } }),
  });
  const url = await server.listen(0, '127.0.0.1');
  return {
    url,
    dir,
    sink,
    runtime,
    store,
    server,
    async call(who, method, path, body) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (who) headers.authorization = `Bearer ${API_KEYS[who]!.key}`;
      const res = await fetch(`${url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Uploads and activates a bundle as the operator; returns the activation answer. */
export async function uploadAndActivate(t: AdminServer, bundle: Bundle): Promise<Json> {
  const up = await t.call('operator', 'POST', '/v1/admin/bundles/upload', serializeBundle(bundle));
  if (up.status !== 200) throw new Error(`upload ${up.status} ${JSON.stringify(up.body)}`);
  const act = await t.call('operator', 'POST', '/v1/admin/bundles/activate', {
    digest: bundle.digest,
    reason: 'test',
  });
  if (act.status !== 200) throw new Error(`activate ${act.status} ${JSON.stringify(act.body)}`);
  return act.body;
}

/** The admin records written so far. */
export function adminRecords(sink: MemorySink): Json[] {
  return sink.store.links_.filter((l) => l.stream === 'admin').map((l) => l.record);
}
