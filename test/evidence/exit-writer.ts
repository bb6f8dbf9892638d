/**
 * Child process of the writer-thread test: writes a few records to SQLite and ends its script,
 * closing the sink or not (argv[3] = `close` | `leave`). The process must then exit by itself: the
 * idle writer thread may not keep it alive.
 */
import { writeSync } from 'node:fs';
import { SqliteSink } from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';

const [path, how] = process.argv.slice(2);
const sink = new SqliteSink({ path: path! });
await sink.open();
await Promise.all(Array.from({ length: 10 }, (_, i) => sink.write(makeInput(i))));
if (how === 'close') await sink.close();
writeSync(1, 'acknowledged\n');
