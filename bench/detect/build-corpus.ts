/** Writes the labeled corpus to `test/fixtures/detect/corpus.jsonl` (deterministic). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCorpus } from './corpus.js';

const file = path.join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'detect', 'corpus.jsonl');
const corpus = buildCorpus();
writeFileSync(file, `${corpus.map((s) => JSON.stringify(s)).join('\n')}\n`);
process.stdout.write(`wrote ${corpus.length} samples to ${path.relative(process.cwd(), file)}\n`);
