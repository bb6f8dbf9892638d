/** The PostgreSQL sink: chained records in a partitioned table, with a local spill file for outages. */
import { join } from 'node:path';
import { ChainedSink, type ChainedSinkOptions } from './chained-sink.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';

/** Options of {@link PostgresSink}. With `keyDir`, a spill file there catches database outages. */
export type PostgresSinkOptions = PostgresStoreOptions & ChainedSinkOptions;

/** Writes chained records to PostgreSQL. */
export class PostgresSink extends ChainedSink {
  declare readonly store: PostgresStore;

  constructor(options: PostgresSinkOptions) {
    const spill =
      options.keyDir !== undefined
        ? { spillPath: join(options.keyDir, `evidence-${options.schema ?? 'rampart'}.spill.jsonl`) }
        : {};
    super(new PostgresStore(options), { ...spill, ...options });
  }
}
