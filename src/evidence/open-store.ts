/** Opens a store from a location string, as the CLI and the server accept it. */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { EvidenceError } from './errors.js';
import { JsonlStore } from './jsonl-store.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { ReadableStore } from './store.js';

/** A parsed store location and the directory its keys live in. */
export interface StoreLocation {
  kind: 'sqlite' | 'jsonl' | 'postgres';
  target: string;
  /** Where `checkpoint-key.pub.pem` and `checkpoint-key.pem` are looked for. */
  keyDir: string;
}

/**
 * Parses `postgres://…`, `sqlite:<path>`, `jsonl:<path>`, or a bare path (`.jsonl` → JSON Lines,
 * anything else → SQLite). `keyDir` defaults to the file's directory, or `.rampart` for PostgreSQL.
 */
export function parseStoreLocation(location: string, keyDir?: string): StoreLocation {
  if (!location) throw new EvidenceError('evidence/bad-config', 'an evidence store location is required');
  if (/^postgres(ql)?:\/\//.test(location))
    return { kind: 'postgres', target: location, keyDir: keyDir ?? '.rampart' };
  if (location.startsWith('sqlite:')) {
    const target = location.slice(7);
    return { kind: 'sqlite', target, keyDir: keyDir ?? dirname(target) };
  }
  if (location.startsWith('jsonl:')) {
    const target = location.slice(6);
    return { kind: 'jsonl', target, keyDir: keyDir ?? dirname(target) };
  }
  const kind = location.endsWith('.jsonl') ? 'jsonl' : 'sqlite';
  return { kind, target: location, keyDir: keyDir ?? dirname(location) };
}

/** Opens an existing store for reading (and purging). Fails with `evidence/store-unavailable` when absent. */
export async function openReadableStore(
  loc: StoreLocation,
  opts: { schema?: string; write?: boolean } = {},
): Promise<ReadableStore> {
  let store: ReadableStore;
  if (loc.kind === 'postgres') {
    store = new PostgresStore(
      opts.schema ? { connection: loc.target, schema: opts.schema } : { connection: loc.target },
    );
  } else {
    if (!existsSync(loc.target))
      throw new EvidenceError('evidence/store-unavailable', `no evidence store at ${loc.target}`, loc.target);
    store =
      loc.kind === 'sqlite'
        ? new SqliteStore({ path: loc.target, readonly: !opts.write, writeThread: 'main' })
        : new JsonlStore({ path: loc.target });
  }
  await store.open();
  return store;
}
