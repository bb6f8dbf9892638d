/**
 * The deployment key for subject hashing. Subject ids are stored only as HMAC-SHA256 under this key,
 * so records can be joined per user without holding the id. The key is never logged.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EvidenceError } from './errors.js';

/** File name of the generated subject key inside a store directory. */
export const SUBJECT_KEY_FILE = 'subject.key';

/** Keyed hash (hex) of a subject id. */
export function hashSubject(key: Buffer, subjectId: string): string {
  return createHmac('sha256', key).update(subjectId).digest('hex');
}

function decodeKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]+$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length < 16)
    throw new EvidenceError('evidence/bad-key', `subject key from ${where} is shorter than 16 bytes`, where);
  return key;
}

/**
 * The subject key: `explicit` if given, else `RAMPART_SUBJECT_KEY` (hex or base64), else
 * `<dir>/subject.key`, generated (32 random bytes, mode 0600) when absent.
 */
export function loadSubjectKey(dir: string | undefined, explicit?: string | Buffer): Buffer {
  if (Buffer.isBuffer(explicit)) return explicit;
  if (typeof explicit === 'string') return decodeKey(explicit, 'configuration');
  const env = process.env.RAMPART_SUBJECT_KEY;
  if (env) return decodeKey(env, 'RAMPART_SUBJECT_KEY');
  if (!dir) return randomBytes(32);
  const path = join(dir, SUBJECT_KEY_FILE);
  try {
    return decodeKey(readFileSync(path, 'utf8'), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  mkdirSync(dir, { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch (e) {
    // Another process created it first: use theirs so both hash alike.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return decodeKey(readFileSync(path, 'utf8'), path);
    throw e;
  }
}
