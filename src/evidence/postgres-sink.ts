/** The PostgreSQL sink: chained records in a partitioned table, with a local spill file for outages. */
import { ChainedSink, type ChainedSinkOptions } from './chained-sink.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';

/** Options of {@link PostgresSink}; set `spillPath` so records survive a database outage. */
export type PostgresSinkOptions = PostgresStoreOptions & ChainedSinkOptions;

/** Writes chained records to PostgreSQL. */
export class PostgresSink extends ChainedSink {
  declare readonly store: PostgresStore;

  constructor(options: PostgresSinkOptions) {
    super(new PostgresStore(options), options);
  }
}
