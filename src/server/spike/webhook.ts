/**
 * The escalation webhook: a JSON POST per notice, retried a few times with backoff, never blocking a
 * decision. The URL comes from governance (`escalation.webhook`) or the serve config.
 */
import type { SpikeNotice } from './spike-guard.js';

/** Options of {@link webhookNotifier}. */
export interface WebhookOptions {
  url: string;
  /** Attempts before giving up (default 3). */
  attempts?: number;
  /** Per-attempt timeout, ms (default 5000). */
  timeoutMs?: number;
  /** Delay before the second attempt, doubled each time, ms (default 500). */
  backoffMs?: number;
}

/** A notifier that POSTs each notice to `url`; rejects when every attempt failed. */
export function webhookNotifier(opts: WebhookOptions): (notice: SpikeNotice) => Promise<void> {
  const attempts = opts.attempts ?? 3;
  return async (notice) => {
    const body = JSON.stringify(notice);
    let delay = opts.backoffMs ?? 500;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      try {
        const res = await fetch(opts.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'rampart-escalation/1' },
          body,
          signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return;
        last = new Error(`webhook answered ${res.status}`);
      } catch (e) {
        last = e;
      }
      if (i + 1 < attempts) {
        await new Promise((r) => setTimeout(r, delay).unref());
        delay *= 2;
      }
    }
    throw last instanceof Error ? last : new Error(String(last));
  };
}
