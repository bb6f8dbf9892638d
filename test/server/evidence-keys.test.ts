import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { postgresEvidenceKeys } from '../../src/server/evidence-keys.js';

describe('postgresEvidenceKeys', () => {
  let dir: string;
  const saved = process.env.RAMPART_SUBJECT_KEY;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-pg-keys-'));
    delete process.env.RAMPART_SUBJECT_KEY;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.RAMPART_SUBJECT_KEY;
    else process.env.RAMPART_SUBJECT_KEY = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the keys once and gives every later opener (restart, second writer) the same ones', async () => {
    const a = postgresEvidenceKeys(dir);
    const b = postgresEvidenceKeys(dir);
    expect(b.subjectKey.equals(a.subjectKey)).toBe(true);
    expect(b.signer.keyId).toBe(a.signer.keyId);
    for (const file of ['subject.key', 'checkpoint-key.pem'])
      expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
  });

  it('takes the subject key from RAMPART_SUBJECT_KEY when set (instances on different hosts hash alike)', () => {
    process.env.RAMPART_SUBJECT_KEY = 'ab'.repeat(32);
    expect(postgresEvidenceKeys(dir).subjectKey.toString('hex')).toBe('ab'.repeat(32));
  });
});
