/**
 * The admin audit writer for each evidence kind of `rampart serve`: a second chained writer on the
 * same store as the decision records (stream `admin`), with the same key directory, so
 * `rampart logs verify` checks admin records and their signed checkpoints with the rest. Its spill
 * file is its own (two writers never share one). JSON Lines evidence gets a sibling file
 * (`<name>.admin.jsonl`): two writers rotating one file would corrupt it.
 */
import { dirname } from 'node:path';
import { JsonlSink } from '../../evidence/jsonl-sink.js';
import { PostgresSink } from '../../evidence/postgres-sink.js';
import type { EvidenceSink } from '../../evidence/sink.js';
import { SqliteSink } from '../../evidence/sqlite-sink.js';
import type { ServeConfig } from '../config.js';
import { postgresEvidenceKeys } from '../evidence-keys.js';
import { ADMIN_STREAM } from './audit.js';

/** The audit sink for `config`, or `undefined` for memory evidence (the server then shares its store). */
export function openAuditSink(
  config: ServeConfig['evidence'],
  stream = ADMIN_STREAM,
): { sink: EvidenceSink; label: string } | undefined {
  switch (config.kind) {
    case 'memory':
      return undefined;
    case 'postgres':
      return {
        sink: new PostgresSink({
          connection: config.url as string,
          ...postgresEvidenceKeys(),
          stream,
          ...(config.schema ? { schema: config.schema } : {}),
        }),
        label: `stream ${stream} of the same database`,
      };
    case 'sqlite': {
      const path = config.path as string;
      return {
        sink: new SqliteSink({ path, stream, spillPath: `${path}.${stream}.spill.jsonl` }),
        label: `stream ${stream} of ${path}`,
      };
    }
    case 'jsonl': {
      const path = config.path as string;
      const file = `${path.replace(/\.jsonl$/, '')}.${stream}.jsonl`;
      return {
        sink: new JsonlSink({ path: file, stream, keyDir: dirname(path) }),
        label: `stream ${stream} in ${file}`,
      };
    }
  }
}
