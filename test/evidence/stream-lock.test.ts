import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteSink, SqliteStore, verifyStore } from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dbPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'rampart-lock-'));
  dirs.push(d);
  return join(d, 'evidence.db');
}

describe('one writer per stream', () => {
  it('gives a second live writer its own stream instead of forking the chain', async () => {
    const path = dbPath();
    const a = new SqliteSink({ path });
    const b = new SqliteSink({ path });
    await a.open();
    await b.open();
    expect(a.stream).toBe('default');
    expect(b.stream).toBe(`default-${process.pid}`);
    await Promise.all([a.write(makeInput(1)), b.write(makeInput(2)), a.write(makeInput(3))]);
    await a.close();
    await b.close();
    // The next writer continues the released default stream.
    const c = new SqliteSink({ path });
    await c.open();
    expect(c.stream).toBe('default');
    await c.write(makeInput(4));
    await c.close();
    const store = new SqliteStore({ path, readonly: true });
    await store.open();
    const v = await verifyStore(store);
    expect(v.ok).toBe(true);
    expect(v.streams.map((s) => [s.stream, s.records]).sort()).toEqual([
      ['default', 3],
      [`default-${process.pid}`, 1],
    ]);
    await store.close();
  });

  it('refuses an explicitly named stream that another live writer holds', async () => {
    const path = dbPath();
    const a = new SqliteSink({ path, stream: 'api' });
    await a.open();
    await expect(new SqliteSink({ path, stream: 'api' }).open()).rejects.toMatchObject({
      code: 'evidence/bad-config',
      message: expect.stringContaining('already being written by another live process'),
    });
    await a.close();
  });

  it('takes over a lock left by a dead process', async () => {
    const path = dbPath();
    writeFileSync(`${path}.default.lock`, '2147483646');
    const a = new SqliteSink({ path });
    await a.open();
    expect(a.stream).toBe('default');
    await a.close();
  });
});

describe('one writer per stream after a restart with the same pid', () => {
  it('treats a lock naming this pid but not held by this process as stale (containers restart as pid 1)', async () => {
    const path = dbPath();
    writeFileSync(`${path}.default.lock`, String(process.pid));
    const a = new SqliteSink({ path });
    await a.open();
    expect(a.stream).toBe('default');
    await a.close();
  });
});
