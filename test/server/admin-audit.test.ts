/** Admin audit: admin actions are chained records in their own stream, verified with the decisions, tamper-evident. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/bundle/bundle-format.js';
import { runLogsVerify } from '../../src/cli/commands/logs.js';
import { MemorySink, recordHash, verifyStore } from '../../src/evidence/index.js';
import { AdminAudit } from '../../src/server/admin/audit.js';
import { createDecisionServer, startServer } from '../../src/server/index.js';
import {
  API_KEYS,
  AUTH,
  adminRecords,
  GOVERNANCE_TEXT,
  startAdminServer,
  uploadAndActivate,
  v1,
} from './admin-fixture.js';

/**
 * An admin audit sink whose open fails while `down` (as when a CLI command holds the SQLite stream
 * lock for a moment, or the database is briefly away); `gate` holds opens back to overlap callers.
 */
class FlakyOpenSink extends MemorySink {
  opens = 0;
  down = true;
  gate: Promise<void> | undefined;
  override async open(): Promise<void> {
    this.opens++;
    await this.gate;
    if (this.down) throw new Error('database is locked');
    await super.open();
  }
}

describe('admin audit chain', () => {
  it('chains admin actions in stream admin; verify passes, then catches an altered and a removed record', async () => {
    const t = await startAdminServer();
    try {
      await uploadAndActivate(t, v1);
      await t.call('oncall', 'POST', '/v1/admin/killswitch', {
        kind: 'tool',
        name: 'payments.refund',
        reason: 'drill',
      });
      await t.call('oncall', 'POST', '/v1/admin/killswitch', {
        kind: 'tool',
        name: 'payments.refund',
        enabled: false,
      });
      await t.call('decider', 'POST', '/v1/decide/tool', {
        principal: { id: 'u' },
        tool: { name: 'claims.lookup', args: {} },
      });
      await t.sink.flush();
      const recs = adminRecords(t.sink);
      expect(recs.map((r) => [r.seq, r.context.action, r.context.actor, r.context.target])).toEqual([
        [1, 'bundles.upload', 'operator', `${v1.manifest.name}@${v1.manifest.version}`],
        [2, 'bundles.activate', 'operator', v1.digest],
        [3, 'killswitch.set', 'oncall', 'tool:payments.refund'],
        [4, 'killswitch.clear', 'oncall', 'tool:payments.refund'],
      ]);
      expect(recs[1]).toMatchObject({
        point: 'admin',
        rules: ['admin/bundles.activate'],
        outcome: 'allowed',
      });
      expect(recs[1].context.digest).toBe(v1.digest);
      expect(recs[0].context.reason).toBeUndefined();
      expect(recs[2].context.reason).toBe('drill');
      // Decision records are in their own stream.
      expect(new Set(t.sink.records.map((r) => r.stream))).toEqual(new Set(['default', 'admin']));
      // Subjects are keyed hashes, never the caller id in the clear.
      expect(recs[0].subject).toMatch(/^[0-9a-f]{64}$/);

      const ok = await verifyStore(t.sink.store);
      expect(ok.ok).toBe(true);
      expect(ok.streams.map((s) => s.stream).sort()).toEqual(['admin', 'default']);

      // Rewrite who activated v1: the chain no longer verifies at that record.
      const link = t.sink.store.links_.find((l) => l.stream === 'admin' && l.seq === 2)!;
      const original = link.record!;
      link.record = { ...original, context: { ...original.context, actor: 'someone-else' } };
      const altered = await verifyStore(t.sink.store, { stream: 'admin' });
      expect(altered.ok).toBe(false);
      expect(altered.streams[0]?.problem).toMatchObject({ kind: 'altered', seq: 2 });

      // Even with its hash recomputed, the next record's link gives it away.
      link.record = { ...link.record, hash: recordHash(link.record) };
      link.hash = link.record.hash;
      expect((await verifyStore(t.sink.store, { stream: 'admin' })).ok).toBe(false);

      // Removing a record is caught too.
      link.record = original;
      link.hash = original.hash;
      const i = t.sink.store.links_.indexOf(link);
      t.sink.store.links_.splice(i, 1);
      const removed = await verifyStore(t.sink.store, { stream: 'admin' });
      expect(removed.streams[0]?.problem?.kind).toBe('removed');
    } finally {
      await t.close();
    }
  });

  it('audits state-changing routes added by an extension, with the outcome and a digest of the body', async () => {
    const { MemorySink } = await import('../../src/evidence/index.js');
    const { createDecisionServer, ServerError } = await import('../../src/server/index.js');
    const sink = new MemorySink();
    const server = await createDecisionServer({ evidence: sink, auth: AUTH });
    server.addRoute('/v1/admin/widgets/reset', {
      method: 'POST',
      scope: 'killswitch',
      handle: (_caller, body) => {
        if ((body as { all?: unknown }).all !== true)
          throw new ServerError('server/invalid-request', 422, 'say all');
        return { reset: true };
      },
    });
    const url = await server.listen(0, '127.0.0.1');
    try {
      const post = (body: unknown) =>
        fetch(`${url}/v1/admin/widgets/reset`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEYS.oncall!.key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await post({ all: true })).status).toBe(200);
      expect((await post({})).status).toBe(422);
      await sink.flush();
      const recs = adminRecords(sink);
      expect(recs.map((r) => [r.context.action, r.context.outcome, r.context.code])).toEqual([
        ['route:/v1/admin/widgets/reset', 'ok', undefined],
        ['route:/v1/admin/widgets/reset', 'refused', 'server/invalid-request'],
      ]);
      expect(recs[0].context.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect((await verifyStore(sink.store)).ok).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('rampart serve --state with SQLite evidence: `rampart logs verify` checks the admin stream', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-admin-audit-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'governance.yaml'), GOVERNANCE_TEXT);
    const db = join(dir, 'ev', 'evidence.db');
    const started = await startServer({
      policyDir: '/nonexistent',
      port: 0,
      host: '127.0.0.1',
      evidence: { kind: 'sqlite', path: db },
      auth: AUTH,
      limits: {},
      sources: [],
      stateDir: join(dir, 'state'),
      governance: join(dir, 'governance.yaml'),
    });
    try {
      const h = { authorization: `Bearer ${API_KEYS.operator!.key}`, 'content-type': 'application/json' };
      const up = await fetch(`${started.url}/v1/admin/bundles/upload`, {
        method: 'POST',
        headers: h,
        body: serializeBundle(v1),
      });
      expect(up.status).toBe(200);
      const act = await fetch(`${started.url}/v1/admin/bundles/activate`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ digest: v1.digest, reason: 'go' }),
      });
      expect(act.status).toBe(200);
      const d = await fetch(`${started.url}/v1/decide/tool`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEYS.decider!.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ principal: { id: 'u' }, tool: { name: 'claims.lookup', args: {} } }),
      });
      expect(((await d.json()) as { policy: { digest: string } }).policy.digest).toBe(v1.digest);
      const logs = await fetch(`${started.url}/v1/admin/logs?stream=admin&order=asc`, {
        headers: { authorization: `Bearer ${API_KEYS.reader!.key}` },
      });
      const body = (await logs.json()) as { records: { context: { action: string } }[] };
      expect(body.records.map((r) => r.context.action)).toEqual(['bundles.upload', 'bundles.activate']);
    } finally {
      await started.stop();
    }
    let out = '';
    const write = (s: string) => {
      out += s;
      return true;
    };
    const io = { stdout: { write }, stderr: { write } } as unknown as NodeJS.Process;
    const code = await runLogsVerify({ store: db, json: true } as never, io);
    expect(code).toBe(0);
    const verdict = JSON.parse(out) as {
      ok: boolean;
      streams: { stream: string; ok: boolean; records: number }[];
    };
    expect(verdict.ok).toBe(true);
    expect(verdict.streams.find((s) => s.stream === 'admin')).toMatchObject({ ok: true, records: 2 });
    await rm(dir, { recursive: true, force: true });
  });
});

