import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  hashSubject,
  JsonlSink,
  JsonlStore,
  loadSubjectKey,
  MemorySink,
  StdoutSink,
  verifyStore,
} from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  delete process.env.RAMPART_SUBJECT_KEY;
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rampart-evopts-'));
  dirs.push(d);
  return d;
}

describe('JSONL rotation', () => {
  it('rotates by size and the chain verifies across files', async () => {
    const dir = tempDir();
    const sink = new JsonlSink({ path: join(dir, 'evidence.jsonl'), maxBytes: 2000, batchSize: 2 });
    await sink.open();
    for (let i = 0; i < 20; i++) await sink.write(makeInput(i));
    await sink.close();
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(3);
    expect(files).toContain('evidence.jsonl');
    const store = new JsonlStore({ path: join(dir, 'evidence.jsonl') });
    expect((await store.select({})).map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await verifyStore(store)).ok).toBe(true);
  });

  it('rotates by age', async () => {
    const dir = tempDir();
    const sink = new JsonlSink({ path: join(dir, 'evidence.jsonl'), maxAgeMs: 1 });
    await sink.open();
    await sink.write(makeInput(1));
    await new Promise((r) => setTimeout(r, 10));
    await sink.write(makeInput(2));
    await sink.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.jsonl')).length).toBeGreaterThanOrEqual(2);
  });
});

describe('StdoutSink', () => {
  it('writes one chained JSON record per line and a checkpoint at close', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const sink = new StdoutSink({ out });
    await sink.open();
    await sink.write(makeInput(1));
    await sink.write(makeInput(2));
    await sink.close();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[1].prev).toBe(lines[0].hash);
    expect(lines[2].checkpoint).toMatchObject({ kind: 'periodic', seq: 2, hash: lines[1].hash });
  });
});

describe('subject key and redaction', () => {
  it('uses RAMPART_SUBJECT_KEY when set, and rejects a short key', async () => {
    process.env.RAMPART_SUBJECT_KEY = 'ab'.repeat(32);
    const sink = new MemorySink();
    await sink.open();
    await sink.write(makeInput(3, { subjectId: 'alice' }));
    expect(sink.records[0]!.subject).toBe(hashSubject(Buffer.from('ab'.repeat(32), 'hex'), 'alice'));
    process.env.RAMPART_SUBJECT_KEY = 'abcd';
    expect(() => loadSubjectKey(undefined)).toThrow(/shorter than 16 bytes/);
  });

  it('persists a generated key so hashes stay joinable across restarts', () => {
    const dir = tempDir();
    expect(loadSubjectKey(dir).equals(loadSubjectKey(dir))).toBe(true);
  });

  it('applies the redactor to declared context and retained fields', async () => {
    const sink = new MemorySink({ redact: (t) => t.replace(/\d{3}-\d{2}-\d{4}/g, '[US_SSN]') });
    await sink.open();
    const input = makeInput(1, {
      retained: { fields: { 'output.text': 'SSN 123-45-6789' }, retention: '30d' },
    });
    input.decision.evidence = { 'input.text': 'my ssn is 123-45-6789', nested: ['078-05-1120'] };
    await sink.write(input);
    const rec = sink.records[0]!;
    expect(JSON.stringify(rec)).not.toMatch(/\d{3}-\d{2}-\d{4}/);
    expect(rec.context).toEqual({ 'input.text': 'my ssn is [US_SSN]', nested: ['[US_SSN]'] });
    expect(rec.retained).toEqual({ fields: { 'output.text': 'SSN [US_SSN]' }, retention: '30d' });
  });

  it('rejects a record whose time is not RFC 3339', async () => {
    const sink = new MemorySink();
    await sink.open();
    await expect(sink.write(makeInput(1, { time: 'yesterday' }))).rejects.toMatchObject({
      code: 'evidence/invalid-record',
    });
  });
});
