import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';

const schema = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../docs/decision-record.schema.json'), 'utf8'),
);
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

describe('docs/decision-record.schema.json', () => {
  it('accepts every kind of record the sinks write', async () => {
    const sink = new MemorySink();
    await sink.open();
    await sink.write(makeInput(1));
    await sink.write(
      makeInput(2, {
        shadow: { digest: 'sha256:c', outcome: 'blocked', rules: ['r'] },
        retained: { fields: { 'output.text': '[REDACTED]' }, retention: '30d' },
        retention: '90d',
        cohort: 'beta',
        tenant: 'acme',
        failure: 'detector pii timed out',
      }),
    );
    for (const r of sink.records)
      expect(validate(JSON.parse(JSON.stringify(r))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a record with raw members it must never carry', async () => {
    const sink = new MemorySink();
    await sink.open();
    await sink.write(makeInput(1));
    const rec = { ...JSON.parse(JSON.stringify(sink.records[0])), input: { text: 'my SSN is 123-45-6789' } };
    expect(validate(rec)).toBe(false);
  });
});