describe('an admin audit log that could not be opened', () => {
  it('answers 503 while the open fails, and records the next admin action once it opens', async () => {
    const evidence = new MemorySink();
    const audit = new FlakyOpenSink({ stream: 'admin' }, evidence.store);
    const server = await createDecisionServer({ evidence, auth: AUTH, admin: { audit } });
    const url = await server.listen(0, '127.0.0.1');
    const kill = (reason: string) =>
      fetch(`${url}/v1/admin/killswitch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEYS.oncall!.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'tool', name: 'payments.refund', reason }),
      });
    try {
      // The server tried at start.
      expect(audit.opens).toBe(1);
      for (const reason of ['first', 'second']) {
        const r = await kill(reason);
        expect(r.status).toBe(503);
        expect(((await r.json()) as { error: { code: string } }).error.code).toBe('server/unavailable');
      }
      // Each admin action tried to open it again; nothing was recorded.
      expect(audit.opens).toBe(3);
      expect(adminRecords(evidence)).toEqual([]);

      audit.down = false;
      expect((await kill('third')).status).toBe(200);
      expect((await kill('fourth')).status).toBe(200);
      // The successful open is kept.
      expect(audit.opens).toBe(4);
      await audit.flush();
      expect(adminRecords(evidence).map((r) => [r.seq, r.context.action, r.context.reason])).toEqual([
        [1, 'killswitch.set', 'third'],
        [2, 'killswitch.set', 'fourth'],
      ]);
      expect((await verifyStore(evidence.store, { stream: 'admin' })).ok).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('shares one open attempt among concurrent callers, retries after a failure, and never reopens after close', async () => {
    const sink = new FlakyOpenSink({ stream: 'admin' });
    const audit = new AdminAudit(sink, () => ({ name: 'p', version: '1', digest: 'd' }), true);
    const caller = { id: 'op', kind: 'api-key' as const, scopes: new Set<string>() };
    const event = { action: 'killswitch.set' as const, target: 'tool:x', outcome: 'ok' as const };
    let release: () => void = () => undefined;
    sink.gate = new Promise<void>((r) => {
      release = r;
    });
    const waiting = [audit.ready(), audit.ready(), audit.record(caller, event)].map((p) =>
      p.then(
        () => 'ok',
        (e: { code?: string; status?: number }) => `${e.status} ${e.code}`,
      ),
    );
    release();
    expect(await Promise.all(waiting)).toEqual(Array(3).fill('503 server/unavailable'));
    expect(sink.opens).toBe(1);
    sink.gate = undefined;

    // Still failing: each call tries again.
    await expect(audit.ready()).rejects.toMatchObject({ code: 'server/unavailable', status: 503 });
    expect(sink.opens).toBe(2);

    sink.down = false;
    await expect(audit.ready()).resolves.toBeUndefined();
    expect(await audit.record(caller, event)).toMatch(/^adm-/);
    expect(sink.opens).toBe(3);
    expect(sink.records.map((r) => r.seq)).toEqual([1]);

    await audit.close();
    await expect(audit.record(caller, event)).rejects.toMatchObject({ code: 'server/unavailable' });
    expect(sink.opens).toBe(3);
  });

  it('does not open a closed audit log whose open had failed', async () => {
    const sink = new FlakyOpenSink({ stream: 'admin' });
    const audit = new AdminAudit(sink, () => ({ name: 'p', version: '1', digest: 'd' }), true);
    await audit.open();
    expect(sink.opens).toBe(1);
    await audit.close();
    sink.down = false;
    await expect(audit.ready()).rejects.toMatchObject({ code: 'server/unavailable' });
    expect(sink.opens).toBe(1);
  });
});
