import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest } from '../../src/guard/approvals.js';
import { callbackApprovals, InMemoryApprovalQueue, webhookApprovals } from '../../src/guard/approvals.js';

const req = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  id: 'apr-1',
  decisionId: 'd-1',
  point: 'tool',
  role: 'supervisor',
  principal: { id: 'u-1' },
  tool: 'payments.refund',
  args: { claimId: 'CLM-00000001', amount: 1200 },
  message: 'needs approval',
  timeoutMs: 1000,
  requestedAt: '2026-11-25T10:00:00.000Z',
  ...over,
});

describe('InMemoryApprovalQueue', () => {
  it('waits until a human approves', async () => {
    const q = new InMemoryApprovalQueue();
    const p = q.request(req(), new AbortController().signal);
    expect(q.pending().map((r) => r.id)).toEqual(['apr-1']);
    expect(q.approve('apr-1', 'sup-1')).toBe(true);
    await expect(p).resolves.toEqual({ approved: true, approver: 'sup-1' });
    expect(q.pending()).toEqual([]);
    expect(q.approve('apr-1', 'sup-1')).toBe(false);
  });

  it('rejects, and an abort (timeout) settles as not approved', async () => {
    const q = new InMemoryApprovalQueue();
    q.onRequest((r) => q.reject(r.id, 'sup-2', 'no'));
    await expect(q.request(req(), new AbortController().signal)).resolves.toMatchObject({ approved: false });
    const q2 = new InMemoryApprovalQueue();
    const ac = new AbortController();
    const p = q2.request(req({ id: 'apr-2' }), ac.signal);
    ac.abort();
    await expect(p).resolves.toMatchObject({ approved: false });
    expect(q2.pending()).toEqual([]);
  });
});

describe('callbackApprovals', () => {
  it('maps booleans', async () => {
    await expect(
      callbackApprovals(async () => true).request(req(), new AbortController().signal),
    ).resolves.toEqual({
      approved: true,
    });
  });
});

describe('webhookApprovals (local node:http server)', () => {
  let server: Server;
  let base: string;
  const seen: Record<string, unknown>[] = [];
  beforeAll(async () => {
    server = createServer((r: IncomingMessage, res: ServerResponse) => {
      let body = '';
      r.on('data', (c) => {
        body += c;
      });
      r.on('end', () => {
        seen.push(JSON.parse(body) as Record<string, unknown>);
        const send = (status: number, text: string) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(text);
        };
        switch (r.url) {
          case '/approve':
            return send(200, JSON.stringify({ approved: true, approver: 'sup-9' }));
          case '/reject':
            return send(200, JSON.stringify({ approved: false }));
          case '/error':
            return send(500, JSON.stringify({ approved: true }));
          case '/garbage':
            return send(200, 'not json');
          case '/truthy':
            return send(200, JSON.stringify({ approved: 'yes' }));
          case '/huge':
            return send(200, JSON.stringify({ approved: true, pad: 'x'.repeat(20_000) }));
          case '/slow':
            setTimeout(() => send(200, JSON.stringify({ approved: true })), 2000);
            return;
          default:
            return send(404, '{}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('approves on a well-formed approved:true and does not send tool arguments by default', async () => {
    const r = await webhookApprovals({ url: `${base}/approve` }).request(req(), new AbortController().signal);
    expect(r).toEqual({ approved: true, approver: 'sup-9' });
    expect(seen.at(-1)).not.toHaveProperty('args');
    expect(seen.at(-1)).toMatchObject({ decisionId: 'd-1', role: 'supervisor', tool: 'payments.refund' });
  });

  it('sends arguments only when asked', async () => {
    await webhookApprovals({ url: `${base}/approve`, includeArgs: true }).request(
      req(),
      new AbortController().signal,
    );
    expect(seen.at(-1)).toHaveProperty('args');
  });

  it.each(['/reject', '/error', '/garbage', '/truthy', '/huge', '/missing'])(
    '%s is not an approval',
    async (path) => {
      const r = await webhookApprovals({ url: `${base}${path}` }).request(
        req(),
        new AbortController().signal,
      );
      expect(r.approved).toBe(false);
    },
  );

  it('an aborted wait (the guard timing out) rejects rather than approving', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    await expect(webhookApprovals({ url: `${base}/slow` }).request(req(), ac.signal)).rejects.toThrow();
  });

  it('refuses non-http URLs', () => {
    expect(() => webhookApprovals({ url: 'file:///etc/passwd' })).toThrow(/http/);
  });
});
