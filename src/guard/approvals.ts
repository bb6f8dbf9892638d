/**
 * Human-in-the-loop approvals for `require_approval` obligations. The guard asks an adapter and
 * waits up to the obligation's timeout; a rejection, a timeout or an adapter failure is a deny.
 */
import { randomUUID } from 'node:crypto';
import type { Point } from '../policy/types.js';

/** What an approver is asked. Tool arguments are present for in-process adapters only. */
export interface ApprovalRequest {
  id: string;
  decisionId: string;
  point: Point;
  /** Role that must approve, from the obligation. */
  role?: string;
  rule?: string;
  principal: { id: string; tenant?: string };
  tool?: string;
  args?: Record<string, unknown>;
  /** The user-visible message of the decision. */
  message: string;
  timeoutMs: number;
  requestedAt: string;
  /** When the obligation needs several approvers: how many, and which of them this request is. */
  count?: number;
  index?: number;
}

/** An approver's answer. */
export interface ApprovalResult {
  approved: boolean;
  approver?: string;
  note?: string;
}

/** Anything that can obtain an approval. `signal` aborts when the guard stops waiting. */
export interface ApprovalsAdapter {
  request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalResult>;
}

interface Pending {
  req: ApprovalRequest;
  resolve: (r: ApprovalResult) => void;
}

/** In-process queue: requests wait until `approve`/`reject` is called (or the guard times out). */
export class InMemoryApprovalQueue implements ApprovalsAdapter {
  private readonly waiting = new Map<string, Pending>();
  private readonly listeners: ((req: ApprovalRequest) => void)[] = [];

  request(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalResult> {
    return new Promise((resolve) => {
      this.waiting.set(req.id, { req, resolve });
      signal.addEventListener('abort', () => {
        this.waiting.delete(req.id);
        resolve({ approved: false, note: 'timed out' });
      });
      for (const l of this.listeners) l(req);
    });
  }

  /** Requests still waiting for a human. */
  pending(): ApprovalRequest[] {
    return [...this.waiting.values()].map((p) => p.req);
  }

  /** Calls `listener` for each new request (e.g. to notify a reviewer or to script decisions). */
  onRequest(listener: (req: ApprovalRequest) => void): void {
    this.listeners.push(listener);
  }

  /** Approves a waiting request; false when it is unknown or already settled. */
  approve(id: string, approver: string, note?: string): boolean {
    return this.settle(id, { approved: true, approver, ...(note ? { note } : {}) });
  }

  /** Rejects a waiting request; false when it is unknown or already settled. */
  reject(id: string, approver: string, note?: string): boolean {
    return this.settle(id, { approved: false, approver, ...(note ? { note } : {}) });
  }

  private settle(id: string, result: ApprovalResult): boolean {
    const p = this.waiting.get(id);
    if (!p) return false;
    this.waiting.delete(id);
    p.resolve(result);
    return true;
  }
}

/** Adapter over a function, e.g. a chat-ops bot. A thrown error counts as a rejection. */
export function callbackApprovals(
  fn: (req: ApprovalRequest, signal: AbortSignal) => Promise<ApprovalResult | boolean>,
): ApprovalsAdapter {
  return {
    async request(req, signal) {
      const r = await fn(req, signal);
      return typeof r === 'boolean' ? { approved: r } : r;
    },
  };
}

/** Options of the webhook adapter. */
export interface WebhookApprovalsOptions {
  /** http(s) URL that receives the request as JSON and answers `{ "approved": bool, "approver"?: string }`. */
  url: string;
  headers?: Record<string, string>;
  /** Send tool arguments to the webhook (off by default: they may hold personal data). */
  includeArgs?: boolean;
  /** Largest response body accepted, bytes (default 16 KiB). */
  maxResponseBytes?: number;
}

/**
 * Adapter that POSTs each request to a webhook and waits for its answer (the receiving service may
 * hold the request open until a human decides). Anything but a well-formed `approved: true` is a rejection.
 */
export function webhookApprovals(opts: WebhookApprovalsOptions): ApprovalsAdapter {
  const url = new URL(opts.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`approval webhook must be http(s): ${url.protocol}`);
  }
  const maxBytes = opts.maxResponseBytes ?? 16_384;
  return {
    async request(req, signal) {
      const { args, ...rest } = req;
      const body = JSON.stringify(opts.includeArgs ? req : rest);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        body,
        signal,
      });
      const text = await res.text();
      if (!res.ok) return { approved: false, note: `webhook status ${res.status}` };
      if (text.length > maxBytes) return { approved: false, note: 'webhook answer too large' };
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { approved: false, note: 'webhook answer is not JSON' };
      }
      if (typeof parsed !== 'object' || parsed === null)
        return { approved: false, note: 'webhook answer malformed' };
      const p = parsed as Record<string, unknown>;
      return {
        approved: p.approved === true,
        ...(typeof p.approver === 'string' ? { approver: p.approver.slice(0, 200) } : {}),
      };
    },
  };
}

/** A fresh approval request id. */
export function newApprovalId(): string {
  return `apr-${randomUUID()}`;
}
