/** Writes docs/policy.schema.json from the schema the loader uses, so editors and docs never drift. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { POLICY_FILE_SCHEMA } from '../src/policy/policy-schema.js';

const target = path.join(import.meta.dirname, '..', 'docs', 'policy.schema.json');
writeFileSync(target, `${JSON.stringify(POLICY_FILE_SCHEMA, null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
