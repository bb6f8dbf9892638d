/**
 * Follows an activation state directory (see `ActivationStore`): `active.json` drives the active
 * policy, `candidate.json` the staged shadow or rollout candidate. Both go through the runtime's
 * verify-then-swap path, so a bad file never changes what is enforced.
 */
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CANDIDATE_FORMAT, type CandidateFile } from './activation-store.js';
import { type BundleSource, watchBundleFile } from './file-source.js';
import type { PolicyRuntime } from './policy-runtime.js';

/** Options of a state directory source. */
export interface StateDirSourceOptions {
  debounceMs?: number;
  pollMs?: number;
  actor?: string;
}

/** Offers the state directory's active bundle and candidate to the runtime, now and on change. */
export async function watchStateDir(
  dir: string,
  runtime: PolicyRuntime,
  options: StateDirSourceOptions = {},
): Promise<BundleSource> {
  const active = await watchBundleFile(join(dir, 'active.json'), runtime, options);
  const candidatePath = join(dir, 'candidate.json');
  let last: string | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const meta = {
    source: candidatePath,
    ...(options.actor ? { actor: options.actor } : {}),
    reason: 'candidate changed',
  };
  const reloadCandidate = () => {
    chain = chain.then(async () => {
      const text = await readFile(candidatePath, 'utf8').catch(() => undefined);
      if (text === last) return;
      last = text;
      if (text === undefined) return runtime.clearCandidate(meta);
      let file: CandidateFile;
      try {
        file = JSON.parse(text) as CandidateFile;
        if (
          file.format !== CANDIDATE_FORMAT ||
          typeof file.digest !== 'string' ||
          !/^sha256:[0-9a-f]{64}$/.test(file.digest)
        )
          throw new Error('not a candidate file');
      } catch (error) {
        runtime.emit('rejected', {
          source: candidatePath,
          error: { code: 'bundle/malformed', message: (error as Error).message },
          active: runtime.current(),
        });
        return;
      }
      const bundle = await readFile(join(dir, 'bundles', `${file.digest.slice(7)}.json`)).catch(
        () => undefined,
      );
      if (!bundle) {
        runtime.emit('rejected', {
          source: candidatePath,
          error: { code: 'bundle/not-found', message: `staged bundle ${file.digest} is not stored` },
          active: runtime.current(),
        });
        return;
      }
      await runtime.offerCandidate(bundle, file.stage, meta);
    });
    return chain;
  };
  await reloadCandidate();
  let timer: NodeJS.Timeout | undefined;
  const watcher = (() => {
    try {
      const w = watch(dir, (_e, name) => {
        if (name !== null && name !== 'candidate.json') return;
        clearTimeout(timer);
        timer = setTimeout(() => void reloadCandidate(), options.debounceMs ?? 100);
        timer.unref();
      });
      w.on('error', () => undefined);
      w.unref();
      return w;
    } catch {
      return undefined;
    }
  })();
  const pollMs = options.pollMs ?? 5000;
  const poller = pollMs > 0 ? setInterval(() => void reloadCandidate(), pollMs) : undefined;
  poller?.unref();
  return {
    async reload() {
      await reloadCandidate();
      return active.reload();
    },
    stop() {
      active.stop();
      watcher?.close();
      clearTimeout(timer);
      if (poller) clearInterval(poller);
    },
  };
}
