/**
 * kill -9 loses nothing acknowledged: a child writes as fast as it can, is SIGKILLed at a random
 * moment, and afterwards every acknowledged record is present, in order, and the chain verifies.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ChainedSink,
  loadPublicKey,
  PostgresSink,
  PostgresStore,
  type ReadableStore,
  SqliteSink,
  SqliteStore,
  verifyStore,
} from '../../src/evidence/index.js';
import { makeInput } from './make-input.js';
import { dropSchemas, PG_URL, pgAvailable, uniqueSchema } from './pg-probe.js';

const hasPg = await pgAvailable();
const schemas: string[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await dropSchemas(schemas);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const writer = join(import.meta.dirname, 'durability-writer.ts');

/** Runs the writer, kills it `afterMs` after its first acknowledgement, returns how many were acknowledged. */
function runAndKill(args: string[], afterMs: number, start: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, START: String(start) },
    });
    let acked = start;
    let buf = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        const m = /^ack (\d+)$/.exec(l);
        if (m) acked = Number(m[1]);
      }
      timer ??= setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited without being killed: ${stderr}`));
      else resolve(acked);
    });
  });
}

interface Target {
  name: string;
  setup: () => { args: string[]; store: () => ReadableStore; sink: () => ChainedSink; pub: string };
}

const targets: Target[] = [
  {
    name: 'sqlite',
    setup: () => {
      const dir = mkdtempSync(join(tmpdir(), 'rampart-durable-'));
      dirs.push(dir);
      const path = join(dir, 'evidence.db');
      return {
        args: ['sqlite', path],
        store: () => new SqliteStore({ path }),
        sink: () => new SqliteSink({ path }),
        pub: join(dir, 'checkpoint-key.pub.pem'),
      };
    },
  },
];
if (hasPg || process.env.CI === 'true')
  targets.push({
    name: 'postgres',
    setup: () => {
      const dir = mkdtempSync(join(tmpdir(), 'rampart-durable-'));
      dirs.push(dir);
      const schema = uniqueSchema('durable');
      schemas.push(schema);
      return {
        args: ['postgres', PG_URL, schema, dir],
        store: () => new PostgresStore({ connection: PG_URL, schema }),
        sink: () => new PostgresSink({ connection: PG_URL, schema, keyDir: dir }),
        pub: join(dir, 'checkpoint-key.pub.pem'),
      };
    },
  });

describe.each(targets)('durability under SIGKILL ($name)', ({ setup }) => {
  it('keeps every acknowledged record, in order, with a verifying chain, across two kills and a restart', async () => {
    const t = setup();
    let start = 0;
    for (let round = 0; round < 2; round++) {
      const afterMs = 200 + Math.floor(Math.random() * 1500);
      const acked = await runAndKill(t.args, afterMs, start);
      expect(acked).toBeGreaterThan(start);
      const store = t.store();
      await store.open();
      const records = await store.select({ stream: 'default' });
      // Every acknowledged record is there, at its place: record i is decision d-i with seq i+1.
      expect(records.length).toBeGreaterThanOrEqual(acked);
      for (let i = 0; i < acked; i++) {
        if (records[i]!.id !== `d-${i}` || records[i]!.seq !== i + 1)
          throw new Error(`acknowledged record ${i} missing or out of place after kill (round ${round})`);
      }
      const v = await verifyStore(store, { publicKey: loadPublicKey(t.pub) });
      expect(v.streams[0]?.problem).toBeUndefined();
      expect(v.ok).toBe(true);
      start = records.length;
      await store.close();
    }
    // A normal restart continues the chain.
    const sink = t.sink();
    await sink.open();
    await sink.write(makeInput(start));
    await sink.close();
    const store = t.store();
    await store.open();
    expect((await verifyStore(store, { publicKey: loadPublicKey(t.pub) })).ok).toBe(true);
    await store.close();
  }, 60_000);
});
