import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { POLICY_FILE_SCHEMA } from '../../src/policy/index.js';

it('docs/policy.schema.json is the schema the loader uses (regenerate: npx tsx scripts/write-policy-schema.ts)', () => {
  const published = JSON.parse(
    readFileSync(path.join(import.meta.dirname, '..', '..', 'docs', 'policy.schema.json'), 'utf8'),
  );
  expect(published).toEqual(JSON.parse(JSON.stringify(POLICY_FILE_SCHEMA)));
});
