/**
 * A bundle file on local disk, watched for changes. The directory is watched (not the file) because
 * writers replace the file atomically by rename, which a watch on the old inode would miss; a slow
 * poll backs the watcher up on file systems where change events are unreliable.
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { MAX_BUNDLE_BYTES } from './bundle-format.js';
import type { OfferResult, PolicyRuntime } from './policy-runtime.js';

/** Options of a watched file source. */
export interface FileSourceOptions {
  /** Coalesce bursts of change events (ms). */
  debounceMs?: number;
  /** Re-read at least this often (ms); 0 disables. */
  pollMs?: number;
  actor?: string;
}

/** A running source. */
export interface BundleSource {
  /** Reads (or fetches) now and offers the result to the runtime. */
  reload(): Promise<OfferResult | undefined>;
  stop(): void;
}

/** Offers `path` to the runtime now and on every change. */
export async function watchBundleFile(
  path: string,
  runtime: PolicyRuntime,
  options: FileSourceOptions = {},
): Promise<BundleSource> {
  const full = resolve(path);
  let last: string | undefined;
  let chain: Promise<OfferResult | undefined> = Promise.resolve(undefined);
  const reload = (): Promise<OfferResult | undefined> => {
    chain = chain.then(async () => {
      let data: Buffer;
      try {
        data = await readFile(full);
      } catch (error) {
        runtime.emit('rejected', {
          source: full,
          error: {
            code: 'source/fetch-failed',
            message: `cannot read ${full}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
          },
          active: runtime.current(),
        });
        return undefined;
      }
      if (data.length > MAX_BUNDLE_BYTES) data = data.subarray(0, MAX_BUNDLE_BYTES + 1);
      const text = data.toString('utf8');
      if (text === last) return undefined;
      last = text;
      return runtime.offer(data, {
        source: full,
        ...(options.actor ? { actor: options.actor } : {}),
        reason: 'file changed',
      });
    });
    return chain;
  };
  await reload();
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), options.debounceMs ?? 100);
    timer.unref();
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(full), (_event, name) => {
      if (name === null || name === basename(full)) schedule();
    });
    watcher.on('error', () => undefined);
    watcher.unref();
  } catch {
    watcher = undefined;
  }
  const pollMs = options.pollMs ?? 5000;
  const poller = pollMs > 0 ? setInterval(() => void reload(), pollMs) : undefined;
  poller?.unref();
  return {
    reload,
    stop() {
      watcher?.close();
      clearTimeout(timer);
      if (poller) clearInterval(poller);
    },
  };
}
