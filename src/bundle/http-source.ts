/**
 * A bundle served over HTTP(S), polled with `If-None-Match` so an unchanged bundle costs one 304.
 * Bodies are size-bounded and every fetched bundle is verified by the runtime before activation; a
 * failed fetch keeps the current policy and raises the runtime's `rejected` signal.
 */
import { MAX_BUNDLE_BYTES } from './bundle-format.js';
import type { BundleSource } from './file-source.js';
import type { OfferResult, PolicyRuntime } from './policy-runtime.js';

/** Options of an HTTP source. */
export interface HttpSourceOptions {
  /** Poll interval (ms); 0 disables the timer (call `reload` yourself). */
  intervalMs?: number;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  actor?: string;
}

async function readBounded(response: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > limit) throw new Error(`body of ${declared} bytes exceeds ${limit}`);
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > limit) throw new Error(`body exceeds ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Polls `url` and offers every new bundle to the runtime. The first poll runs before this resolves. */
export async function pollBundleHttp(
  url: string,
  runtime: PolicyRuntime,
  options: HttpSourceOptions = {},
): Promise<BundleSource & { etag(): string | undefined }> {
  const doFetch = options.fetch ?? fetch;
  let etag: string | undefined;
  let chain: Promise<OfferResult | undefined> = Promise.resolve(undefined);
  const fail = (message: string) => {
    runtime.rejections++;
    runtime.lastError = { code: 'source/fetch-failed', message };
    runtime.emit('rejected', { source: url, error: runtime.lastError, active: runtime.current() });
    return undefined;
  };
  const reload = (): Promise<OfferResult | undefined> => {
    chain = chain.then(async () => {
      const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
      if (etag) headers['if-none-match'] = etag;
      let response: Response;
      try {
        response = await doFetch(url, {
          headers,
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
          redirect: 'error',
        });
      } catch (error) {
        return fail(`fetch ${url} failed: ${(error as Error).message}`);
      }
      if (response.status === 304) return { status: 'unchanged', active: runtime.current() } as OfferResult;
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        return fail(`fetch ${url} answered ${response.status}`);
      }
      let body: Uint8Array;
      try {
        body = await readBounded(response, MAX_BUNDLE_BYTES);
      } catch (error) {
        return fail(`fetch ${url}: ${(error as Error).message}`);
      }
      const result = await runtime.offer(body, {
        source: url,
        ...(options.actor ? { actor: options.actor } : {}),
        reason: 'new bundle served',
      });
      // A refused bundle's tag is remembered too: it was signalled once, and re-fetching the same bad bytes
      // every interval would only flood the history. The server must change the tag to offer a fix.
      etag = response.headers.get('etag') ?? undefined;
      return result;
    });
    return chain;
  };
  await reload();
  const interval = options.intervalMs ?? 30_000;
  const timer = interval > 0 ? setInterval(() => void reload(), interval) : undefined;
  timer?.unref();
  return {
    reload,
    etag: () => etag,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
