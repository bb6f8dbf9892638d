/**
 * The exceptions file beside the active bundle, kept loaded and verified. Grants are re-filtered by
 * expiry on every call with the caller's clock, so an expired grant stops applying at its instant
 * even between reloads; a file that fails to load keeps the previous verified set and signals.
 */
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { ExceptionGrant } from '../policy/types.js';
import { isBundleError } from './errors.js';
import { type LoadedExceptions, loadExceptions, type RejectedGrant } from './exceptions.js';
import type { Governance } from './governance.js';

/** Options of a watched exceptions file. */
export interface ExceptionsSourceOptions {
  governance: Governance;
  /** Current risk of a rule (from the active policy); raises the duration cap when a rule got riskier. */
  ruleRisk?: (ruleId: string) => string | undefined;
  /** Called with grants dropped on load, and with load failures (code `exception/invalid`). */
  onRejected?: (rejected: RejectedGrant[]) => void;
  debounceMs?: number;
  now?: () => Date;
}

/** A loaded exceptions file. */
export interface ExceptionsSource {
  /** Verified grants unexpired at `now`: pass them to `decide(..., { exceptions, now })`. */
  active(now?: Date): ExceptionGrant[];
  reload(): Promise<void>;
  stop(): void;
}

/** Loads `path` now and on every change. A missing file means no exceptions. */
export async function watchExceptionsFile(
  path: string,
  options: ExceptionsSourceOptions,
): Promise<ExceptionsSource> {
  const full = resolve(path);
  let verified: ExceptionGrant[] = [];
  const clock = options.now ?? (() => new Date());
  let chain: Promise<void> = Promise.resolve();
  const reload = () => {
    chain = chain.then(async () => {
      let text: string;
      try {
        text = await readFile(full, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') verified = [];
        return;
      }
      let loaded: LoadedExceptions;
      try {
        // Load with the epoch as "now" so every verified grant is kept; expiry is applied per call.
        loaded = loadExceptions(text, {
          governance: options.governance,
          now: new Date(0),
          ...(options.ruleRisk ? { ruleRisk: options.ruleRisk } : {}),
        });
      } catch (error) {
        if (!isBundleError(error)) throw error;
        options.onRejected?.([{ index: -1, code: error.code, message: error.message }]);
        return;
      }
      verified = loaded.active;
      if (loaded.rejected.length > 0) options.onRejected?.(loaded.rejected);
    });
    return chain;
  };
  await reload();
  let timer: NodeJS.Timeout | undefined;
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(dirname(full), (_e, name) => {
      if (name !== null && name !== basename(full)) return;
      clearTimeout(timer);
      timer = setTimeout(() => void reload(), options.debounceMs ?? 100);
      timer.unref();
    });
    watcher.on('error', () => undefined);
    watcher.unref();
  } catch {
    watcher = undefined;
  }
  return {
    active(now = clock()) {
      const t = now.getTime();
      return verified.filter((g) => Date.parse(g.expires) > t);
    },
    reload,
    stop() {
      watcher?.close();
      clearTimeout(timer);
    },
  };
}
