/**
 * Child process of the durability test: writes decision records as fast as it can and prints
 * `ack <n>` (synchronously) after the first n records are acknowledged, until it is killed.
 */
import { writeSync } from 'node:fs';
import { type ChainedSink, PostgresSink, SqliteSink } from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';

const [kind, location, schema, keyDir] = process.argv.slice(2);
const sink: ChainedSink =
  kind === 'postgres'
    ? new PostgresSink({ connection: location!, schema: schema!, keyDir: keyDir!, checkpointEvery: 2000 })
    : new SqliteSink({ path: location!, checkpointEvery: 2000 });
await sink.open();
const start = Number(process.env.START ?? 0);
const window = 500;
for (let n = start; ; n += window) {
  const batch: Promise<void>[] = [];
  for (let i = n; i < n + window; i++) batch.push(sink.write(makeInput(i)));
  await Promise.all(batch);
  writeSync(1, `ack ${n + window}\n`);
}
