/**
 * The activation history: who activated which bundle, when, why, and every refused candidate.
 * Persisted as one JSON document, rewritten atomically on each append.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';
import { prettyCanonicalJson } from './canonical-json.js';
import { BundleError } from './errors.js';

/** What happened. */
export type ActivationAction =
  | 'activate'
  | 'rollback'
  | 'reject'
  | 'fallback'
  | 'shadow'
  | 'rollout'
  | 'withdraw';

/** One history entry. */
export interface ActivationEntry {
  at: string;
  action: ActivationAction;
  name: string;
  version: string;
  digest: string;
  actor: string;
  reason: string;
  /** Where the bundle came from (file path, URL, `cli`). */
  source?: string;
  /** For `reject`: why the candidate was refused. */
  error?: { code: string; message: string };
}

const FORMAT = 'rampart.activation-history/v1';
/** Oldest entries are dropped beyond this so the file stays bounded. */
export const MAX_HISTORY_ENTRIES = 10_000;

/** A history file. Appends from one process are serialised; use one writer per file. */
export class ActivationHistory {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(readonly path: string) {}

  /** All entries, oldest first; an absent file is an empty history. */
  async read(): Promise<ActivationEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    try {
      const doc = JSON.parse(text) as { format?: unknown; entries?: unknown };
      if (doc.format !== FORMAT || !Array.isArray(doc.entries)) throw new Error('wrong format');
      return doc.entries as ActivationEntry[];
    } catch (error) {
      throw new BundleError(
        'history/invalid',
        `activation history ${this.path} is unreadable: ${(error as Error).message}`,
        {
          file: this.path,
        },
      );
    }
  }

  /** Appends one entry. */
  append(entry: ActivationEntry): Promise<void> {
    const run = this.queue.then(async () => {
      const entries = [...(await this.read()), entry].slice(-MAX_HISTORY_ENTRIES);
      await writeFileAtomic(this.path, prettyCanonicalJson({ format: FORMAT, entries }));
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
